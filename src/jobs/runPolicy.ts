import type { PollSettings } from './pollSchedule.js';

/**
 * The run policy: what every failure class means and every cap a run lives under, in one place. The
 * classifier (classifyError.ts, beside this file) maps an error to a class; the step decisions
 * (runSteps.ts) read only this table and the caps. Nothing else decides whether a run retries.
 */

/**
 * What a class of failure does to the run, and how far it reaches:
 * - wait: the same step runs again later and no attempt is spent (throttling), up to maxFreeThrottles;
 * - retry: the attempt ends and another starts after backoff, up to `attempts`;
 * - refresh_token / resubmit / refresh_url: fixed inside the attempt (a forced Nango refresh, a new
 *   report request, a fresh download URL), each bounded by its own cap, then a retry;
 * - fail: the run ends failed. `scope` says who else is affected: only this run; the account (Microsoft
 *   refused this account to the user; the connection's other accounts go on); the connection (its
 *   credentials are dead; it is marked needs_reauth); or the configuration (e.g. the developer token:
 *   every run would fail the same way, a person must fix the environment).
 */
export type Disposition = 'wait' | 'retry' | 'refresh_token' | 'resubmit' | 'refresh_url' | 'fail';
export type FailureScope = 'run' | 'account' | 'connection' | 'config';

export const errorClassPolicy = {
  /** 117 CallRateExceeded, 207 ConcurrentRequestOverLimit, HTTP 429. */
  throttled: { disposition: 'wait', scope: 'run', codes: '117, 207, HTTP 429' },
  /** 0 InternalError, 2004 no complete data yet, 5xx, timeouts, resets, unreadable answers, truncated files, Postgres away. */
  transient: { disposition: 'retry', scope: 'run', codes: '0, 2004, HTTP 5xx, network, SQLSTATE 08/57P0x' },
  /** 109 AuthenticationTokenExpired, or a REST HTTP 401 without a Microsoft code. */
  token_expired: { disposition: 'refresh_token', scope: 'run', codes: '109, HTTP 401' },
  /** The connection's credentials are dead: Nango cannot refresh, Microsoft refuses the user. */
  auth: { disposition: 'fail', scope: 'connection', codes: '105, 108, 120, 122–125, Nango 4xx' },
  /** Valid credentials without access to this one account. */
  account: { disposition: 'fail', scope: 'account', codes: '106, 2003' },
  /** The deployment is misconfigured (a developer token refused): no run can succeed until it is fixed. */
  config: { disposition: 'fail', scope: 'config', codes: '105 naming the developer token' },
  /** The request is wrong (our validation, 2xxx, 100, 113, 116, 201, 203). */
  request: { disposition: 'fail', scope: 'run', codes: '100, 113, 116, 201, 203, 2xxx' },
  /** Microsoft forgot the report request (unknown or expired ReportRequestId): submit a new one. */
  resubmit: { disposition: 'resubmit', scope: 'run', codes: '2100, 2101' },
  /** The download URL expired (403/404 after its five minutes): poll again for a fresh one. */
  expired_url: { disposition: 'refresh_url', scope: 'run', codes: 'download HTTP 403/404' },
  /** Report generation failed: Status=Error past its resubmits, or still pending past the poll deadline. */
  generation: { disposition: 'fail', scope: 'run', codes: 'Status=Error, poll deadline' },
  /** The file is unusable in a way a new download will not fix (columns, values, caps, bombs). */
  bad_file: { disposition: 'fail', scope: 'run', codes: 'report file' },
  /** The job kept dying with its worker (maxStalls): something in it kills the process. */
  stalled: { disposition: 'fail', scope: 'run', codes: 'queue stalls' },
  /** A foreground run whose process went away (set by the reconciler). */
  abandoned: { disposition: 'fail', scope: 'run', codes: 'no progress' },
  /** Not recognised (including unknown fault codes): retried with backoff, bounded, and reported. */
  unknown: { disposition: 'retry', scope: 'run', codes: 'anything else' },
} as const satisfies Record<string, { disposition: Disposition; scope: FailureScope; codes: string }>;

export type ErrorClass = keyof typeof errorClassPolicy;
export const errorClasses = Object.keys(errorClassPolicy) as ErrorClass[];

/** The caps and waits of a run. Defaults below; the composition root fills them from the configuration. */
export interface RunPolicy {
  /** Attempts of a run (JOB_ATTEMPTS): retries after transient failures end after this many. */
  attempts: number;
  /** Base of the exponential backoff between attempts (JOB_BACKOFF_MS): base × 2^(attempt−1) × [0.5, 1). */
  backoffMs: number;
  /** Status=Error reports submitted again before the run fails (class generation). */
  maxStatusErrors: number;
  /** Expired download URLs refreshed by polling again, per attempt. */
  maxUrlRefreshes: number;
  /** Microsoft keeps a ReportRequestId about a day (REPORTING-FACTS §3.1); past this age we submit anew. */
  requestIdMaxAgeMs: number;
  /** Throttle waits a run may take without spending attempts; beyond, each throttle costs an attempt. */
  maxFreeThrottles: number;
  /** A report still pending this long after its submit fails the run (class generation). */
  pollDeadlineMs: number;
  /** Poll schedule of a pending report. */
  poll: PollSettings;
  /** Waits after Microsoft's throttles (117 THROTTLE_WAIT_MS, 207 CONCURRENCY_WAIT_MS); Retry-After may lengthen them. */
  throttleWaits: { callRateMs: number; concurrencyMs: number };
  /**
   * Times a job may be recovered after its worker died or was stopped mid-step before the run fails
   * (class stalled). BullMQ's own maxStalledCount is set far above it, so a deploy never fails a job
   * behind the ledger's back; this cap only stops a job that kills every worker that takes it.
   */
  maxStalls: number;
}

export const defaultRunPolicy: RunPolicy = {
  attempts: 5,
  backoffMs: 30_000,
  maxStatusErrors: 2,
  maxUrlRefreshes: 3,
  requestIdMaxAgeMs: 22 * 3_600_000,
  maxFreeThrottles: 30,
  pollDeadlineMs: 4 * 3_600_000,
  poll: { initialMs: 2_000, maxMs: 60_000 },
  throttleWaits: { callRateMs: 60_000, concurrencyMs: 30_000 },
  maxStalls: 50,
};

/** BullMQ's maxStalledCount: effectively unlimited (see RunPolicy.maxStalls). */
export const QUEUE_MAX_STALLED_COUNT = 1_000_000;

/** Exponential backoff with jitter before attempt `attempt + 1`. */
export function backoffDelayMs(policy: Pick<RunPolicy, 'backoffMs'>, attempt: number, random: () => number = Math.random): number {
  return Math.round(policy.backoffMs * 2 ** Math.max(0, attempt - 1) * (0.5 + random() * 0.5));
}
