import { errorClassPolicy, type ErrorClass } from './runPolicy.js';
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
 * The classifier: what an error is (REPORTING-FACTS §6.2). What each class then does to a run — wait,
 * retry, resubmit, fail, and for whom — is the run policy's table beside this file (runPolicy.ts).
 */
export { errorClasses, type ErrorClass } from './runPolicy.js';

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

/** The user's credentials are dead or refused (the connection needs a person). */
const AUTH_CODES = new Set([105, 108, 120, 122, 123, 124, 125]);
/** The credentials work but this one account is not the user's to read (UserIsNotAuthorized, AccountNotAuthorized). */
const ACCOUNT_CODES = new Set([106, 2003]);
/** A 105 that names the developer token is the deployment's mistake, not the user's credentials. */
const DEVELOPER_TOKEN_TEXT = /developer ?token/i;
const REQUEST_CODES = new Set([100, 113, 116, 201, 203]);
const RESUBMIT_CODES = new Set([2100, 2101]);
/** A file a fresh download may fix; every other ReportFileError reason is the file's content. */
const RETRYABLE_FILE_REASONS = new Set(['corrupt_zip', 'truncated']);

/**
 * Bulk: the download needs LastSyncTimeInUTC null (3603 FullSyncRequired, inferred in BULK-FACTS §3.3 for
 * a sync time past 30 days; 3209 LastSyncTimeTooOld; 3208 in the future): an entity run downloads in full.
 */
export const BULK_FULL_SYNC_CODES = new Set([3603, 3208, 3209]);
/** Bulk's own throttle: "resubmit your request after waiting up to 15 minutes" (BULK-FACTS §9). */
const BULK_THROTTLE_CODE = 4204;
const BULK_THROTTLE_WAIT_MS = 900_000;

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
    if (code === BULK_THROTTLE_CODE) return { ...base, class: 'throttled', waitMs: Math.max(BULK_THROTTLE_WAIT_MS, err.retryAfterMs ?? 0) };
    if (code === 109) return { ...base, class: 'token_expired' };
    if (code === 0) return { ...base, class: 'transient' };
    if (code === 2004) return { ...base, class: 'transient' };
    if (code === 105 && err.errors.some((e) => DEVELOPER_TOKEN_TEXT.test(`${e.message ?? ''} ${e.details ?? ''}`))) {
      return { ...base, class: 'config' };
    }
    if (code !== undefined && ACCOUNT_CODES.has(code)) return { ...base, class: 'account' };
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
  // Status=Error past its resubmits or a passed poll deadline: a retry would only fail again at once.
  if (err instanceof ReportGenerationError) return { class: 'generation', name: err.reason };
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

/** Whether another attempt may help (the policy's disposition is not 'fail'). */
export function isRetryable(cls: ErrorClass): boolean {
  return errorClassPolicy[cls].disposition !== 'fail';
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
