import type { LoadOutcome } from '../load/loadReport.js';
import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { accounts, isFinalStatus, reportRunAttempts, reportRuns, type RunStatus } from './schema.js';
import type { MsAdsApi } from '../ports/msadsApi.js';
import type { Db } from './client.js';
import { notFinal, runStatements } from './runStatements.js';

/**
 * Run-ledger operations. The database handle is always the first parameter.
 *
 * Two rules hold for every write here: a run in a final status (succeeded, empty, failed) is never
 * written again (the WHERE clauses say so, and a trigger of migration 0005 backs them up), and every
 * write of a run's progress is fenced by its lease, the queue lock token of the worker that owns the run
 * now. A write that finds neither throws LeaseLostError: the caller lost the run to another worker (its
 * lock expired while it was frozen) and must stop without touching anything else.
 */

export type ReportRun = typeof reportRuns.$inferSelect;

export interface RunTarget {
  connectionId: string;
  customerId: string;
  accountId: string;
  report: string;
  aggregation: string;
  from: string;
  to: string;
}

/** The run is final or owned by another worker now; nothing was written. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly runId: number) {
    super(`run ${runId} is owned by another worker or already final; this attempt stops without writing`);
  }
}

const fenced = (runId: number, lease: string) => and(eq(reportRuns.id, runId), eq(reportRuns.lease, lease), notFinal);

export async function createRun(
  db: Db,
  target: RunTarget,
  opts: { jobId: string | null; api: MsAdsApi; lease: string; retryOf?: number | undefined },
): Promise<ReportRun> {
  const [row] = await runStatements(db).createRun.execute({
    connectionId: target.connectionId,
    customerId: Number(target.customerId),
    accountId: Number(target.accountId),
    report: target.report,
    aggregation: target.aggregation,
    windowStart: target.from,
    windowEnd: target.to,
    api: opts.api,
    jobId: opts.jobId,
    lease: opts.lease,
    retryOf: opts.retryOf ?? null,
  });
  if (!row) throw new Error('report_runs insert returned no row');
  await openAttempt(db, row.id, 1, opts.jobId);
  return row;
}

export async function getRun(db: Db, runId: number): Promise<ReportRun | undefined> {
  const [row] = await runStatements(db).getRun.execute({ runId });
  return row;
}

/**
 * The latest unfinished run of a job id: a job that created its run but died before it could note the
 * run id (or was re-enqueued after Redis lost it) continues that run instead of starting a second one.
 */
export async function findOpenRunOfJob(db: Db, jobId: string): Promise<ReportRun | undefined> {
  const [row] = await runStatements(db).openRunOfJob.execute({ jobId });
  return row;
}

/**
 * Takes the run over for this worker (its lease becomes `lease`), unless it is final. Returns the row as
 * it is now either way; a final row comes back unchanged.
 */
export async function claimRun(db: Db, runId: number, lease: string, jobId: string | null): Promise<ReportRun | undefined> {
  const [row] = await runStatements(db).claimRun.execute({ runId, lease, jobId });
  if (row) {
    await openAttempt(db, row.id, row.attempt, jobId);
    return row;
  }
  return getRun(db, runId);
}

async function openAttempt(db: Db, runId: number, attempt: number, jobId: string | null): Promise<void> {
  await runStatements(db).openAttempt.execute({ runId, attempt, jobId });
}

/** The progress a run keeps in the ledger, so whoever resumes it resumes from Postgres. */
export interface RunProgressFields {
  status: Exclude<RunStatus, 'succeeded' | 'empty' | 'failed'>;
  api: MsAdsApi;
  reportRequestId: string | null;
  submittedAt: Date | null;
  submits: number;
  polls: number;
  statusErrors: number;
  throttles: number;
  urlRefreshes: number;
  attempt: number;
  trackingId?: string | undefined;
  /** Learned generation time the poll schedule follows (null: none known). */
  expectedReadyMs?: number | null;
  /** Set when a poll finds the report ready. */
  readyAt?: Date;
}

export async function saveProgress(db: Db, runId: number, lease: string, fields: RunProgressFields): Promise<void> {
  const rows = await runStatements(db).saveProgress.execute({
    runId,
    lease,
    status: fields.status,
    api: fields.api,
    reportRequestId: fields.reportRequestId,
    submittedAt: fields.submittedAt,
    submits: fields.submits,
    polls: fields.polls,
    statusErrors: fields.statusErrors,
    throttles: fields.throttles,
    urlRefreshes: fields.urlRefreshes,
    attempt: fields.attempt,
    trackingId: fields.trackingId || null,
    setExpected: fields.expectedReadyMs !== undefined,
    expectedReadyMs: fields.expectedReadyMs ?? null,
    readyAt: fields.readyAt ?? null,
  });
  if (rows.length === 0) throw new LeaseLostError(runId);
}

export interface RunFailureFields {
  errorClass: string;
  errorCode: number | undefined;
  errorName: string | undefined;
  message: string;
  trackingId: string | undefined;
}

const failureColumns = (f: RunFailureFields) => ({
  errorClass: f.errorClass,
  errorCode: f.errorCode ?? null,
  errorName: f.errorName ?? null,
  // Messages are built from ids and Microsoft's text only; the cap keeps a runaway message small.
  errorMessage: f.message.slice(0, 2_000),
  ...(f.trackingId ? { trackingId: f.trackingId } : {}),
});

/**
 * An attempt failed and another follows: the failed attempt is ended with its reason (kept for good),
 * the run moves to `retrying` at `progress.attempt` (the next attempt), whose row opens now.
 */
