import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { reportRuns, type RunStatus } from './schema.js';
import type { MsAdsApi } from '../ports/msadsApi.js';
import type { Db } from './client.js';

/** Run-ledger operations. The database handle is always the first parameter. */

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

export async function createRun(db: Db, target: RunTarget, jobId: string | null, api: MsAdsApi): Promise<number> {
  const [row] = await db
    .insert(reportRuns)
    .values({
      connectionId: target.connectionId,
      customerId: Number(target.customerId),
      accountId: Number(target.accountId),
      report: target.report,
      aggregation: target.aggregation,
      windowStart: target.from,
      windowEnd: target.to,
      status: 'submitting',
      api,
      jobId,
    })
    .returning({ id: reportRuns.id });
  if (!row) throw new Error('report_runs insert returned no row');
  return row.id;
}

export async function getRun(db: Db, runId: number): Promise<ReportRun | undefined> {
  const [row] = await db.select().from(reportRuns).where(eq(reportRuns.id, runId));
  return row;
}

export async function markSubmitted(
  db: Db,
  runId: number,
  fields: { reportRequestId: string; trackingId: string | undefined; submits: number; attempt: number; api: MsAdsApi },
): Promise<void> {
  await db
    .update(reportRuns)
    .set({
      status: 'pending',
      api: fields.api,
      reportRequestId: fields.reportRequestId,
      trackingId: fields.trackingId ?? null,
      submits: fields.submits,
      attempt: fields.attempt,
      submittedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(eq(reportRuns.id, runId));
}

export async function recordPoll(
  db: Db,
  runId: number,
  fields: { polls: number; trackingId: string | undefined; status: 'pending' | 'loading' },
): Promise<void> {
  await db
    .update(reportRuns)
    .set({
      polls: fields.polls,
      status: fields.status,
      ...(fields.trackingId ? { trackingId: fields.trackingId } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(reportRuns.id, runId));
}

/**
 * Marks the run loaded. Called with the load transaction's client, so the ledger row and the table
 * rows commit together: a run is never "succeeded" without its rows, nor rows without their run.
 */
export async function markLoaded(
  client: pg.PoolClient,
  runId: number,
  fields: { status: Extract<RunStatus, 'succeeded' | 'empty'>; rows: number; bytes: number; attempt: number },
): Promise<void> {
  await drizzle(client)
    .update(reportRuns)
    .set({
      status: fields.status,
      rows: fields.rows,
      bytes: fields.bytes,
      attempt: fields.attempt,
      errorClass: null,
      errorCode: null,
      errorName: null,
      errorMessage: null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(eq(reportRuns.id, runId));
}

export interface RunFailure {
  final: boolean;
  errorClass: string;
  errorCode: number | undefined;
  errorName: string | undefined;
  message: string;
  trackingId: string | undefined;
  attempt: number;
}

export async function markFailure(db: Db, runId: number, failure: RunFailure): Promise<void> {
  await db
    .update(reportRuns)
    .set({
      status: failure.final ? 'failed' : 'retrying',
      errorClass: failure.errorClass,
      errorCode: failure.errorCode ?? null,
      errorName: failure.errorName ?? null,
      // Messages are built from ids and Microsoft's text only; the cap keeps a runaway message small.
      errorMessage: failure.message.slice(0, 2_000),
      ...(failure.trackingId ? { trackingId: failure.trackingId } : {}),
      attempt: failure.attempt,
      ...(failure.final ? { finishedAt: sql`now()` } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(reportRuns.id, runId));
}
