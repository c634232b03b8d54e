import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { runStatuses, type RunStatus } from './schema.js';

/**
 * What the operator page reads from the run ledger (report_runs, report_run_attempts, connections,
 * accounts, the view bi_freshness). Read-only; the database handle comes first. Dates of windows are
 * returned as YYYY-MM-DD text (pg would turn a date into a local-midnight Date).
 */

export interface OperatorAccount {
  accountId: string;
  accountNumber: string | null;
  accountName: string | null;
  currencyCode: string | null;
  access: string;
  accessReason: string | null;
  removedAt: Date | null;
}

export interface OperatorConnection {
  connectionId: string;
  health: string;
  healthReason: string | null;
  healthSince: Date | null;
  pausedAt: Date | null;
  pausedReason: string | null;
  lastSeenAt: Date;
  lastDiscoveryAt: Date | null;
  lastDiscoveryError: string | null;
  accounts: OperatorAccount[];
}

/** Every connection of the ledger with the accounts it reaches (removed ones included, marked). */
export async function listOperatorConnections(db: Db): Promise<OperatorConnection[]> {
  const conns = await db.execute<{
    connection_id: string;
    health: string;
    health_reason: string | null;
    health_since: Date | null;
    paused_at: Date | null;
    paused_reason: string | null;
    last_seen_at: Date;
    last_discovery_at: Date | null;
    last_discovery_error: string | null;
  }>(sql`SELECT connection_id, health, health_reason, health_since, paused_at, paused_reason, last_seen_at, last_discovery_at, last_discovery_error
           FROM connections ORDER BY connection_id`);
  const accts = await db.execute<{
    connection_id: string;
    account_id: number;
    account_number: string | null;
    account_name: string | null;
    currency_code: string | null;
    access: string;
    access_reason: string | null;
    removed_at: Date | null;
  }>(sql`SELECT connection_id, account_id, account_number, account_name, currency_code, access, access_reason, removed_at
           FROM accounts ORDER BY connection_id, removed_at NULLS FIRST, account_id`);
  const byConnection = new Map<string, OperatorAccount[]>();
  for (const a of accts.rows) {
    const list = byConnection.get(a.connection_id) ?? [];
    list.push({
      accountId: String(a.account_id),
      accountNumber: a.account_number,
      accountName: a.account_name,
      currencyCode: a.currency_code,
      access: a.access,
      accessReason: a.access_reason,
      removedAt: a.removed_at,
    });
    byConnection.set(a.connection_id, list);
  }
  return conns.rows.map((c) => ({
    connectionId: c.connection_id,
    health: c.health,
    healthReason: c.health_reason,
    healthSince: c.health_since,
    pausedAt: c.paused_at,
    pausedReason: c.paused_reason,
    lastSeenAt: c.last_seen_at,
    lastDiscoveryAt: c.last_discovery_at,
    lastDiscoveryError: c.last_discovery_error,
    accounts: byConnection.get(c.connection_id) ?? [],
  }));
}

export interface RunFailure {
  runId: number;
  from: string;
  to: string;
  finishedAt: Date | null;
  errorClass: string | null;
  errorName: string | null;
  errorMessage: string | null;
  trackingId: string | null;
  jobId: string | null;
}

/** One connection × account × report × aggregation with runs in the ledger. */
export interface OperatorTarget {
  connectionId: string;
  accountId: string;
  report: string;
  aggregation: string;
  /** bi_freshness: last day loaded and days behind yesterday (database time zone). */
  loadedThrough: string | null;
  daysBehind: number | null;
  lastLoadedAt: Date | null;
  latestFinishedStatus: string | null;
  runsInFlight: number;
  lastGood: { runId: number; from: string; to: string; rows: number | null; finishedAt: Date | null } | null;
  /** The most recent failed run (whether or not a later run succeeded). */
  lastFailure: RunFailure | null;
}

interface TargetRow extends Record<string, unknown> {
  connection_id: string;
  account_id: number;
  report: string;
  aggregation: string;
  loaded_through: string | null;
  days_behind: number | null;
  last_loaded_at: Date | null;
  latest_finished_status: string | null;
  runs_in_flight: number;
  ok_id: number | null;
  ok_start: string | null;
  ok_end: string | null;
  ok_rows: number | null;
  ok_at: Date | null;
  bad_id: number | null;
  bad_start: string | null;
  bad_end: string | null;
  bad_at: Date | null;
  error_class: string | null;
  error_name: string | null;
  error_message: string | null;
  tracking_id: string | null;
  job_id: string | null;
}

