import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';

/**
 * The entity part of `status`: per account of the report targets, its latest finished entity run and
 * the Sync Time its next delta starts from. FAILING: the latest run failed; NEVER_LOADED: no file was
 * loaded yet; STALE: the last file loaded is older than FRESHNESS_MAX_LAG_DAYS + 1 days (it is a
 * nightly load). Paused connections are shown but do not count, as for reports.
 */

export type EntityState = 'ok' | 'FAILING' | 'NEVER_LOADED' | 'STALE' | 'paused';

export interface EntityStatus {
  connectionId: string;
  accountId: string;
  state: EntityState;
  lastSyncTime: Date | null;
  lastRun: { id: number; status: string; mode: string; finishedAt: Date | null; errorClass: string | null; message: string | null } | null;
}

export function entityState(lastRun: EntityStatus['lastRun'], lastSyncTime: Date | null, now: Date, maxLagDays: number, paused: boolean): EntityState {
  if (paused) return 'paused';
  if (lastRun?.status === 'failed') return 'FAILING';
  if (lastSyncTime === null) return 'NEVER_LOADED';
  if (now.getTime() - lastSyncTime.getTime() > (maxLagDays + 1) * 86_400_000) return 'STALE';
  return 'ok';
}

export async function listEntityStatus(
  db: Db,
  accounts: readonly { connectionId: string; accountId: string; paused: boolean }[],
  now: Date,
  maxLagDays: number,
): Promise<EntityStatus[]> {
  if (accounts.length === 0) return [];
  const ids = [...new Set(accounts.map((a) => a.accountId))];
  const result = await db.execute<{ account_id: string; id: number; status: string; mode: string; finished_at: Date | null; error_class: string | null; error_message: string | null; last_sync_time: Date | null }>(sql`
    SELECT a.account_id::text, r.id, r.status, r.mode, r.finished_at, r.error_class, r.error_message, s.last_sync_time
      FROM unnest(${`{${ids.join(',')}}`}::bigint[]) AS a(account_id)
      LEFT JOIN LATERAL (SELECT * FROM entity_runs r WHERE r.account_id = a.account_id AND r.status IN ('succeeded', 'failed')
                          ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1) r ON true
      LEFT JOIN entity_sync_state s ON s.account_id = a.account_id`);
  const byAccount = new Map(result.rows.map((r) => [r.account_id, r]));
  return accounts.map((a) => {
    const row = byAccount.get(a.accountId);
    const lastRun = row?.id
      ? { id: Number(row.id), status: row.status, mode: row.mode, finishedAt: row.finished_at ? new Date(row.finished_at) : null, errorClass: row.error_class, message: row.error_message }
      : null;
    const lastSyncTime = row?.last_sync_time ? new Date(row.last_sync_time) : null;
    return { connectionId: a.connectionId, accountId: a.accountId, state: entityState(lastRun, lastSyncTime, now, maxLagDays, a.paused), lastSyncTime, lastRun };
  });
}
