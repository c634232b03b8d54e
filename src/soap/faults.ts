import type { Element } from '@xmldom/xmldom';
import {
  MsAdsFaultError,
  ProtocolError,
  RequestValidationError,
  TransportError,
  type MsAdsErrorDetail,
} from '../errors.js';
import { compact, parseRetryAfter, scrub } from '../httpText.js';
import { hintForFault } from '../setupHints.js';
import { childElements, childText, firstChild, parseXml, soapParts } from './xmlRead.js';

/**
 * Turns every way a Reporting call can fail into one of the typed errors of src/errors.ts.
 *
 * Two rules hold for everything built here:
 * - No raw transport object is kept. axios errors and responses carry `config.data` (the request
 *   envelope, i.e. both tokens) and `config.headers`; node-soap copies them onto its own errors. We read
 *   status, headers and body text and build fresh errors without `cause`.
 * - Every text that reaches a message is passed through `scrub` with the call's secrets, in case a
 *   server or proxy ever echoes what we sent.
 */

/** What we keep of an HTTP answer: never the request. */
export interface HttpExchange {
  status: number;
  headers: Readonly<Record<string, unknown>>;
  body: string;
}

export interface FailureContext {
  operation: string;
  /** Secret values of this call (access and developer token), replaced by [redacted] in any text. */
  secrets: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface ParsedFault {
  faultCode: string | undefined;
  faultString: string | undefined;
  trackingId: string | undefined;
  errors: MsAdsErrorDetail[];
  /** Text of an unrecognised detail element (e.g. WCF ExceptionDetail), for the message. */
  otherDetail: string | undefined;
}

/** Reads a SOAP 1.1 Fault from a response body; undefined when the body holds no fault. */
export function parseSoapFault(body: string): ParsedFault | undefined {
  const doc = parseXml(body);
  const parts = doc && soapParts(doc);
  const fault = parts && firstChild(parts.body, 'Fault');
  if (!fault) return undefined;
  const result: ParsedFault = {
    faultCode: childText(fault, 'faultcode')?.trim(),
    faultString: childText(fault, 'faultstring')?.trim(),
    trackingId: undefined,
    errors: [],
    otherDetail: undefined,
  };
  const detail = firstChild(fault, 'detail') ?? firstChild(fault, 'Detail');
  for (const entry of detail ? childElements(detail) : []) {
    result.trackingId ??= childText(entry, 'TrackingId')?.trim() || undefined;
    // AdApiFaultDetail → Errors/AdApiError; ApiFaultDetail → OperationErrors/OperationError and
    // BatchErrors/BatchError (operation-level first: the first error decides how a fault is classified).
    const lists = ['Errors', 'OperationErrors', 'BatchErrors'].flatMap((name) => childElements(entry, name));
    const items = lists.flatMap((list) => childElements(list));
    if (items.length > 0) result.errors.push(...items.map(readErrorItem));
    else if (!/FaultDetail$|^ApiFault$/.test(entry.localName ?? '')) result.otherDetail ??= compact(entry.textContent ?? '', 300);
  }
  // Faults normally carry TrackingId in their detail; fall back to the response header if one is there.
  if (result.trackingId === undefined && parts.header) result.trackingId = childText(parts.header, 'TrackingId')?.trim() || undefined;
  return result;
}

function readErrorItem(item: Element): MsAdsErrorDetail {
  const code = childText(item, 'Code')?.trim();
  const parsed = code !== undefined && /^-?\d+$/.test(code) ? Number.parseInt(code, 10) : undefined;
  return {
    code: parsed,
    errorCode: childText(item, 'ErrorCode')?.trim() || undefined,
    message: childText(item, 'Message')?.trim() || undefined,
    // AdApiError says Detail, OperationError/BatchError say Details (§11.13).
    details: (childText(item, 'Detail') ?? childText(item, 'Details'))?.trim() || undefined,
  };
}

/**
 * The service answered over HTTP but not with `expected` (the response element we asked for): a fault
 * (any status), throttling, a server error, or something unreadable.
 */
export function errorFromResponse(exchange: HttpExchange, ctx: FailureContext, expected: string): Error {
  const { operation, secrets } = ctx;
  const { status, body } = exchange;
  const fault = parseSoapFault(body);
  // Faults are documented with HTTP 500 but observed with 200 too: the body decides, not the status.
  if (fault) return faultError(fault, status, ctx);
  const retryAfterMs = parseRetryAfter(header(exchange, 'retry-after'));
  if (status === 429) {
    const after = retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs} ms`;
    return new TransportError(operation, `throttled (HTTP 429)${after}`, { httpStatus: status, code: 'HTTP_429', retryAfterMs });
  }
  if (status >= 500 || status === 408) {
    return new TransportError(operation, `HTTP ${status} with ${describeBody(body, secrets)}`, { httpStatus: status, retryAfterMs });
  }
  const doc = parseXml(body);
  const parts = doc && soapParts(doc);
  const first = parts ? firstChild(parts.body) : undefined;
  const got = first ? `<${first.localName}> in the SOAP Body` : describeBody(body, secrets);
  return new ProtocolError(operation, `HTTP ${status}: expected <${expected}>, got ${got}`, status);
}

/** No HTTP answer (or node-soap failed before one was read): network, timeout, abort. */
export function errorFromException(error: unknown, ctx: FailureContext): Error {
  if (
    error instanceof MsAdsFaultError ||
    error instanceof TransportError ||
    error instanceof ProtocolError ||
    error instanceof RequestValidationError
  ) {
    return error;
  }
  const { operation, secrets } = ctx;
  if (ctx.signal?.aborted) {
    const reason: unknown = ctx.signal.reason;
    // The abort reason is the caller's own object, so it is safe to chain.
    return new TransportError(operation, 'call aborted by the caller', {
      code: 'ABORTED',
      cause: reason instanceof Error ? reason : undefined,
    });
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; isAxiosError?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = scrub(typeof e.message === 'string' ? e.message : String(error), secrets);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new TransportError(operation, `no answer within ${ctx.timeoutMs} ms (${code})`, { code });
  }
  // axios errors and Node socket errors (ECONNRESET, ENOTFOUND, EAI_AGAIN…) are the network's fault;
  // anything else (a TypeError inside node-soap, an assertion) is a defect on our side of the wire.
  if (e.isAxiosError === true || (code !== undefined && /^E[A-Z_]+$/.test(code) && !code.startsWith('ERR_'))) {
    return new TransportError(operation, `network error: ${message}`, { code });
  }
  return new ProtocolError(operation, `SOAP client failed before an answer was read: ${message}`);
}

function faultError(fault: ParsedFault, status: number, ctx: FailureContext): MsAdsFaultError {
  const clean = (s: string | undefined): string | undefined => (s === undefined ? undefined : scrub(s, ctx.secrets));
  const errors = fault.errors.map((e) => ({ ...e, message: clean(e.message), details: clean(e.details) }));
  let faultString = clean(fault.faultString);
  if (errors.length === 0) {
    // "Invalid client data" alone says nothing; say what the fault did (not) contain.
    const extra = fault.otherDetail ? `detail: ${clean(fault.otherDetail)}` : 'the fault carried no AdApiError/OperationError/BatchError';
    faultString = `${faultString ?? 'SOAP fault'} (faultcode ${fault.faultCode ?? '?'}, HTTP ${status}; ${extra})`;
  }
  return new MsAdsFaultError({ operation: ctx.operation, httpStatus: status, trackingId: fault.trackingId, faultString, errors, hint: hintForFault(errors) });
}

export { parseRetryAfter, scrub } from '../httpText.js';

function header(exchange: HttpExchange, name: string): string | undefined {
  const v = exchange.headers[name] ?? exchange.headers[name.toLowerCase()];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function describeBody(body: string, secrets: readonly string[]): string {
  if (body.trim() === '') return 'an empty body';
  const doc = parseXml(body);
  if (doc && soapParts(doc)) return 'a SOAP envelope without a fault';
  // Gateways and login pages answer HTML; its title is usually the whole story ("502 Bad Gateway").
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  if (title !== undefined) return `an HTML page: "${scrub(compact(title, 160), secrets)}"`;
  if (doc) return `XML that is not a SOAP envelope (<${doc.documentElement?.localName ?? '?'}>)`;
  return `a non-XML body: "${scrub(compact(body.replace(/<[^>]*>/g, ' '), 160), secrets)}"`;
}