export async function listOperatorTargets(db: Db): Promise<OperatorTarget[]> {
  const result = await db.execute<TargetRow>(sql`
    WITH ok AS (
      SELECT DISTINCT ON (connection_id, account_id, report, aggregation)
             connection_id, account_id, report, aggregation, id, window_start, window_end, rows, finished_at
        FROM report_runs WHERE status IN ('succeeded', 'empty')
       ORDER BY connection_id, account_id, report, aggregation, window_end DESC, finished_at DESC NULLS LAST, id DESC),
    bad AS (
      SELECT DISTINCT ON (connection_id, account_id, report, aggregation)
             connection_id, account_id, report, aggregation, id, window_start, window_end, finished_at,
             error_class, error_name, error_message, tracking_id, job_id
        FROM report_runs WHERE status = 'failed'
       ORDER BY connection_id, account_id, report, aggregation, finished_at DESC NULLS LAST, id DESC)
    SELECT f.connection_id, f.account_id, f.report, f.aggregation,
           to_char(f.loaded_through, 'YYYY-MM-DD') AS loaded_through, f.days_behind, f.last_loaded_at,
           f.latest_finished_status, f.runs_in_flight,
           ok.id AS ok_id, to_char(ok.window_start, 'YYYY-MM-DD') AS ok_start, to_char(ok.window_end, 'YYYY-MM-DD') AS ok_end,
           ok.rows AS ok_rows, ok.finished_at AS ok_at,
           bad.id AS bad_id, to_char(bad.window_start, 'YYYY-MM-DD') AS bad_start, to_char(bad.window_end, 'YYYY-MM-DD') AS bad_end,
           bad.finished_at AS bad_at, bad.error_class, bad.error_name, bad.error_message, bad.tracking_id, bad.job_id
      FROM bi_freshness f
      LEFT JOIN ok USING (connection_id, account_id, report, aggregation)
      LEFT JOIN bad USING (connection_id, account_id, report, aggregation)
     ORDER BY f.connection_id, f.account_id, f.report, f.aggregation`);
  return result.rows.map((r) => ({
    connectionId: r.connection_id,
    accountId: String(r.account_id),
    report: r.report,
    aggregation: r.aggregation,
    loadedThrough: r.loaded_through,
    daysBehind: r.days_behind === null ? null : Number(r.days_behind),
    lastLoadedAt: r.last_loaded_at,
    latestFinishedStatus: r.latest_finished_status,
    runsInFlight: Number(r.runs_in_flight),
    lastGood: r.ok_id !== null && r.ok_start && r.ok_end ? { runId: Number(r.ok_id), from: r.ok_start, to: r.ok_end, rows: r.ok_rows, finishedAt: r.ok_at } : null,
    lastFailure:
      r.bad_id !== null && r.bad_start && r.bad_end
        ? {
            runId: Number(r.bad_id),
            from: r.bad_start,
            to: r.bad_end,
            finishedAt: r.bad_at,
            errorClass: r.error_class,
            errorName: r.error_name,
            errorMessage: r.error_message,
            trackingId: r.tracking_id,
            jobId: r.job_id,
          }
        : null,
  }));
}

export interface RunFilter {
  connection?: string | undefined;
  account?: string | undefined;
  report?: string | undefined;
  aggregation?: string | undefined;
  status?: RunStatus | undefined;
  /** Date range (YYYY-MM-DD, inclusive) over the window (overlapping it) or the finished day. */
  from?: string | undefined;
  to?: string | undefined;
  dateField?: 'window' | 'finished' | undefined;
}

export interface RunListItem {
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
  attempt: number;
  attempts: number;
  submits: number;
  polls: number;
  rows: number | null;
  bytes: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  errorClass: string | null;
  errorCode: number | null;
  errorName: string | null;
  errorMessage: string | null;
  trackingId: string | null;
  retryOf: number | null;
  potentialIncomplete: boolean | null;
}

interface RunRow extends Record<string, unknown> {
  id: number;
  connection_id: string;
  customer_id: number;
  account_id: number;
  account_name: string | null;
  report: string;
  aggregation: string;
  window_start: string;
  window_end: string;
  status: RunStatus;
  api: string;
  job_id: string | null;
  report_request_id: string | null;
  attempt: number;
  attempts: number;
  submits: number;
  polls: number;
  rows: number | null;
  bytes: number | null;
  created_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  error_class: string | null;
  error_code: number | null;
  error_name: string | null;
  error_message: string | null;
  tracking_id: string | null;
  retry_of: number | null;
  potential_incomplete: boolean | null;
}

function whereOf(f: RunFilter): SQL {
  const parts: SQL[] = [sql`true`];
  if (f.connection) parts.push(sql`r.connection_id = ${f.connection}`);
  if (f.account && /^\d{1,19}$/.test(f.account)) parts.push(sql`r.account_id = ${f.account}::bigint`);
  if (f.report) parts.push(sql`r.report = ${f.report}`);
  if (f.aggregation) parts.push(sql`r.aggregation = ${f.aggregation}`);
  if (f.status && (runStatuses as readonly string[]).includes(f.status)) parts.push(sql`r.status = ${f.status}`);
  if (f.dateField === 'finished') {
    if (f.from) parts.push(sql`r.finished_at >= ${f.from}::date`);
    if (f.to) parts.push(sql`r.finished_at < ${f.to}::date + 1`);
  } else {
    if (f.from) parts.push(sql`r.window_end >= ${f.from}::date`);
    if (f.to) parts.push(sql`r.window_start <= ${f.to}::date`);
  }
  return sql.join(parts, sql` AND `);
}

