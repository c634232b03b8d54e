import {
  DownloadExpiredError,
  MsAdsFaultError,
  NangoTokenError,
  ProtocolError,
  ReportFileError,
  ReportGenerationError,
  RequestValidationError,
  TransportError,
} from '../errors.js';

/**
 * The one table that decides what a failure means (REPORTING-FACTS §6.2). Everything else — the worker's
 * retries, run-once's exit code, the ledger's error_class — follows from the class returned here.
 */
export const errorClasses = [
  /** 117 CallRateExceeded, 207 ConcurrentRequestOverLimit, HTTP 429: wait, then retry the same step; costs no attempt. */
  'throttled',
  /** 0 InternalError, 5xx, timeouts, resets, unreadable responses, truncated files: back off and retry, bounded. */
  'transient',
  /** 109 AuthenticationTokenExpired, or REST HTTP 401 without a Microsoft code: refresh the token through Nango and retry once at once. */
  'token_expired',
  /** Credentials dead or not allowed (105, 106, 108, 120, 122–125, 2003, Nango refusing): a person must act. */
  'auth',
  /** The request itself is wrong (2xxx, 100, 113, 116, 201, 203, our own validation): retrying cannot help. */
  'request',
  /** Status=Error, unknown or expired ReportRequestId (2100, 2101): submit the report again, bounded. */
  'resubmit',
  /** The download URL expired: poll again for a fresh one. */
  'expired_url',
  /** The report file is unusable in a way a new download will not fix (columns, values, caps). */
  'bad_file',
  /** Anything not recognised (including unknown fault codes): retried with backoff, bounded, and reported. */
  'unknown',
] as const;
export type ErrorClass = (typeof errorClasses)[number];

export interface Classified {
  class: ErrorClass;
  /** For throttled: how long to wait before the same step runs again. */
  waitMs?: number;
  code?: number;
  name?: string;
  trackingId?: string;
  /** REST: the answer's Retry-After header, in ms (a 429 may carry one; the longer wait wins). */
  retryAfterMs?: number;
}

const AUTH_CODES = new Set([105, 106, 108, 120, 122, 123, 124, 125, 2003]);
const REQUEST_CODES = new Set([100, 113, 116, 201, 203]);
const RESUBMIT_CODES = new Set([2100, 2101]);
/** A file a fresh download may fix; every other ReportFileError reason is the file's content. */
const RETRYABLE_FILE_REASONS = new Set(['corrupt_zip', 'truncated']);

const CALL_RATE_WAIT_MS = 60_000;
const CONCURRENCY_WAIT_MS = 30_000;

export function classifyError(err: unknown): Classified {
  if (err instanceof MsAdsFaultError) {
    const code = err.code;
    const base = {
      ...(code !== undefined ? { code } : {}),
      ...(err.errorCode ? { name: err.errorCode } : {}),
      ...(err.trackingId ? { trackingId: err.trackingId } : {}),
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
    // The same codes over SOAP and REST; a REST 429 that says how long to wait may only lengthen the wait.
    if (code === 117) return { ...base, class: 'throttled', waitMs: Math.max(CALL_RATE_WAIT_MS, err.retryAfterMs ?? 0) };
    if (code === 207) return { ...base, class: 'throttled', waitMs: Math.max(CONCURRENCY_WAIT_MS, err.retryAfterMs ?? 0) };
    if (code === 109) return { ...base, class: 'token_expired' };
    if (code === 0) return { ...base, class: 'transient' };
    if (code === 2004) return { ...base, class: 'transient' };
    if (code !== undefined && AUTH_CODES.has(code)) return { ...base, class: 'auth' };
    if (code !== undefined && RESUBMIT_CODES.has(code)) return { ...base, class: 'resubmit' };
    if (code !== undefined && (REQUEST_CODES.has(code) || (code >= 2000 && code < 3000))) {
      return { ...base, class: 'request' };
    }
    return { ...base, class: 'unknown' };
  }
  if (err instanceof TransportError) {
    if (err.httpStatus === 429) {
      return { class: 'throttled', code: 429, waitMs: err.retryAfterMs ?? CALL_RATE_WAIT_MS, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) };
    }
    // REST answers an expired token with HTTP 401 (REST-FACTS §9.3); without a fault body it is treated like 109.
    if (err.httpStatus === 401) return { class: 'token_expired', code: 401 };
    return { class: 'transient', ...(err.httpStatus ? { code: err.httpStatus } : {}) };
  }
  if (err instanceof ProtocolError) return { class: 'transient', ...(err.httpStatus ? { code: err.httpStatus } : {}) };
  if (err instanceof NangoTokenError) {
    // Nango itself down or erroring is transient; a connection it cannot find or refresh needs a person.
    if (err.httpStatus === undefined || err.httpStatus >= 500 || err.httpStatus === 429) return { class: 'transient' };
    return { class: 'auth', ...(err.nangoCode ? { name: err.nangoCode } : {}), code: err.httpStatus };
  }
  if (err instanceof DownloadExpiredError) return { class: 'expired_url', code: err.httpStatus };
  if (err instanceof ReportFileError) {
    return { class: RETRYABLE_FILE_REASONS.has(err.reason) ? 'transient' : 'bad_file', name: err.reason };
  }
  if (err instanceof ReportGenerationError) {
    return { class: err.reason === 'deadline' ? 'transient' : 'resubmit', name: err.reason };
  }
  if (err instanceof RequestValidationError) return { class: 'request' };
  if (isConnectionFailure(err)) return { class: 'transient', name: String((err as { code?: unknown }).code) };
  return { class: 'unknown' };
}

/**
 * Postgres or a socket went away (restart, failover, network): SQLSTATE class 08 (connection exception),
 * 57P01–57P03 (shutdown, crash, cannot connect now), or a Node socket error. The interrupted transaction
 * rolled back; the attempt can simply run again.
 */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    const message = err instanceof Error ? err.message : '';
    return /Connection terminated|Connection is closed|connection timeout/i.test(message);
  }
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || CONNECTION_ERRNOS.has(code);
}

/** Whether one forced token refresh through Nango may fix the failure (109, or a bare REST 401). */
export function isExpiredToken(err: unknown): boolean {
  return classifyError(err).class === 'token_expired';
}

/** Whether the queue should try the job again (after backoff) for this class. */
export function isRetryable(cls: ErrorClass): boolean {
  switch (cls) {
    case 'throttled':
    case 'transient':
    case 'token_expired':
    case 'resubmit':
    case 'expired_url':
    case 'unknown':
      return true;
    case 'auth':
    case 'request':
    case 'bad_file':
      return false;
    default:
      return assertNever(cls);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
