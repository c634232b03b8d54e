import { MsAdsFaultError, ProtocolError, RequestValidationError, TransportError, type MsAdsErrorDetail } from '../errors.js';
import { hintForFault } from '../setupHints.js';
import { parseRetryAfter, scrub } from '../httpText.js';
import { describeBody, quoteStart } from './httpText.js';
import { intValue, isObject, text, type JsonObject } from './jsonRead.js';

/**
 * Turns every way a REST call can fail into the typed error the SOAP adapter (src/soap/faults.ts) gives
 * for the same Microsoft error, so src/jobs/classifyError.ts needs no second table.
 *
 * Rules, as in SOAP: the body decides, not the status (a fault can arrive with HTTP 200, REST-FACTS
 * §9.2, §14.7); no request, Response or fetch error object is kept (they can hold both tokens), errors
 * are built fresh and the only `cause` ever chained is the caller's own abort reason; every text that
 * reaches a message is scrubbed of the call's secrets.
 */

/** What we keep of an HTTP answer: status, headers, body text. Never the request. */
export interface RestExchange {
  status: number;
  headers: Headers;
  body: string;
}

export interface RestFailureContext {
  operation: string;
  /** Secret values of this call (access and developer token), replaced by [redacted] in any text. */
  secrets: readonly string[];
  timeoutMs: number;
  /** The caller's signal: tells an abort by the caller from our own timeout. */
  signal?: AbortSignal | undefined;
}

export interface ParsedRestFault {
  type: string | undefined;
  trackingId: string | undefined;
  errors: MsAdsErrorDetail[];
}

const ERROR_LISTS = ['Errors', 'OperationErrors', 'BatchErrors'] as const;

/**
 * Reads a JSON fault: `{"Type": "AdApiFaultDetail" | "ApiFaultDetail" | "ApiFault", "TrackingId", …}`,
 * also when wrapped as `{"ApplicationFault": {…}}` (the PHP migration guide's form, §9.1). Undefined
 * when the value is not a fault. Operation-level errors come first: the first error decides the class.
 */
export function parseRestFault(json: unknown): ParsedRestFault | undefined {
  if (!isObject(json)) return undefined;
  const fault = isObject(json.ApplicationFault) ? json.ApplicationFault : json;
  const type = typeof fault.Type === 'string' ? fault.Type : undefined;
  // No success body of Reporting or Customer Management has a Type or any of these lists (§5-§8), so
  // either one marks a fault; Bulk's GetBulkDownloadStatus answer is the exception: its Errors belong
  // to a Failed download (BULK-FACTS §5), not to the call.
  if (json.RequestStatus !== undefined && json.Type === undefined) return undefined;
  const hasList = ERROR_LISTS.some((name) => Array.isArray(fault[name]));
  if (!(type !== undefined && /Fault(Detail)?$/.test(type)) && !hasList) return undefined;
  const items = ERROR_LISTS.flatMap((name) => (Array.isArray(fault[name]) ? (fault[name] as unknown[]) : []));
  return {
    type,
    trackingId: text(fault.TrackingId),
    errors: items.filter(isObject).map(readErrorItem),
  };
}

function readErrorItem(item: JsonObject): MsAdsErrorDetail {
  return {
    code: intValue(item.Code),
    // Customer Management's OperationError has no ErrorCode (§9.1): undefined, as over SOAP.
    errorCode: text(item.ErrorCode),
    message: text(item.Message),
    // AdApiError says Detail, OperationError/BatchError say Details.
    details: text(item.Detail) ?? text(item.Details),
  };
}

