import { withJitter } from '../throttle/limiter.js';
import type { Classified } from './classifyError.js';
import { nextPollDelayMs } from './pollSchedule.js';
import { backoffDelayMs, errorClassPolicy, type ErrorClass, type FailureScope, type RunPolicy } from './runPolicy.js';

/**
 * The step machine of a run as pure decisions: (progress, event, now, policy) → (progress, action).
 * No I/O and no clock of its own, so every cap and every class is unit-tested with a fixed clock. The
 * executor (reportRun.ts) performs the action, turns what happened into the next event, and persists
 * the progress in the ledger before it acts on the next decision.
 */

export type RunStep = 'submit' | 'poll';

export interface RunProgress {
  /** submit: no report request pending at Microsoft; poll: `reportRequestId` is pending. */
  step: RunStep;
  reportRequestId: string | undefined;
  /** Epoch ms of the submit of the current report request. */
  submittedAt: number | undefined;
  polls: number;
  submits: number;
  /** Report requests lost so far: Status=Error, or an id Microsoft no longer knows. */
  statusErrors: number;
  throttles: number;
  /** Expired download URLs refreshed in the current attempt. */
  urlRefreshes: number;
  /** 1-based attempt number. */
  attempt: number;
  /** The generation time expected for the pending report (learned from earlier runs), if known: the poll schedule follows it. */
  expectedMs?: number | undefined;
}

export const initialProgress: RunProgress = {
  step: 'submit',
  reportRequestId: undefined,
  submittedAt: undefined,
  polls: 0,
  submits: 0,
  statusErrors: 0,
  throttles: 0,
  urlRefreshes: 0,
  attempt: 1,
};

export type RunEvent =
  /** The run is (re)entered; `stalls` is how many times its job was recovered from a dead worker. */
  | { type: 'resume'; stalls: number }
  /**
   * Our own limiter asked to wait: calls per minute, or (`slot`) every concurrency slot of the customer
   * is taken and the run waits in its queue to be handed one (`waitMs` is then only a safety net).
   */
  | { type: 'limited'; waitMs: number; slot?: boolean }
  | { type: 'submitted'; reportRequestId: string; expectedMs?: number | undefined }
  | { type: 'pending' }
  | { type: 'report_error'; trackingId: string | undefined }
  | { type: 'ready'; downloadUrl: string | null }
  | { type: 'failed'; error: Classified; message: string };

export interface RunFailure {
  class: ErrorClass;
  scope: FailureScope;
  code: number | undefined;
  name: string | undefined;
  trackingId: string | undefined;
  message: string;
}

/** pending: at Microsoft; slot: queued for a concurrency slot; limited: calls per minute; throttled; backoff. */
export type WaitReason = 'pending' | 'throttled' | 'limited' | 'slot' | 'backoff';

export type RunAction =
  | { do: 'submit' }
  | { do: 'poll'; reportRequestId: string }
  | { do: 'load'; downloadUrl: string | null }
  /** Park the run until `untilMs` (the worker moves the job to the delayed set; run-once sleeps). */
  | { do: 'wait'; untilMs: number; reason: WaitReason }
  /** The run ends failed; `failure.scope` says whom else it concerns. */
  | { do: 'fail'; failure: RunFailure };

export interface Transition {
  progress: RunProgress;
  action: RunAction;
  /** Set when this event ended an attempt that will be retried (the ledger keeps its failure). */
  retried?: RunFailure;
  /** Set when a throttle from Microsoft should slow the whole developer token × customer down. */
  penalize?: { kind: 'rate' | 'concurrency'; waitMs: number };
}

const failure = (cls: ErrorClass, message: string, extra: Partial<Omit<RunFailure, 'class' | 'scope' | 'message'>> = {}): RunFailure => ({
  class: cls,
  scope: errorClassPolicy[cls].scope,
  code: extra.code,
  name: extra.name,
  trackingId: extra.trackingId,
  message,
});

