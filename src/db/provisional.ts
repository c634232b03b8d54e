import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/**
 * Reads the view report_provisional_windows (migration 0006): succeeded loads whose file said
 * "Potential Incomplete Data: true" and that no later load of the same account, report and
 * aggregation has settled. The nightly tick re-pulls them first; `status` and /metrics show them.
 */

export interface ProvisionalRun {
  runId: number;
  connectionId: string;
  accountId: string;
  report: string;
  aggregation: string;
  /** The run's window (YYYY-MM-DD); `to` is the day Microsoft may still change. */
  from: string;
  to: string;
  finishedAt: Date | null;
  /** The file's "Last Completed Available Day" (a UTC instant), when it stated one. */
  lastCompletedDay: Date | null;
}

interface Row extends Record<string, unknown> {
  run_id: number | string;
  connection_id: string;
  account_id: number | string;
  report: string;
  aggregation: string;
  window_start: string;
  window_end: string;
  finished_at: Date | null;
  last_completed_day: Date | null;
}

/** Every provisional window, oldest last day first; `connectionId` narrows it to one connection. */
export async function listProvisionalWindows(db: Db, connectionId?: string): Promise<ProvisionalRun[]> {
  const where = connectionId === undefined ? sql`true` : sql`connection_id = ${connectionId}`;
  const result = await db.execute<Row>(sql`
    SELECT run_id, connection_id, account_id, report, aggregation,
           to_char(window_start, 'YYYY-MM-DD') AS window_start, to_char(window_end, 'YYYY-MM-DD') AS window_end,
           finished_at, last_completed_day
      FROM report_provisional_windows
     WHERE ${where}
     ORDER BY window_end, run_id`);
  return result.rows.map((r) => ({
    runId: Number(r.run_id),
    connectionId: r.connection_id,
    accountId: String(r.account_id),
    report: r.report,
    aggregation: r.aggregation,
    from: r.window_start,
    to: r.window_end,
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    lastCompletedDay: r.last_completed_day ? new Date(r.last_completed_day) : null,
  }));
}