export async function recordRetry(db: Db, runId: number, lease: string, failed: RunFailureFields, progress: RunProgressFields): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(reportRuns)
      .set({ ...progress, status: 'retrying', ...failureColumns(failed), updatedAt: sql`now()` })
      .where(fenced(runId, lease))
      .returning({ id: reportRuns.id, jobId: reportRuns.jobId });
    const row = rows[0];
    if (!row) throw new LeaseLostError(runId);
    await endAttempt(tx, runId, progress.attempt - 1, 'retrying', failed);
    await tx.insert(reportRunAttempts).values({ runId, attempt: progress.attempt, jobId: row.jobId }).onConflictDoNothing();
  });
}

/** The run fails for good. `lease` null: written by whoever finds the failure (reconciler), still never over a final run. */
export async function markFailed(db: Db, runId: number, lease: string | null, failed: RunFailureFields, progress?: Partial<RunProgressFields>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { status: _ignored, ...rest } = progress ?? {};
    const rows = await tx
      .update(reportRuns)
      .set({ ...rest, status: 'failed', ...failureColumns(failed), finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(lease === null ? and(eq(reportRuns.id, runId), notFinal) : fenced(runId, lease))
      .returning({ attempt: reportRuns.attempt });
    const row = rows[0];
    if (!row) {
      if (lease !== null) throw new LeaseLostError(runId);
      return false;
    }
    await tx.insert(reportRunAttempts).values({ runId, attempt: row.attempt }).onConflictDoNothing();
    await endAttempt(tx, runId, row.attempt, 'failed', failed);
    return true;
  });
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function endAttempt(tx: Tx | Db, runId: number, attempt: number, outcome: string, failed?: RunFailureFields, rows?: number): Promise<void> {
  await tx
    .update(reportRunAttempts)
    .set({
      endedAt: sql`now()`,
      outcome,
      ...(failed
        ? { errorClass: failed.errorClass, errorCode: failed.errorCode ?? null, errorName: failed.errorName ?? null, errorMessage: failed.message.slice(0, 2_000), trackingId: failed.trackingId ?? null }
        : {}),
      ...(rows !== undefined ? { rows } : {}),
    })
    .where(and(eq(reportRunAttempts.runId, runId), eq(reportRunAttempts.attempt, attempt), sql`${reportRunAttempts.endedAt} IS NULL`));
}

/**
 * Marks the run loaded. Called with the load transaction's client, so the ledger row and the table
 * rows commit together: a run is never "succeeded" without its rows, nor rows without their run. A run
 * that is final or owned by another worker throws LeaseLostError, which rolls the load back.
 */
export async function markLoaded(
  client: pg.PoolClient,
  runId: number,
  lease: string,
  fields: { status: 'succeeded' | 'empty'; rows: number; bytes: number; polls: number; attempt: number },
  file: LoadOutcome,
): Promise<void> {
  const db = drizzle(client);
  const rows = await db
    .update(reportRuns)
    .set({
      ...fileColumns(file),
      status: fields.status,
      rows: fields.rows,
      bytes: fields.bytes,
      polls: fields.polls,
      attempt: fields.attempt,
      errorClass: null,
      errorCode: null,
      errorName: null,
      errorMessage: null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(fenced(runId, lease))
    .returning({ connectionId: reportRuns.connectionId, accountId: reportRuns.accountId });
  const row = rows[0];
  if (!row) throw new LeaseLostError(runId);
  await db
    .update(reportRunAttempts)
    .set({ endedAt: sql`now()`, outcome: fields.status, rows: fields.rows })
    .where(and(eq(reportRunAttempts.runId, runId), eq(reportRunAttempts.attempt, fields.attempt)));
  // A good run proves the user can read the account again.
  await db
    .update(accounts)
    .set({ access: 'ok', accessReason: null, accessSince: null })
    .where(and(eq(accounts.connectionId, row.connectionId), eq(accounts.accountId, row.accountId), eq(accounts.access, 'no_access')));
}

/** What the load learnt from the file, as ledger columns (null where the file said nothing). */
export function fileColumns(file: LoadOutcome) {
  const meta = file.metadata;
  return {
    fileRowsStated: meta?.rows ?? null,
    fileTimeZone: meta?.timeZone?.stated.slice(0, 200) ?? null,
    fileTimeZoneIana: meta?.timeZone?.iana ?? null,
    lastCompletedDay: meta?.lastCompletedAvailableDay ?? null,
    lastCompletedHour: meta?.lastCompletedAvailableHour ?? null,
    potentialIncomplete: meta?.potentialIncompleteData ?? null,
    repeatedRows: file.repeatedRows,
    warnings: file.warnings.length === 0 ? null : file.warnings.slice(0, 50).map((w) => w.slice(0, 500)),
  };
}

/** Microsoft refused this account to the connection's user (106, 2003): the account, not the connection. */
export async function markAccountNoAccess(db: Db, connectionId: string, accountId: string, reason: string): Promise<void> {
  await db
    .update(accounts)
    .set({
      access: 'no_access',
      accessReason: reason.slice(0, 2_000),
      accessSince: sql`CASE WHEN ${accounts.access} = 'no_access' THEN coalesce(${accounts.accessSince}, now()) ELSE now() END`,
    })
    .where(and(eq(accounts.connectionId, connectionId), eq(accounts.accountId, Number(accountId))));
}

/** Every attempt of a run, oldest first. */
export async function listAttempts(db: Db, runId: number) {
  return db.select().from(reportRunAttempts).where(eq(reportRunAttempts.runId, runId)).orderBy(reportRunAttempts.attempt);
}

export { isFinalStatus };
