import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { connections } from './schema.js';

/**
 * An operator's pause of a connection (connections.paused_at / paused_reason, migration 0008): the
 * scheduler plans nothing for a paused connection and says so, until it is resumed. Runs already in
 * the queue are left to finish; a window an operator re-runs by hand is still enqueued.
 */

export interface PausedConnection {
  connectionId: string;
  pausedAt: Date;
  reason: string | null;
}

const REASON_MAX = 500;

/**
 * Pauses a known connection; pausing a paused one keeps its original time and takes the new reason.
 * Returns false when no such connection is in the ledger (nothing is created for a mistyped id).
 */
export async function pauseConnection(db: Db, connectionId: string, reason: string | null): Promise<boolean> {
  const text = reason?.trim() ? reason.trim().slice(0, REASON_MAX) : null;
  const rows = await db
    .update(connections)
    .set({ pausedAt: sql`coalesce(${connections.pausedAt}, now())`, pausedReason: text, updatedAt: sql`now()` })
    .where(eq(connections.connectionId, connectionId))
    .returning({ id: connections.connectionId });
  return rows.length > 0;
}

/** Resumes a connection; false when no such connection is in the ledger. */
export async function resumeConnection(db: Db, connectionId: string): Promise<boolean> {
  const rows = await db
    .update(connections)
    .set({ pausedAt: null, pausedReason: null, updatedAt: sql`now()` })
    .where(eq(connections.connectionId, connectionId))
    .returning({ id: connections.connectionId });
  return rows.length > 0;
}

/** The paused connections among `connectionIds` (all paused ones when omitted), by id. */
export async function listPausedConnections(db: Db, connectionIds?: readonly string[]): Promise<PausedConnection[]> {
  if (connectionIds?.length === 0) return [];
  const rows = await db
    .select({ connectionId: connections.connectionId, pausedAt: connections.pausedAt, reason: connections.pausedReason })
    .from(connections)
    .where(and(isNotNull(connections.pausedAt), connectionIds ? inArray(connections.connectionId, [...connectionIds]) : undefined))
    .orderBy(connections.connectionId);
  return rows.flatMap((r) => (r.pausedAt ? [{ connectionId: r.connectionId, pausedAt: r.pausedAt, reason: r.reason }] : []));
}
