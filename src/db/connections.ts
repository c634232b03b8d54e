import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { connections, type ConnectionHealth } from './schema.js';

/** Operations on the connections table (Nango connections and their health). The database comes first. */

export type ConnectionRow = typeof connections.$inferSelect;

export interface ConnectionHealthState {
  health: ConnectionHealth;
  reason: string | null;
  since: Date | null;
}

/** Nango listed these connections now: create rows for new ones and stamp last_seen_at. */
export async function recordConnectionsSeen(db: Db, connectionIds: readonly string[]): Promise<void> {
  if (connectionIds.length === 0) return;
  await db
    .insert(connections)
    .values(connectionIds.map((connectionId) => ({ connectionId })))
    .onConflictDoUpdate({ target: connections.connectionId, set: { lastSeenAt: sql`now()`, updatedAt: sql`now()` } });
}

/**
 * Marks a connection as needing re-authorization. The first time sets health_since; while it stays
 * needs_reauth the original since is kept and the reason follows the latest failure.
 */
export async function markConnectionNeedsReauth(db: Db, connectionId: string, reason: string): Promise<void> {
  const text = reason.slice(0, 2_000);
  await db
    .insert(connections)
    .values({ connectionId, health: 'needs_reauth', healthReason: text, healthSince: sql`now()` })
    .onConflictDoUpdate({
      target: connections.connectionId,
      set: {
        health: 'needs_reauth',
        healthReason: text,
        healthSince: sql`CASE WHEN ${connections.health} = 'needs_reauth' THEN coalesce(${connections.healthSince}, now()) ELSE now() END`,
        updatedAt: sql`now()`,
      },
    });
}

/** A discovery with the connection's current credential worked: the connection is healthy again. */
export async function markConnectionDiscovered(db: Db, connectionId: string, userId: string): Promise<void> {
  const values = { health: 'ok' as const, healthReason: null, healthSince: null, userId: Number(userId), lastDiscoveryError: null };
  await db
    .insert(connections)
    .values({ connectionId, ...values, lastDiscoveryAt: sql`now()` })
    .onConflictDoUpdate({ target: connections.connectionId, set: { ...values, lastDiscoveryAt: sql`now()`, updatedAt: sql`now()` } });
}

/** A discovery failed for a reason other than dead credentials (network, Microsoft down…). */
export async function recordDiscoveryFailure(db: Db, connectionId: string, message: string): Promise<void> {
  const text = message.slice(0, 2_000);
  await db
    .insert(connections)
    .values({ connectionId, lastDiscoveryError: text, lastDiscoveryAt: sql`now()` })
    .onConflictDoUpdate({ target: connections.connectionId, set: { lastDiscoveryError: text, lastDiscoveryAt: sql`now()`, updatedAt: sql`now()` } });
}

export async function getConnectionHealth(db: Db, connectionId: string): Promise<ConnectionHealthState | undefined> {
  const [row] = await db
    .select({ health: connections.health, reason: connections.healthReason, since: connections.healthSince })
    .from(connections)
    .where(eq(connections.connectionId, connectionId));
  return row;
}

export async function listConnectionRows(db: Db, connectionIds?: readonly string[]): Promise<ConnectionRow[]> {
  const query = db.select().from(connections);
  const rows = connectionIds ? await query.where(inArray(connections.connectionId, [...connectionIds])) : await query;
  return rows.sort((a, b) => a.connectionId.localeCompare(b.connectionId));
}
