import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { SimFault } from './apiErrors.js';
import { consume, type FaultSwitches } from './faultSwitches.js';
import { BodyTooLargeError, readBody, send } from './httpUtil.js';
import { HTML_503, restFaultBody, restStatusFor, type RestService } from './restFaults.js';
import type { SimulatorStats } from './stats.js';

/**
 * How a Microsoft Advertising REST operation handles an HTTP request, shared by the simulated Reporting
 * and Customer Management services (REST-FACTS §2-3, §9): POST only; the fault switches act before the
 * request is read; `Content-Type: application/json` (any case, parameters allowed) and a JSON object
 * body are required (HTTP 400 otherwise); each answer carries a `TrackingId` header (a UUID) and JSON
 * in UTF-8; faults are Microsoft's JSON fault bodies with the status of their class (or HTTP 200 when
 * the faultWithHttp200 switch is on), 429s with a `Retry-After` header.
 */

const JSON_TYPE = 'application/json; charset=utf-8';
const CONTENT_TYPE = /^application\/json\s*(;.*)?$/i;

/** What a fault switch makes the endpoint answer instead of running the operation. */
export type RestInjection = { kind: 'html' } | { kind: 'empty' } | { kind: 'fault'; fault: SimFault };

export interface RestOperationSpec {
  service: RestService;
  maxBodyBytes: number;
  faults: FaultSwitches;
  stats: SimulatorStats;
  /** A success body of this operation, cut short by the malformedJsonNext switch. */
  sampleAnswer: string;
  /** The service's own fault switches, checked first; may wait (latencyMs). */
  inject(): Promise<RestInjection | undefined>;
  /** Runs the operation on a JSON object body; returns the success body or throws a SimFault. */
  run(headers: IncomingHttpHeaders, body: Record<string, unknown>): unknown;
}

export async function serveRest(spec: RestOperationSpec, req: IncomingMessage, res: ServerResponse): Promise<void> {
  spec.stats.requestsByApi.rest++;
  const trackingId = randomUUID();
  const tracking = { TrackingId: trackingId };
  const answerFault = (fault: SimFault) => {
    const code = String(fault.code);
    spec.stats.faultsReturned[code] = (spec.stats.faultsReturned[code] ?? 0) + 1;
    if (!fault.injected) spec.stats.requestsRejected++;
    const headers: Record<string, string> = { ...tracking };
    if (fault.code === 117) headers['Retry-After'] = String(spec.faults.retryAfterSeconds);
    const status = spec.faults.faultWithHttp200 ? 200 : restStatusFor(fault.code);
    send(res, status, JSON_TYPE, JSON.stringify(restFaultBody(spec.service, trackingId, fault)), headers);
  };
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'Method not allowed', { Allow: 'POST', ...tracking });

  let raw: Buffer;
  try {
    raw = await readBody(req, spec.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return send(res, 413, 'text/plain', 'Request Entity Too Large', tracking);
    throw error;
  }

  const injected = (await spec.inject()) ?? restOnlyInjection(spec.faults);
  if (injected) {
    switch (injected.kind) {
      case 'html':
        return send(res, 503, 'text/html', HTML_503);
      case 'empty':
        return send(res, 200, JSON_TYPE, '', tracking);
      case 'fault':
        return answerFault(injected.fault);
      case 'malformed':
        return send(res, 200, JSON_TYPE, spec.sampleAnswer.slice(0, Math.max(1, Math.floor(spec.sampleAnswer.length / 2))), tracking);
      case 'unauthorized':
        return send(res, 401, JSON_TYPE, '', tracking);
    }
  }

  try {
    const contentType = req.headers['content-type'] ?? '';
    if (!CONTENT_TYPE.test(contentType)) {
      throw new SimFault(100, { details: `Content-Type must be application/json; got '${contentType}'.` });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new SimFault(201, { message: 'The request body is not valid JSON.', details: (error as Error).message });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new SimFault(201, { message: 'The request body must be a JSON object.', details: '$' });
    }
    const answer = spec.run(req.headers, body as Record<string, unknown>);
    send(res, 200, JSON_TYPE, JSON.stringify(answer), tracking);
  } catch (error) {
    if (error instanceof SimFault) return answerFault(error);
    throw error;
  }
}

/** The REST-only switches, after the service's own ones. */
function restOnlyInjection(faults: FaultSwitches): { kind: 'malformed' } | { kind: 'unauthorized' } | undefined {
  if (consume(faults, 'malformedJsonNext')) return { kind: 'malformed' };
  if (consume(faults, 'unauthorizedNext')) return { kind: 'unauthorized' };
  return undefined;
}

/** The value of a request header, trimmed; undefined when absent or blank. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const text = (Array.isArray(value) ? value.join(', ') : value)?.trim();
  return text === undefined || text === '' ? undefined : text;
}

/**
 * The access token of `Authorization: Bearer <token>`: absent → 116 with the other missing headers
 * (a SOAP-style AuthenticationToken header is not accepted), present without the Bearer prefix → 105.
 */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headerValue(headers, 'authorization');
  if (auth === undefined) return undefined;
  const match = /^Bearer (\S+)$/.exec(auth);
  if (!match?.[1]) throw new SimFault(105, { details: 'The Authorization header must be "Bearer <access token>".' });
  return match[1];
}

/** 116 naming the missing headers; notes a SOAP-style AuthenticationToken header when one was sent. */
export function missingHeadersFault(missing: readonly string[], headers: IncomingHttpHeaders): SimFault {
  const soapStyle = headerValue(headers, 'authenticationtoken') !== undefined && missing.includes('Authorization');
  return new SimFault(116, {
    details: `Missing HTTP headers: ${missing.join(', ')}${soapStyle ? ' (an AuthenticationToken header is the SOAP form; REST takes "Authorization: Bearer <token>")' : ''}`,
  });
}
