import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { finalRunStatuses, type RunStatus } from './schema.js';

/**
 * The run history of the ledger (report_runs, each with its report_run_attempts), newest first, for
 * `msads-etl runs`. Every filter is optional; `since`/`until` are instants bounding when a run was
 * created (the CLI turns its dates into UTC midnights).
 */

export interface RunHistoryFilter {
  connectionId?: string | undefined;
  accountId?: string | undefined;
  report?: string | undefined;
  aggregation?: string | undefined;
  /** One ledger status, or `unfinished` (any status a run has before it ends). */
  status?: RunStatus | 'unfinished' | undefined;
  /** Runs created at or after. */
  since?: Date | undefined;
  /** Runs created before. */
  until?: Date | undefined;
  limit: number;
}

export interface RunAttemptRecord {
  attempt: number;
  jobId: string | null;
  startedAt: Date;
  endedAt: Date | null;
  outcome: string | null;
  errorClass: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  trackingId: string | null;
  rows: number | null;
}

export interface RunRecord {
  id: number;
  connectionId: string;
  customerId: string;
  accountId: string;
  accountName: string | null;
  report: string;
  aggregation: string;
  from: string;
  to: string;
  status: RunStatus;
  api: string;
  jobId: string | null;
  reportRequestId: string | null;
  submits: number;
  polls: number;
  rows: number | null;
  bytes: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** Created to finished, or to now while it runs. */
  durationMs: number;
  errorClass: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  trackingId: string | null;
  retryOf: number | null;
  potentialIncomplete: boolean | null;
  attempts: RunAttemptRecord[];
}

interface Row extends Record<string, unknown> {
  id: string;
  connection_id: string;
  customer_id: string;
  account_id: string;
  account_name: string | null;
  report: string;
  aggregation: string;
  window_start: string;
  window_end: string;
  status: RunStatus;
  api: string;
  job_id: string | null;
  report_request_id: string | null;
  submits: number;
  polls: number;
  rows: string | null;
  bytes: string | null;
  created_at: Date;
  finished_at: Date | null;
  duration_ms: string;
  error_class: string | null;
  error_code: number | null;
  error_message: string | null;
  tracking_id: string | null;
  retry_of: string | null;
  potential_incomplete: boolean | null;
  attempts: { attempt: number; job_id: string | null; started_at: string; ended_at: string | null; outcome: string | null; error_class: string | null; error_code: number | null; error_message: string | null; tracking_id: string | null; rows: number | null }[] | null;
}

function whereOf(f: RunHistoryFilter): SQL {
  const parts: SQL[] = [sql`true`];
  if (f.connectionId !== undefined) parts.push(sql`r.connection_id = ${f.connectionId}`);
  if (f.accountId !== undefined) parts.push(sql`r.account_id = ${f.accountId}::bigint`);
  if (f.report !== undefined) parts.push(sql`r.report = ${f.report}`);
  if (f.aggregation !== undefined) parts.push(sql`r.aggregation = ${f.aggregation}`);
  // The final statuses are constants of the schema, not input: safe as literals.
  if (f.status === 'unfinished') parts.push(sql`r.status NOT IN (${sql.raw(finalRunStatuses.map((s) => `'${s}'`).join(', '))})`);
  else if (f.status !== undefined) parts.push(sql`r.status = ${f.status}`);
  if (f.since !== undefined) parts.push(sql`r.created_at >= ${f.since.toISOString()}::timestamptz`);
  if (f.until !== undefined) parts.push(sql`r.created_at < ${f.until.toISOString()}::timestamptz`);
  return sql.join(parts, sql` AND `);
}

export async function listRunHistory(db: Db, filter: RunHistoryFilter): Promise<RunRecord[]> {
  const result = await db.execute<Row>(sql`
    SELECT r.id, r.connection_id, r.customer_id, r.account_id, a.account_name, r.report, r.aggregation,
           to_char(r.window_start, 'YYYY-MM-DD') AS window_start, to_char(r.window_end, 'YYYY-MM-DD') AS window_end,
           r.status, r.api, r.job_id, r.report_request_id, r.submits, r.polls, r.rows, r.bytes, r.created_at, r.finished_at,
           round(extract(epoch FROM (coalesce(r.finished_at, now()) - r.created_at)) * 1000)::bigint AS duration_ms,
           r.error_class, r.error_code, r.error_message, r.tracking_id, r.retry_of, r.potential_incomplete,
           (SELECT json_agg(json_build_object('attempt', t.attempt, 'job_id', t.job_id, 'started_at', t.started_at, 'ended_at', t.ended_at,
                                              'outcome', t.outcome, 'error_class', t.error_class, 'error_code', t.error_code,
                                              'error_message', t.error_message, 'tracking_id', t.tracking_id, 'rows', t.rows) ORDER BY t.attempt)
              FROM report_run_attempts t WHERE t.run_id = r.id) AS attempts
      FROM report_runs r
      LEFT JOIN accounts a ON a.connection_id = r.connection_id AND a.account_id = r.account_id
     WHERE ${whereOf(filter)}
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT ${filter.limit}`);
  return result.rows.map((r) => ({
    id: Number(r.id),
    connectionId: r.connection_id,
    customerId: String(r.customer_id),
    accountId: String(r.account_id),
    accountName: r.account_name,
    report: r.report,
    aggregation: r.aggregation,
    from: r.window_start,
    to: r.window_end,
    status: r.status,
    api: r.api,
    jobId: r.job_id,
    reportRequestId: r.report_request_id,
    submits: Number(r.submits),
    polls: Number(r.polls),
    rows: r.rows === null ? null : Number(r.rows),
    bytes: r.bytes === null ? null : Number(r.bytes),
    createdAt: new Date(r.created_at),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
    durationMs: Number(r.duration_ms),
    errorClass: r.error_class,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    trackingId: r.tracking_id,
    retryOf: r.retry_of === null ? null : Number(r.retry_of),
    potentialIncomplete: r.potential_incomplete,
    attempts: (r.attempts ?? []).map((t) => ({
      attempt: Number(t.attempt),
      jobId: t.job_id,
      startedAt: new Date(t.started_at),
      endedAt: t.ended_at === null ? null : new Date(t.ended_at),
      outcome: t.outcome,
      errorClass: t.error_class,
      errorCode: t.error_code,
      errorMessage: t.error_message,
      trackingId: t.tracking_id,
      rows: t.rows === null ? null : Number(t.rows),
    })),
  }));
}

/** Whether the ledger knows a connection at all: a connections row, an account or a run. */
export async function connectionKnown(db: Db, connectionId: string): Promise<boolean> {
  const result = await db.execute<{ known: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM connections WHERE connection_id = ${connectionId})
        OR EXISTS (SELECT 1 FROM accounts WHERE connection_id = ${connectionId})
        OR EXISTS (SELECT 1 FROM report_runs WHERE connection_id = ${connectionId}) AS known`);
  return result.rows[0]?.known === true;
}

/** The connection ids the ledger knows, for a message naming the valid ones. */
export async function knownConnectionIds(db: Db): Promise<string[]> {
  const result = await db.execute<{ connection_id: string }>(sql`
    SELECT connection_id FROM connections UNION SELECT connection_id FROM accounts UNION SELECT connection_id FROM report_runs ORDER BY 1`);
  return result.rows.map((r) => r.connection_id);
}