const minutes = (ms: number) => Math.round(ms / 60_000);

/** How long Microsoft's throttle makes us wait: the configured wait, longer when Retry-After says so. */
export function throttleWaitMs(error: Classified, policy: Pick<RunPolicy, 'throttleWaits'>): number {
  const retryAfter = error.retryAfterMs ?? 0;
  if (error.code === 117) return Math.max(policy.throttleWaits.callRateMs, retryAfter);
  if (error.code === 207) return Math.max(policy.throttleWaits.concurrencyMs, retryAfter);
  // A bare HTTP 429 says itself how long (classifyError put it in waitMs).
  return error.waitMs ?? policy.throttleWaits.callRateMs;
}

export function nextStep(
  progress: RunProgress,
  event: RunEvent,
  now: number,
  policy: RunPolicy,
  random: () => number = Math.random,
): Transition {
  switch (event.type) {
    case 'resume': {
      if (event.stalls > policy.maxStalls) {
        return end(progress, failure('stalled', `the job was recovered from a dead or stopped worker ${event.stalls} times (JOB_MAX_STALLS ${policy.maxStalls}); something in it stops the worker`));
      }
      return proceed(progress, now, policy);
    }
    case 'limited':
      return { progress, action: { do: 'wait', untilMs: now + withJitter(event.waitMs, random), reason: event.slot ? 'slot' : 'limited' } };
    case 'submitted': {
      const next = {
        ...progress,
        step: 'poll' as const,
        reportRequestId: event.reportRequestId,
        submittedAt: now,
        polls: 0,
        submits: progress.submits + 1,
        expectedMs: event.expectedMs,
      };
      const firstWait = event.expectedMs === undefined ? policy.poll.initialMs : nextPollDelayMs({ polls: 0, expectedMs: event.expectedMs }, policy.poll, random);
      return { progress: next, action: { do: 'wait', untilMs: now + firstWait, reason: 'pending' } };
    }
    case 'pending': {
      const next = { ...progress, polls: progress.polls + 1 };
      const expired = deadlinePassed(next, now, policy);
      if (expired) return end(next, expired);
      return { progress: next, action: { do: 'wait', untilMs: now + nextPollDelayMs({ polls: next.polls, expectedMs: next.expectedMs }, policy.poll, random), reason: 'pending' } };
    }
    case 'report_error': {
      const next = { ...progress, polls: progress.polls + 1, statusErrors: progress.statusErrors + 1 };
      if (next.statusErrors > policy.maxStatusErrors) {
        return end(
          next,
          failure('generation', `report generation ended with Status=Error ${next.statusErrors} times (last ReportRequestId ${progress.reportRequestId ?? '?'}${event.trackingId ? `, TrackingId ${event.trackingId}` : ''})`, {
            name: 'status_error',
            trackingId: event.trackingId,
          }),
        );
      }
      return { progress: resubmit(next), action: { do: 'submit' } };
    }
    case 'ready':
      return { progress: { ...progress, polls: progress.polls + 1 }, action: { do: 'load', downloadUrl: event.downloadUrl } };
    case 'failed':
      return onFailure(progress, event.error, event.message, now, policy, random);
    default:
      return assertNever(event);
  }
}

/** Where a run stands when (re)entered: submit, poll, or give up because its report has waited too long. */
function proceed(progress: RunProgress, now: number, policy: RunPolicy): Transition {
  if (progress.step === 'poll') {
    const id = progress.reportRequestId;
    const age = now - (progress.submittedAt ?? now);
    // Microsoft forgets a ReportRequestId after about a day: a run that old asks for a new report.
    if (id === undefined || age > policy.requestIdMaxAgeMs) return { progress: resubmit(progress), action: { do: 'submit' } };
    const expired = deadlinePassed(progress, now, policy);
    if (expired) return end(progress, expired);
    return { progress, action: { do: 'poll', reportRequestId: id } };
  }
  return { progress, action: { do: 'submit' } };
}

