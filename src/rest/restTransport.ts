import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from '../paths.js';
import type { ProtocolError } from '../errors.js';
import { errorFromRestException, readAnswer, shapeError, type RestExchange, type RestFailureContext } from './faults.js';
import type { JsonObject } from './jsonRead.js';

/**
 * One POST of a JSON body to a Microsoft Advertising REST operation, on Node's own fetch.
 *
 * - Connections: Node 20's global fetch keeps connections alive by default (its global undici
 *   dispatcher), which is what REST-FACTS §11 asks for; `undici` is not a dependency, so no Agent.
 * - Compression: fetch sends Accept-Encoding (gzip among them) and decompresses the answer itself.
 * - No retry here: retries live in the run's step machine and the queue, which know what a failure means.
 * - Timeout: per call, our own AbortSignal.timeout combined with the caller's signal, so an abort by the
 *   caller and our timeout still read as two different errors.
 */

export type FetchFn = typeof fetch;

export interface RestCall {
  operation: string;
  url: string;
  /** Operation headers (Authorization, DeveloperToken, …); values already revealed. */
  headers: Readonly<Record<string, string>>;
  body: unknown;
  /** The revealed secrets among the headers, scrubbed from any error text. */
  secrets: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  fetch?: FetchFn | undefined;
}

export interface RestAnswer {
  /** The answer's JSON object (a fault never gets here). */
  json: JsonObject;
  status: number;
  /** The TrackingId response header (Microsoft's log entry id). */
  trackingId: string | undefined;
  /** A ProtocolError for JSON of the wrong shape, quoting the body's first bytes (scrubbed). */
  shapeError(problem: string): ProtocolError;
}

export async function postJson(call: RestCall): Promise<RestAnswer> {
  const ctx: RestFailureContext = { operation: call.operation, secrets: call.secrets, timeoutMs: call.timeoutMs, signal: call.signal };
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  const doFetch = call.fetch ?? fetch;
  let exchange: RestExchange;
  try {
    const response = await doFetch(call.url, {
      method: 'POST',
      headers: {
        ...call.headers,
        // A string body would otherwise go out as text/plain (REST-FACTS §3).
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': USER_AGENT,
      },
      body: JSON.stringify(call.body),
      signal,
      // A redirect would carry DeveloperToken to another host; it surfaces as a 3xx ProtocolError instead.
      redirect: 'manual',
    });
    // Read inside the try: the body can still time out, be aborted or be cut off.
    exchange = { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    throw errorFromRestException(error, ctx, timeout);
  }
  const json = readAnswer(exchange, ctx);
  return {
    json,
    status: exchange.status,
    trackingId: exchange.headers.get('trackingid')?.trim() || undefined,
    shapeError: (problem) => shapeError(exchange, ctx, problem),
  };
}

/** `msads-etl/<version> RestApi`, the way Microsoft's SDKs name themselves (informational, §3). */
export const USER_AGENT = `msads-etl/${packageVersion()} RestApi`;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(projectRoot, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
