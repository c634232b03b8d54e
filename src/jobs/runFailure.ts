import type { MsAdsApi } from '../ports/msadsApi.js';
import type { RunAttributes } from './observer.js';
import type { JobFailure, ReportJobData, ReportProgress } from './reportJobData.js';
import type { RunFailure, RunProgress } from './runSteps.js';

/** What a job carries of its run for Bull Board and the reconciler: a view of the ledger's progress. */
export function progressView(progress: RunProgress, runId: number): Partial<ReportProgress> {
  return {
    runId,
    step: progress.step,
    ...(progress.reportRequestId !== undefined ? { reportRequestId: progress.reportRequestId } : {}),
    ...(progress.submittedAt !== undefined ? { submittedAt: progress.submittedAt } : {}),
    polls: progress.polls,
    submits: progress.submits,
    statusErrors: progress.statusErrors,
    throttles: progress.throttles,
  };
}

/** The failure as the job keeps it: class and codes, never a token (messages are built from ids and Microsoft's text). */
export function failureOf(f: RunFailure): JobFailure {
  return {
    errorClass: f.class,
    ...(f.code !== undefined ? { errorCode: f.code } : {}),
    ...(f.name !== undefined ? { errorName: f.name } : {}),
    message: f.message.slice(0, 2_000),
    ...(f.trackingId !== undefined ? { trackingId: f.trackingId } : {}),
  };
}

export function runAttributes(data: ReportJobData, api: MsAdsApi): RunAttributes {
  return {
    api,
    connectionId: data.connectionId,
    accountId: data.accountId,
    report: data.report,
    aggregation: data.aggregation,
    runId: data.runId ?? 0,
    reportRequestId: data.reportRequestId,
  };
}