function deadlinePassed(progress: RunProgress, now: number, policy: RunPolicy): RunFailure | undefined {
  if (progress.step !== 'poll' || progress.submittedAt === undefined) return undefined;
  const age = now - progress.submittedAt;
  if (age <= policy.pollDeadlineMs) return undefined;
  return failure(
    'generation',
    `report ${progress.reportRequestId ?? '?'} still pending after ${minutes(age)} min (POLL_DEADLINE_MS ${minutes(policy.pollDeadlineMs)} min)`,
    { name: 'deadline' },
  );
}

function resubmit(progress: RunProgress): RunProgress {
  return { ...progress, step: 'submit', reportRequestId: undefined, submittedAt: undefined, expectedMs: undefined };
}

function end(progress: RunProgress, f: RunFailure): Transition {
  return { progress, action: { do: 'fail', failure: f } };
}

function onFailure(progress: RunProgress, error: Classified, message: string, now: number, policy: RunPolicy, random: () => number): Transition {
  const f = failure(error.class, message, { code: error.code, name: error.name, trackingId: error.trackingId });
  const { disposition } = errorClassPolicy[error.class];
  switch (disposition) {
    case 'wait': {
      const waitMs = throttleWaitMs(error, policy);
      // A 207 lowers the customer's learned concurrency level (the executor tells the limiter), which
      // already stops new submits until enough reports finish; the whole key pauses only when Microsoft
      // says for how long (Retry-After).
      const penalize =
        error.code === 117
          ? { kind: 'rate' as const, waitMs }
          : error.code === 207 && error.retryAfterMs !== undefined
            ? { kind: 'concurrency' as const, waitMs }
            : undefined;
      const next = { ...progress, throttles: progress.throttles + 1 };
      // Throttles cost nothing up to the cap; past it each one spends an attempt, so a run always ends.
      if (progress.throttles < policy.maxFreeThrottles) {
        return { progress: next, action: { do: 'wait', untilMs: now + withJitter(waitMs, random), reason: 'throttled' }, ...(penalize ? { penalize } : {}) };
      }
      const t = retry(next, f, now, policy, random);
      return penalize ? { ...t, penalize } : t;
    }
    case 'resubmit': {
      // Microsoft no longer knows the request: a new one, counted with Status=Error against the same cap.
      const next = { ...progress, statusErrors: progress.statusErrors + 1 };
      if (next.statusErrors > policy.maxStatusErrors) {
        return end(next, failure('generation', `report requests lost ${next.statusErrors} times; last: ${message}`, { code: error.code, name: error.name, trackingId: error.trackingId }));
      }
      return { progress: resubmit(next), action: { do: 'submit' } };
    }
    case 'refresh_url': {
      if (progress.urlRefreshes < policy.maxUrlRefreshes && progress.reportRequestId !== undefined) {
        return { progress: { ...progress, urlRefreshes: progress.urlRefreshes + 1 }, action: { do: 'poll', reportRequestId: progress.reportRequestId } };
      }
      return retry(progress, f, now, policy, random);
    }
    // The executor already forced one token refresh through Nango; failing again is an ordinary retry.
    case 'refresh_token':
    case 'retry':
      return retry(progress, f, now, policy, random);
    case 'fail':
      return end(progress, f);
    default:
      return assertNever(disposition);
  }
}

function retry(progress: RunProgress, f: RunFailure, now: number, policy: RunPolicy, random: () => number): Transition {
  if (progress.attempt >= policy.attempts) return end(progress, f);
  const next = { ...progress, attempt: progress.attempt + 1, urlRefreshes: 0 };
  return { progress: next, action: { do: 'wait', untilMs: now + backoffDelayMs(policy, progress.attempt, random), reason: 'backoff' }, retried: f };
}

function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
