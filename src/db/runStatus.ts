import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/**
 * Per connection × account × report × aggregation: the last successful window, the last failure and
 * whether the most recent finished run failed (which is what `status` calls failing), and its
 * provisional windows (report_provisional_windows: loads whose last day Microsoft may still change).
 * Read from the run ledger, so it covers nightly runs, backfills and run-once alike.
 */

export interface TargetStatus {
  connectionId: string;
  accountId: string;
  report: string;
  aggregation: string;
  lastOk: { from: string; to: string; finishedAt: Date } | null;
  lastFailure: { from: string; to: string; finishedAt: Date; errorClass: string | null; message: string | null } | null;
  /** The latest finished run failed. */
  failing: boolean;
  /** Runs not finished yet (submitting, waiting, pending, loading, retrying). */
  inFlight: number;
  /** How Microsoft was called by the most recent run (rest or soap). */
  api: string | null;
  /** Unsettled provisional windows of this target, and the earliest of their last days; null when none. */
  provisional: { windows: number; firstDay: string } | null;
}

interface Row extends Record<string, unknown> {
  connection_id: string;
  account_id: number;
  report: string;
  aggregation: string;
  ok_start: string | null;
  ok_end: string | null;
  ok_at: Date | null;
  fail_start: string | null;
  fail_end: string | null;
  fail_at: Date | null;
  fail_class: string | null;
  fail_message: string | null;
  latest_status: string | null;
  latest_api: string | null;
  in_flight: number;
  provisional_windows: number | null;
  first_provisional_day: string | null;
}

export async function listTargetStatus(db: Db, connectionId?: string): Promise<TargetStatus[]> {
  const where = connectionId === undefined ? sql`true` : sql`connection_id = ${connectionId}`;
  const result = await db.execute<Row>(sql`
    WITH runs AS (SELECT * FROM report_runs WHERE ${where}),
    targets AS (
      SELECT connection_id, account_id, report, aggregation,
             count(*) FILTER (WHERE status NOT IN ('succeeded', 'empty', 'failed'))::int AS in_flight
        FROM runs GROUP BY 1, 2, 3, 4),
    ok AS (
      SELECT DISTINCT ON (connection_id, account_id, report, aggregation)
             connection_id, account_id, report, aggregation, window_start, window_end, finished_at
        FROM runs WHERE status IN ('succeeded', 'empty')
       ORDER BY connection_id, account_id, report, aggregation, window_end DESC, finished_at DESC),
    bad AS (
      SELECT DISTINCT ON (connection_id, account_id, report, aggregation)
             connection_id, account_id, report, aggregation, window_start, window_end, finished_at, error_class, error_message
        FROM runs WHERE status = 'failed'
       ORDER BY connection_id, account_id, report, aggregation, finished_at DESC),
    latest AS (
      SELECT DISTINCT ON (connection_id, account_id, report, aggregation)
             connection_id, account_id, report, aggregation, status
        FROM runs WHERE status IN ('succeeded', 'empty', 'failed')
       ORDER BY connection_id, account_id, report, aggregation, finished_at DESC, id DESC),
    recent AS (
      SELECT DISTINCT ON (connection_id, account_id, report, aggregation)
             connection_id, account_id, report, aggregation, api
        FROM runs ORDER BY connection_id, account_id, report, aggregation, id DESC),
    provisional AS (
      SELECT connection_id, account_id, report, aggregation,
             count(*)::int AS provisional_windows, to_char(min(window_end), 'YYYY-MM-DD') AS first_provisional_day
        FROM report_provisional_windows WHERE ${where} GROUP BY 1, 2, 3, 4)
    SELECT t.connection_id, t.account_id, t.report, t.aggregation, t.in_flight,
           to_char(ok.window_start, 'YYYY-MM-DD') AS ok_start, to_char(ok.window_end, 'YYYY-MM-DD') AS ok_end, ok.finished_at AS ok_at,
           to_char(bad.window_start, 'YYYY-MM-DD') AS fail_start, to_char(bad.window_end, 'YYYY-MM-DD') AS fail_end, bad.finished_at AS fail_at,
           bad.error_class AS fail_class, bad.error_message AS fail_message,
           latest.status AS latest_status, recent.api AS latest_api,
           provisional.provisional_windows, provisional.first_provisional_day
      FROM targets t
      LEFT JOIN ok USING (connection_id, account_id, report, aggregation)
      LEFT JOIN bad USING (connection_id, account_id, report, aggregation)
      LEFT JOIN latest USING (connection_id, account_id, report, aggregation)
      LEFT JOIN recent USING (connection_id, account_id, report, aggregation)
      LEFT JOIN provisional USING (connection_id, account_id, report, aggregation)
     ORDER BY t.connection_id, t.account_id, t.report, t.aggregation`);
  return result.rows.map((r) => ({
    connectionId: r.connection_id,
    accountId: String(r.account_id),
    report: r.report,
    aggregation: r.aggregation,
    lastOk: r.ok_start && r.ok_end && r.ok_at ? { from: r.ok_start, to: r.ok_end, finishedAt: new Date(r.ok_at) } : null,
    lastFailure:
      r.fail_start && r.fail_end && r.fail_at
        ? { from: r.fail_start, to: r.fail_end, finishedAt: new Date(r.fail_at), errorClass: r.fail_class, message: r.fail_message }
        : null,
    failing: r.latest_status === 'failed',
    inFlight: Number(r.in_flight),
    api: r.latest_api,
    provisional: r.provisional_windows && r.first_provisional_day ? { windows: Number(r.provisional_windows), firstDay: r.first_provisional_day } : null,
  }));
}

/** Runs not finished yet, by ledger status (submitting, waiting for a slot, pending at Microsoft, loading, retrying). */
export async function countUnfinishedRuns(db: Db, connectionId?: string): Promise<Record<string, number>> {
  const where = connectionId === undefined ? sql`true` : sql`connection_id = ${connectionId}`;
  const result = await db.execute<{ status: string; n: number }>(sql`
    SELECT status, count(*)::int AS n FROM report_runs
     WHERE status NOT IN ('succeeded', 'empty', 'failed') AND ${where}
     GROUP BY status ORDER BY status`);
  return Object.fromEntries(result.rows.map((r) => [r.status, Number(r.n)]));
}
