/**
 * Error types shared by every layer. Each carries what a person needs to act (operation, codes,
 * Microsoft's TrackingId) and never a token: messages are built from ids and Microsoft's own text only.
 * What an error *means* for the queue is decided in one place, src/jobs/classifyError.ts.
 */

/** One error entry of a Microsoft fault (AdApiError, OperationError or BatchError). */
export interface MsAdsErrorDetail {
  code: number | undefined;
  /** Symbolic ErrorCode, e.g. "CallRateExceeded" (absent in Customer Management OperationErrors). */
  errorCode: string | undefined;
  message: string | undefined;
  /** AdApiError.Detail / OperationError.Details / BatchError.Details. */
  details: string | undefined;
}

/**
 * A fault from Microsoft Advertising: a SOAP Fault (HTTP 500 or, as observed, 200) or a REST JSON fault
 * (`{"Type": "AdApiFaultDetail" | "ApiFaultDetail" | "ApiFault", …}` with 400/401/403/429/500). Both
 * adapters build the same error for the same Microsoft error: same code, ErrorCode, message, TrackingId.
 */
export class MsAdsFaultError extends Error {
  override name = 'MsAdsFaultError';
  readonly operation: string;
  readonly httpStatus: number | undefined;
  readonly trackingId: string | undefined;
  readonly faultString: string | undefined;
  readonly errors: MsAdsErrorDetail[];
  /** REST: the Retry-After header of the answer (429), in ms; the classifier honours the larger wait. */
  readonly retryAfterMs: number | undefined;

  constructor(args: {
    operation: string;
    httpStatus: number | undefined;
    trackingId: string | undefined;
    faultString: string | undefined;
    errors: MsAdsErrorDetail[];
    retryAfterMs?: number | undefined;
    /** What to do about it, when the fault matches a setup mistake (src/setupHints.ts). */
    hint?: string | undefined;
  }) {
    const first = args.errors[0];
    const what = first
      ? `${first.code ?? '?'} ${first.errorCode ?? ''}: ${first.message ?? ''}${first.details ? ` (${first.details})` : ''}`
      : (args.faultString ?? 'SOAP fault without details');
    super(`${args.operation} failed: ${what.trim()}${args.trackingId ? ` [TrackingId ${args.trackingId}]` : ''}${args.hint ? ` ${args.hint}` : ''}`);
    this.operation = args.operation;
    this.httpStatus = args.httpStatus;
    this.trackingId = args.trackingId;
    this.faultString = args.faultString;
    this.errors = args.errors;
    this.retryAfterMs = args.retryAfterMs;
  }

  /** The numeric code of the first error, which decides the class of the fault. */
  get code(): number | undefined {
    return this.errors[0]?.code;
  }

  get errorCode(): string | undefined {
    return this.errors[0]?.errorCode;
  }
}

/** The network or HTTP layer failed: timeout, reset, refused, 5xx without a fault body, 429, 401 without a fault. */
export class TransportError extends Error {
  override name = 'TransportError';
  readonly operation: string;
  readonly httpStatus: number | undefined;
  /** Node/axios error code such as ECONNRESET or ECONNABORTED. */
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    operation: string,
    message: string,
    opts: { httpStatus?: number | undefined; code?: string | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(`${operation}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.operation = operation;
    this.httpStatus = opts.httpStatus;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The service answered, but not with anything we can read (HTML page, empty body, wrong shape). */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly operation: string;
  readonly httpStatus: number | undefined;

  constructor(operation: string, message: string, httpStatus?: number, cause?: unknown) {
    super(`${operation}: ${message}`, cause === undefined ? undefined : { cause });
    this.operation = operation;
    this.httpStatus = httpStatus;
  }
}

/** Nango could not give us a token for a connection. */
export class NangoTokenError extends Error {
  override name = 'NangoTokenError';
  readonly connectionId: string;
  readonly httpStatus: number | undefined;
  /** Nango's error code, e.g. not_found, invalid_credentials, unknown_provider_config. */
  readonly nangoCode: string | undefined;

  constructor(connectionId: string, message: string, opts: { httpStatus?: number | undefined; nangoCode?: string | undefined; cause?: unknown } = {}) {
    super(`Nango connection "${connectionId}": ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.connectionId = connectionId;
    this.httpStatus = opts.httpStatus;
    this.nangoCode = opts.nangoCode;
  }
}

/** The report download URL no longer works (403/404 after its five minutes): poll again for a fresh one. */
export class DownloadExpiredError extends Error {
  override name = 'DownloadExpiredError';
  readonly httpStatus: number;

  constructor(httpStatus: number) {
    super(`report download URL answered HTTP ${httpStatus}: it has expired; polling again for a fresh URL`);
    this.httpStatus = httpStatus;
  }
}

/** The report file is unusable: corrupt zip, wrong entries, over a size cap, columns or values not as requested. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
  /** A short machine-readable reason, e.g. corrupt_zip, too_large, zip_bomb, columns_mismatch, bad_value. */
  readonly reason: string;

  constructor(reason: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** The request we were asked to make is invalid (bad column, aggregation, dates); nothing was sent. */
export class RequestValidationError extends Error {
  override name = 'RequestValidationError';
}

/** Report generation ended with Status=Error, or stayed Pending past the deadline. */
export class ReportGenerationError extends Error {
  override name = 'ReportGenerationError';
  readonly reason: 'status_error' | 'deadline' | 'request_expired';

  constructor(reason: 'status_error' | 'deadline' | 'request_expired', message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Always returns an Error, wrapping whatever was thrown (graphile-worker's coerceError). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-error thrown: ${safeString(value)}`, { cause: value });
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
