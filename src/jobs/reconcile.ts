import type { OpenRun, RunFailureRecord } from '../db/reconcileRuns.js';
import { jobFailureSchema, parseReportJobData, type ReportJobData } from './reportJobData.js';
import { defaultRunPolicy } from './runPolicy.js';

/**
 * Postgres is the truth, Redis is the engine: the pure decision of the reconciler. One non-final ledger
 * row plus what the queue says of its job gives one action. No I/O here; src/app/reconciler.ts reads
 * the queue and the ledger and applies the action.
 */

/**
 * Microsoft keeps a ReportRequestId about a day (REPORTING-FACTS §3.1): past this age a re-enqueued run
 * submits anew instead of polling. The run policy's own figure (the step machine decides the same way).
 */
export const REQUEST_ID_MAX_AGE_MS = defaultRunPolicy.requestIdMaxAgeMs;

/** What the queue says of a run's job. runId is the one the job data carries (undefined before its first step). */
export type JobView =
  | { state: 'missing' }
  /** The job was there, then gone before its state could be read. */
  | { state: 'unknown' }
  /** waiting, prioritized, delayed, active, waiting-children: the engine still has it. */
  | { state: 'alive'; runId: number | undefined }
  | { state: 'completed'; runId: number | undefined }
  /** failure: what the worker stored under `failure` in the job data before failing it, when it did. */
  | { state: 'failed'; runId: number | undefined; failedReason: string; failure: unknown };

export type ReconcileAction =
  | { kind: 'leave'; why: 'recent' | 'alive' | 'vanished' | 'completed' | 'foreground' }
  /** Put the run's job back with its deterministic id, carrying the run id and the progress the ledger knows. */
  | { kind: 'reenqueue'; jobId: string; data: ReportJobData }
  | { kind: 'fail'; why: 'job-failed' | 'superseded' | 'abandoned' | 'invalid'; failure: RunFailureRecord };

export interface ReconcilePolicy {
  /** Epoch ms. */
  now: number;
  /** Rows updated more recently than this are never touched (a worker or a createRun may be mid-write). */
  graceMs: number;
  /** A foreground run (no job) idle this long is abandoned: the poll deadline plus a margin. */
  abandonAfterMs: number;
}

/** The classification a worker stores in job data before it fails the job. */
const storedFailureSchema = jobFailureSchema;

const STALLED = /stalled more than allowable limit/;

export function decideReconcile(run: OpenRun, job: JobView | undefined, policy: ReconcilePolicy): ReconcileAction {
  const idleMs = policy.now - run.updatedAt.getTime();
  if (idleMs < policy.graceMs) return { kind: 'leave', why: 'recent' };

  if (run.jobId === null || job === undefined) {
    if (idleMs <= policy.abandonAfterMs) return { kind: 'leave', why: 'foreground' };
    return {
      kind: 'fail',
      why: 'abandoned',
      failure: {
        errorClass: 'abandoned',
        message: `run-once run not updated for ${Math.round(idleMs / 60_000)} min (more than the poll deadline and its margin): its process is gone`,
      },
    };
  }

  if (job.state === 'missing') return reenqueue(run, run.jobId, policy.now);
  if (job.state === 'unknown') return { kind: 'leave', why: 'vanished' };

  // The deterministic id now names another run of the same window (a later enqueue replaced the job and
  // that job started a run of its own): nothing will ever finish this row. A job without a run id yet
  // has not taken a run: it continues the latest open run of its id, this one (src/db/reportRuns.ts).
  if (job.runId !== undefined && job.runId !== run.id) {
    return {
      kind: 'fail',
      why: 'superseded',
      failure: {
        errorClass: 'abandoned',
        message: `job ${run.jobId} now carries ${job.runId === undefined ? 'a new run' : `run ${job.runId}`}; this run was left unfinished`,
      },
    };
  }

  switch (job.state) {
    case 'alive':
      return { kind: 'leave', why: 'alive' };
    case 'completed':
      // The worker commits the ledger row with the loaded rows in one transaction before the job completes,
      // so this contradicts the ledger. The return value cannot prove the rows are there: leave it for a human.
      return { kind: 'leave', why: 'completed' };
    case 'failed':
      return { kind: 'fail', why: 'job-failed', failure: failureOf(job.failure, job.failedReason) };
  }
}

function failureOf(stored: unknown, failedReason: string): RunFailureRecord {
  const parsed = storedFailureSchema.safeParse(stored);
  if (parsed.success) {
    const { errorClass, errorCode, errorName, message, trackingId } = parsed.data;
    return {
      errorClass,
      ...(errorCode !== undefined ? { errorCode } : {}),
      ...(errorName !== undefined ? { errorName } : {}),
      message,
      ...(trackingId !== undefined ? { trackingId } : {}),
    };
  }
  return { errorClass: STALLED.test(failedReason) ? 'stalled' : 'unknown', message: failedReason || 'the job failed without a reason' };
}

function reenqueue(run: OpenRun, jobId: string, now: number): ReconcileAction {
  const submittedAt = run.submittedAt?.getTime();
  // A request Microsoft still remembers is polled, never submitted again; an older one (or none) is submitted.
  const progress =
    run.reportRequestId !== null && submittedAt !== undefined && now - submittedAt < REQUEST_ID_MAX_AGE_MS
      ? { step: 'poll', reportRequestId: run.reportRequestId, submittedAt, polls: run.polls }
      : { step: 'submit', polls: 0 };
  try {
    const data = parseReportJobData({
      connectionId: run.connectionId,
      customerId: run.customerId,
      accountId: run.accountId,
      report: run.report,
      aggregation: run.aggregation,
      from: run.from,
      to: run.to,
      runId: run.id,
      submits: run.submits,
      startedAt: run.createdAt.getTime(),
      ...progress,
    });
    return { kind: 'reenqueue', jobId, data };
  } catch (err) {
    return {
      kind: 'fail',
      why: 'invalid',
      failure: { errorClass: 'unknown', message: `the run's job is gone and its ledger row does not make a valid job: ${(err as Error).message}` },
    };
  }
}
