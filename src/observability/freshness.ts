import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { addDays, todayIn } from '../schedule/dates.js';

/**
 * How fresh each connection's data is, from the run ledger: for every report target (connection ×
 * account × report × aggregation) its last successfully loaded day; a connection is as fresh as its
 * stalest target. Only enabled reports (REPORTS) and accounts not removed count, so a report switched
 * off or an account gone does not hold a connection stale for ever. Connections are listed from the
 * connections table too, with their health, so one that never loaded shows up with no day. Each
 * connection also counts its provisional windows (report_provisional_windows), with the same filters.
 */

export interface ConnectionFreshness {
  connectionId: string;
  health: 'ok' | 'needs_reauth';
  healthReason: string | null;
  healthSince: Date | null;
  /** An operator paused it: the scheduler plans nothing for it until it is resumed. */
  paused: boolean;
  /** The stalest target's last loaded day (YYYY-MM-DD); null when none of its targets ever loaded. */
  oldestLoadedDay: string | null;
  /** Targets that loaded at least once. */
  targets: number;
  /** Days between yesterday (in the report time zone) and oldestLoadedDay; null without a loaded day. */
  lagDays: number | null;
  /** Loaded windows whose last day Microsoft may still change (not settled by a later load). */
  provisionalWindows: number;
}

export interface FreshnessOptions {
  enabled: readonly { report: string; aggregation: string }[];
  /** IANA zone of the report time zone: "yesterday" is computed there. */
  timeZone: string;
  now: Date;
}

interface Row extends Record<string, unknown> {
  connection_id: string;
  health: string | null;
  health_reason: string | null;
  health_since: Date | null;
  paused: boolean | null;
  oldest_day: string | null;
  targets: number | string;
  provisional_windows: number | string | null;
}

export async function connectionFreshness(db: Db, options: FreshnessOptions): Promise<ConnectionFreshness[]> {
  const pairs = options.enabled.map((r) => `${r.report}|${r.aggregation}`);
  const enabled = pairs.join(',');
  // Enabled reports of accounts not removed: the same targets for the freshness and the provisional count.
  const kept = (table: 'r' | 'v') => sql`
         (${sql.raw(table)}.report || '|' || ${sql.raw(table)}.aggregation) = ANY(string_to_array(${enabled}, ','))
         AND NOT EXISTS (SELECT 1 FROM accounts a
                          WHERE a.connection_id = ${sql.raw(table)}.connection_id AND a.account_id = ${sql.raw(table)}.account_id AND a.removed_at IS NOT NULL)`;
  const result = await db.execute<Row>(sql`
    WITH latest AS (
      SELECT r.connection_id, r.account_id, r.report, r.aggregation, max(r.window_end) AS last_day
        FROM report_runs r
       WHERE r.status IN ('succeeded', 'empty') AND ${kept('r')}
       GROUP BY 1, 2, 3, 4),
    per_connection AS (
      SELECT connection_id, min(last_day) AS oldest_day, count(*)::int AS targets FROM latest GROUP BY 1),
    provisional AS (
      SELECT v.connection_id, count(*)::int AS windows FROM report_provisional_windows v WHERE ${kept('v')} GROUP BY 1)
    SELECT coalesce(c.connection_id, p.connection_id) AS connection_id, c.health, c.health_reason, c.health_since,
           c.paused_at IS NOT NULL AS paused, to_char(p.oldest_day, 'YYYY-MM-DD') AS oldest_day, coalesce(p.targets, 0) AS targets,
           coalesce(v.windows, 0) AS provisional_windows
      FROM connections c
      FULL JOIN per_connection p ON p.connection_id = c.connection_id
      LEFT JOIN provisional v ON v.connection_id = coalesce(c.connection_id, p.connection_id)
     ORDER BY 1`);
  const yesterday = addDays(todayIn(options.timeZone, options.now), -1);
  return result.rows.map((r) => ({
    connectionId: r.connection_id,
    health: r.health === 'needs_reauth' ? 'needs_reauth' : 'ok',
    healthReason: r.health_reason,
    healthSince: r.health_since ? new Date(r.health_since) : null,
    paused: r.paused === true,
    oldestLoadedDay: r.oldest_day,
    targets: Number(r.targets),
    lagDays: r.oldest_day === null ? null : Math.max(0, daysBetween(r.oldest_day, yesterday)),
    provisionalWindows: Number(r.provisional_windows ?? 0),
  }));
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
