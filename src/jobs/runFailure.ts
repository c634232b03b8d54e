import type { MsAdsApi } from '../ports/msadsApi.js';
import { markConnectionNeedsReauth } from '../db/connections.js';
import { markFailure } from '../db/reportRuns.js';
import { deadCredentialReason } from '../discovery/credentials.js';
import { coerceError } from '../errors.js';
import { limiterKey, withJitter } from '../throttle/limiter.js';
import { assertNever, classifyError, isRetryable, type Classified } from './classifyError.js';
import type { ReportRunDeps } from './context.js';
import type { RunAttributes } from './observer.js';
import type { ReportJobData } from './reportJobData.js';

/** Microsoft throttles beyond this many for one run start spending attempts, so a run always ends. */
export const MAX_FREE_THROTTLES = 30;

export type FailureDecision =
  /** Wait, then run the same step again; costs no attempt. */
  | { action: 'wait'; waitMs: number; classified: Classified }
  /** Try again after the queue's backoff; costs an attempt. */
  | { action: 'retry'; classified: Classified; error: Error }
  /** Give up: the run is failed in the ledger. */
  | { action: 'fail'; classified: Classified; error: Error };

/**
 * What a failed attempt means, with its side effects: throttles slow down every worker on the same
 * developer token and customer; every other failure is written to the run ledger (class, code,
 * ErrorCode, message, TrackingId, attempt). Shared by the queue worker and run-once.
 */
export async function decideOnFailure(
  deps: ReportRunDeps,
  data: ReportJobData,
  err: unknown,
  attempt: { number: number; max: number },
): Promise<FailureDecision> {
  const classified = classifyError(err);
  const error = coerceError(err);
  const key = limiterKey(deps.developerToken, data.customerId);

  switch (classified.class) {
    case 'throttled': {
      deps.observer.throttled('microsoft', { code: classified.code, customerId: data.customerId });
      // Microsoft's throttles wait the configured time, longer when a REST 429 says so (Retry-After); a bare
      // HTTP 429 says itself how long.
      const retryAfter = classified.retryAfterMs ?? 0;
      const waitMs =
        classified.code === 117
          ? Math.max(deps.throttleWaits.callRateMs, retryAfter)
          : classified.code === 207
            ? Math.max(deps.throttleWaits.concurrencyMs, retryAfter)
            : (classified.waitMs ?? deps.throttleWaits.callRateMs);
      if (classified.code === 117) await deps.limiter.penalize(key, 'rate', waitMs);
      if (classified.code === 207) await deps.limiter.penalize(key, 'concurrency', waitMs);
      if (data.throttles < MAX_FREE_THROTTLES) return { action: 'wait', waitMs: withJitter(waitMs), classified };
      break;
    }
    case 'transient':
    case 'token_expired':
    case 'auth':
    case 'request':
    case 'resubmit':
    case 'expired_url':
    case 'bad_file':
    case 'unknown':
      break;
    default:
      assertNever(classified.class);
  }

  const final = !isRetryable(classified.class) || attempt.number >= attempt.max;
  // Dead credentials (Nango cannot refresh, Microsoft 105/106/108/120/122–125): the connection is marked
  // needing re-authorization, so its other jobs fail fast and the scheduler skips it until it works again.
  const dead = classified.class === 'auth' ? deadCredentialReason(err) : undefined;
  if (dead !== undefined) await markConnectionNeedsReauth(deps.database.db, data.connectionId, dead);
  if (data.runId !== undefined) {
    await markFailure(deps.database.db, data.runId, {
      final,
      errorClass: classified.class,
      errorCode: classified.code,
      errorName: classified.name,
      message: error.message,
      trackingId: classified.trackingId,
      attempt: attempt.number,
    });
    // A run that gives up no longer holds a report slot.
    if (final) await deps.limiter.releaseReportSlot(key, data.runId);
  }
  deps.observer.runEnded(runAttributes(data, deps.reporting.api), final ? 'failed' : 'retrying', classified.class);
  return final ? { action: 'fail', classified, error } : { action: 'retry', classified, error };
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
