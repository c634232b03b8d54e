import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { accountFilterReason, type AccountFilter } from '../discovery/filters.js';
import { addDays, todayIn } from '../schedule/dates.js';

/**
 * Every enabled target (account × enabled report × aggregation) the scheduler plans, with its last
 * loaded day and whether its latest final run failed. The targets come from the accounts table, not
 * from the ledger, so a target exists from the moment its account is discovered: one that never
 * loaded is listed with no day (lag +Inf), which is what lets a lag alert fire on it. Removed
 * accounts and, when given, accounts the account filter drops (they are never planned) are left out.
 */

export interface TargetFreshness {
  connectionId: string;
  accountId: string;
  report: string;
  aggregation: string;
  /** Last day of the latest window loaded (succeeded or empty); null when the target never loaded. */
  lastLoadedDay: string | null;
  /** Days between yesterday (report time zone) and lastLoadedDay; Infinity when it never loaded. */
  lagDays: number;
  /** The target's latest final run failed (a later success clears it). */
  failing: boolean;
}

export interface TargetFreshnessOptions {
  enabled: readonly { report: string; aggregation: string }[];
  timeZone: string;
  accountFilter?: AccountFilter | undefined;
  now: Date;
}

interface Row extends Record<string, unknown> {
  connection_id: string;
  account_id: string;
  account_name: string | null;
  lifecycle_status: string | null;
  report: string;
  aggregation: string;
  last_day: string | null;
  failing: boolean | null;
}

export async function targetFreshness(db: Db, options: TargetFreshnessOptions): Promise<TargetFreshness[]> {
  if (options.enabled.length === 0) return [];
  const enabled = options.enabled.map((r) => `${r.report}|${r.aggregation}`).join(',');
  const result = await db.execute<Row>(sql`
    WITH enabled AS (
      SELECT split_part(p, '|', 1) AS report, split_part(p, '|', 2) AS aggregation
        FROM unnest(string_to_array(${enabled}, ',')) AS p),
    targets AS (
      SELECT a.connection_id, a.account_id, a.account_name, a.lifecycle_status, e.report, e.aggregation
        FROM accounts a CROSS JOIN enabled e WHERE a.removed_at IS NULL),
    loaded AS (
      SELECT r.connection_id, r.account_id, r.report, r.aggregation, max(r.window_end) AS last_day
        FROM report_runs r JOIN targets t USING (connection_id, account_id, report, aggregation)
       WHERE r.status IN ('succeeded', 'empty') GROUP BY 1, 2, 3, 4),
    latest AS (
      SELECT DISTINCT ON (r.connection_id, r.account_id, r.report, r.aggregation)
             r.connection_id, r.account_id, r.report, r.aggregation, r.status
        FROM report_runs r JOIN targets t USING (connection_id, account_id, report, aggregation)
       WHERE r.status IN ('succeeded', 'empty', 'failed')
       ORDER BY r.connection_id, r.account_id, r.report, r.aggregation, r.updated_at DESC, r.id DESC)
    SELECT t.connection_id, t.account_id::text AS account_id, t.account_name, t.lifecycle_status, t.report, t.aggregation,
           to_char(l.last_day, 'YYYY-MM-DD') AS last_day, x.status = 'failed' AS failing
      FROM targets t
      LEFT JOIN loaded l USING (connection_id, account_id, report, aggregation)
      LEFT JOIN latest x USING (connection_id, account_id, report, aggregation)
     ORDER BY 1, 2, 5, 6`);
  const yesterday = addDays(todayIn(options.timeZone, options.now), -1);
  const filter = options.accountFilter;
  return result.rows
    .filter((r) => !filter || accountFilterReason({ accountId: r.account_id, accountName: r.account_name, lifecycleStatus: r.lifecycle_status }, filter) === undefined)
    .map((r) => ({
      connectionId: r.connection_id,
      accountId: r.account_id,
      report: r.report,
      aggregation: r.aggregation,
      lastLoadedDay: r.last_day,
      lagDays: r.last_day === null ? Infinity : Math.max(0, daysBetween(r.last_day, yesterday)),
      failing: r.failing === true,
    }));
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