/** The JSON object of a successful answer, or the typed error the answer amounts to. */
export function readAnswer(exchange: RestExchange, ctx: RestFailureContext): JsonObject {
  const { operation, secrets } = ctx;
  const { status, body } = exchange;
  const parsed = parseJson(body);
  const fault = parseRestFault(parsed.value);
  if (fault) throw faultError(fault, exchange, ctx);
  const retryAfterMs = parseRetryAfter(exchange.headers.get('retry-after'));
  if (status === 429) {
    const after = retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs} ms`;
    throw new TransportError(operation, `throttled (HTTP 429)${after}`, { httpStatus: 429, code: 'HTTP_429', retryAfterMs });
  }
  if (status === 401) {
    // An expired token usually comes as 401 with a 109 fault (handled above); a bare 401 is the same
    // story told by a gateway: the job layer refreshes the token once.
    throw new TransportError(operation, `HTTP 401 without a fault body (${describeBody(body, secrets)})`, { httpStatus: 401, code: 'HTTP_401', retryAfterMs });
  }
  if (status >= 500 || status === 408) {
    throw new TransportError(operation, `HTTP ${status} with ${describeBody(body, secrets)}`, { httpStatus: status, retryAfterMs });
  }
  if (status < 200 || status > 299) {
    // 404/501: "this operation has no REST endpoint" (§9.2), i.e. a wrong base URL on our side.
    const where = status === 404 || status === 501 ? ' (no REST endpoint at this URL: check the base URL)' : '';
    throw new ProtocolError(operation, `HTTP ${status} without a fault body${where}: ${describeBody(body, secrets)}`, status);
  }
  if (body.trim() === '') throw new ProtocolError(operation, `HTTP ${status} with an empty body`, status);
  if (!parsed.ok) throw new ProtocolError(operation, `HTTP ${status}: the body is not JSON: ${quoteStart(body, secrets)}`, status);
  if (!isObject(parsed.value)) throw new ProtocolError(operation, `HTTP ${status}: expected a JSON object, got ${quoteStart(body, secrets)}`, status);
  return parsed.value;
}

/** The answer was JSON but not of the shape the operation returns. */
export function shapeError(exchange: RestExchange, ctx: RestFailureContext, problem: string): ProtocolError {
  return new ProtocolError(ctx.operation, `${problem}; got ${quoteStart(exchange.body, ctx.secrets)}`, exchange.status);
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false; value: undefined } {
  if (body.trim() === '') return { ok: false, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

function faultError(fault: ParsedRestFault, exchange: RestExchange, ctx: RestFailureContext): MsAdsFaultError {
  const clean = (s: string | undefined): string | undefined => (s === undefined ? undefined : scrub(s, ctx.secrets));
  const errors = fault.errors.map((e) => ({ ...e, message: clean(e.message), details: clean(e.details) }));
  const faultString =
    errors.length === 0 ? `${clean(fault.type) ?? 'fault'} (HTTP ${exchange.status}; the fault carried no AdApiError/OperationError/BatchError)` : undefined;
  return new MsAdsFaultError({
    operation: ctx.operation,
    httpStatus: exchange.status,
    trackingId: clean(fault.trackingId ?? text(exchange.headers.get('trackingid'))),
    faultString,
    errors,
    retryAfterMs: parseRetryAfter(exchange.headers.get('retry-after')),
    hint: hintForFault(errors),
  });
}

/** No (complete) HTTP answer: network failure, our timeout, the caller's abort. */
export function errorFromRestException(error: unknown, ctx: RestFailureContext, timeout: AbortSignal): Error {
  if (error instanceof MsAdsFaultError || error instanceof TransportError || error instanceof ProtocolError || error instanceof RequestValidationError) {
    return error;
  }
  const { operation, secrets } = ctx;
  if (ctx.signal?.aborted) {
    const reason: unknown = ctx.signal.reason;
    // The abort reason is the caller's own object, so it is safe to chain.
    return new TransportError(operation, 'call aborted by the caller', { code: 'ABORTED', cause: reason instanceof Error ? reason : undefined });
  }
  if (timeout.aborted) return new TransportError(operation, `no answer within ${ctx.timeoutMs} ms (ETIMEDOUT)`, { code: 'ETIMEDOUT' });
  const e = (isObject(error) || error instanceof Error ? error : {}) as { message?: unknown; cause?: unknown };
  const message = scrub(typeof e.message === 'string' ? e.message : String(error), secrets);
  // fetch reports every network failure as TypeError "fetch failed" (or "terminated" mid-body) with
  // the socket error as cause: ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, ENOTFOUND…
  const cause = isObject(e.cause) || e.cause instanceof Error ? (e.cause as { code?: unknown; message?: unknown }) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (error instanceof TypeError && (code !== undefined || /^(fetch failed|terminated)$/.test(message))) {
    const why = typeof cause?.message === 'string' && cause.message !== '' ? scrub(cause.message, secrets) : message;
    return new TransportError(operation, `network error: ${why}`, { code });
  }
  // Anything else (an invalid header value, a defect) happened on our side of the wire.
  return new ProtocolError(operation, `REST client failed before an answer was read: ${message}`);
}