const RUN_COLUMNS = sql`
  r.id, r.connection_id, r.customer_id, r.account_id, a.account_name, r.report, r.aggregation,
  to_char(r.window_start, 'YYYY-MM-DD') AS window_start, to_char(r.window_end, 'YYYY-MM-DD') AS window_end,
  r.status, r.api, r.job_id, r.report_request_id, r.attempt,
  (SELECT count(*)::int FROM report_run_attempts t WHERE t.run_id = r.id) AS attempts,
  r.submits, r.polls, r.rows, r.bytes, r.created_at, r.finished_at,
  (extract(epoch FROM (coalesce(r.finished_at, now()) - r.created_at)) * 1000)::bigint AS duration_ms,
  r.error_class, r.error_code, r.error_name, r.error_message, r.tracking_id, r.retry_of, r.potential_incomplete`;

function toItem(r: RunRow): RunListItem {
  return {
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
    attempt: Number(r.attempt),
    attempts: Number(r.attempts),
    submits: Number(r.submits),
    polls: Number(r.polls),
    rows: r.rows === null ? null : Number(r.rows),
    bytes: r.bytes === null ? null : Number(r.bytes),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    errorClass: r.error_class,
    errorCode: r.error_code,
    errorName: r.error_name,
    errorMessage: r.error_message,
    trackingId: r.tracking_id,
    retryOf: r.retry_of === null ? null : Number(r.retry_of),
    potentialIncomplete: r.potential_incomplete,
  };
}

/** Runs matching the filter, newest first, one page of them, with the total count. */
export async function listRuns(db: Db, filter: RunFilter, page: { limit: number; offset: number }): Promise<{ runs: RunListItem[]; total: number }> {
  const where = whereOf(filter);
  const [rows, count] = await Promise.all([
    db.execute<RunRow>(sql`
      SELECT ${RUN_COLUMNS}
        FROM report_runs r
        LEFT JOIN accounts a ON a.connection_id = r.connection_id AND a.account_id = r.account_id
       WHERE ${where}
       ORDER BY r.created_at DESC, r.id DESC
       LIMIT ${page.limit} OFFSET ${page.offset}`),
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM report_runs r WHERE ${where}`),
  ]);
  return { runs: rows.rows.map(toItem), total: Number(count.rows[0]?.n ?? 0) };
}

export interface RunAttempt {
  attempt: number;
  jobId: string | null;
  startedAt: Date;
  endedAt: Date | null;
  outcome: string | null;
  errorClass: string | null;
  errorCode: number | null;
  errorName: string | null;
  errorMessage: string | null;
  trackingId: string | null;
  rows: number | null;
}

/** One run with each of its attempts (oldest first); undefined when there is no such run. */
export async function getRunDetail(db: Db, runId: number): Promise<{ run: RunListItem; attempts: RunAttempt[] } | undefined> {
  const rows = await db.execute<RunRow>(sql`
    SELECT ${RUN_COLUMNS}
      FROM report_runs r
      LEFT JOIN accounts a ON a.connection_id = r.connection_id AND a.account_id = r.account_id
     WHERE r.id = ${runId}`);
  const row = rows.rows[0];
  if (!row) return undefined;
  const attempts = await db.execute<{
    attempt: number;
    job_id: string | null;
    started_at: Date;
    ended_at: Date | null;
    outcome: string | null;
    error_class: string | null;
    error_code: number | null;
    error_name: string | null;
    error_message: string | null;
    tracking_id: string | null;
    rows: number | null;
  }>(sql`SELECT attempt, job_id, started_at, ended_at, outcome, error_class, error_code, error_name, error_message, tracking_id, rows
           FROM report_run_attempts WHERE run_id = ${runId} ORDER BY attempt`);
  return {
    run: toItem(row),
    attempts: attempts.rows.map((a) => ({
      attempt: Number(a.attempt),
      jobId: a.job_id,
      startedAt: a.started_at,
      endedAt: a.ended_at,
      outcome: a.outcome,
      errorClass: a.error_class,
      errorCode: a.error_code,
      errorName: a.error_name,
      errorMessage: a.error_message,
      trackingId: a.tracking_id,
      rows: a.rows === null ? null : Number(a.rows),
    })),
  };
}

/** Values the run-history filters offer: connections and reports in the ledger. */
export async function listRunFilterValues(db: Db): Promise<{ connections: string[]; reports: string[] }> {
  const [c, r] = await Promise.all([
    db.execute<{ v: string }>(sql`SELECT connection_id AS v FROM connections UNION SELECT DISTINCT connection_id FROM report_runs ORDER BY 1`),
    db.execute<{ v: string }>(sql`SELECT DISTINCT report AS v FROM report_runs ORDER BY 1`),
  ]);
  return { connections: c.rows.map((x) => x.v), reports: r.rows.map((x) => x.v) };
}
