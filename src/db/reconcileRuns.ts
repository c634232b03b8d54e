import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from './client.js';
import type { RunTarget } from './reportRuns.js';

/**
 * The reconciler's ledger reads and writes. Its own SQL, apart from the worker's: every write is guarded
 * so it never moves a run out of a final status and never touches a run updated within the grace period
 * (a worker may be writing it right now). Postgres is the truth; these only end runs the queue lost.
 */

/** A non-final ledger row, as the reconciler needs it. */
export interface OpenRun extends RunTarget {
  id: number;
  /** The BullMQ job id of the run; null for a foreground (`run-once`) run. */
  jobId: string | null;
  status: string;
  reportRequestId: string | null;
  submittedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  submits: number;
  polls: number;
}

/** How the reconciler ends a run: the same fields the worker writes for a final failure. */
export interface RunFailureRecord {
  errorClass: string;
  errorCode?: number;
  errorName?: string;
  message: string;
  trackingId?: string;
}

/** One reconciliation at a time across every scheduler process (pg_try_advisory_lock, session level). */
export const RECONCILE_LOCK_KEY = 0x6d73_7263n; // "msrc"

interface Row extends Record<string, unknown> {
  id: number;
  job_id: string | null;
  status: string;
  connection_id: string;
  customer_id: number;
  account_id: number;
  report: string;
  aggregation: string;
  window_start: string;
  window_end: string;
  report_request_id: string | null;
  submitted_at: Date | null;
  created_at: Date;
  updated_at: Date;
  submits: number;
  polls: number;
}

/** Non-final runs not updated for idleMs, by id after afterId (keyset pages of at most limit). */
export async function listIdleOpenRuns(db: Db, options: { idleMs: number; afterId: number; limit: number }): Promise<OpenRun[]> {
  const result = await db.execute<Row>(sql`
    SELECT id, job_id, status, connection_id, customer_id, account_id, report, aggregation,
           to_char(window_start, 'YYYY-MM-DD') AS window_start, to_char(window_end, 'YYYY-MM-DD') AS window_end,
           report_request_id, submitted_at, created_at, updated_at, submits, polls
      FROM report_runs
     WHERE status NOT IN ('succeeded', 'empty', 'failed')
       AND updated_at < now() - make_interval(secs => ${options.idleMs / 1000})
       AND id > ${options.afterId}
     ORDER BY id
     LIMIT ${options.limit}`);
  return result.rows.map((r) => ({
    id: Number(r.id),
    jobId: r.job_id,
    status: r.status,
    connectionId: r.connection_id,
    customerId: String(r.customer_id),
    accountId: String(r.account_id),
    report: r.report,
    aggregation: r.aggregation,
    from: r.window_start,
    to: r.window_end,
    reportRequestId: r.report_request_id,
    submittedAt: r.submitted_at === null ? null : new Date(r.submitted_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    submits: Number(r.submits),
    polls: Number(r.polls),
  }));
}

/**
 * Ends a run failed, unless it is final already or was updated within idleMs (then a worker got to it
 * first). Returns whether this call ended it.
 */
export async function failIdleRun(db: Db, runId: number, failure: RunFailureRecord, options: { idleMs: number }): Promise<boolean> {
  const result = await db.execute(sql`
    UPDATE report_runs
       SET status = 'failed',
           error_class = ${failure.errorClass},
           error_code = ${failure.errorCode ?? null},
           error_name = ${failure.errorName ?? null},
           error_message = ${failure.message.slice(0, 2_000)},
           tracking_id = COALESCE(${failure.trackingId ?? null}, tracking_id),
           finished_at = now(),
           updated_at = now()
     WHERE id = ${runId}
       AND status NOT IN ('succeeded', 'empty', 'failed')
       AND updated_at < now() - make_interval(secs => ${options.idleMs / 1000})`);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Runs fn while holding the reconcile lock, or returns { locked: false } at once when another process
 * holds it. The lock is a session lock on a connection of its own, released when fn ends (or when the
 * connection dies with its process).
 */
export async function withReconcileLock<T>(pool: pg.Pool, fn: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RECONCILE_LOCK_KEY.toString()]);
    if (!rows[0]?.locked) return { locked: false };
    try {
      return { locked: true, value: await fn() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [RECONCILE_LOCK_KEY.toString()]);
    }
  } finally {
    client.release();
  }
}
