import type { Element } from '@xmldom/xmldom';
import { Client, createClientAsync, HttpClient, type WSDL } from 'soap';
import { ProtocolError } from '../errors.js';
import { errorFromException, errorFromResponse, type FailureContext, type HttpExchange } from './faults.js';
import { childText, firstChild, parseXml, soapParts } from './xmlRead.js';

/**
 * One SOAP call to a Microsoft Advertising service with npm `soap`, shared by the Reporting and Customer
 * Management clients.
 *
 * Concurrency: node-soap keeps SOAP headers as mutable state on a Client, so a shared client would let
 * one account's call go out with another account's token. The WSDL is parsed once; every call builds its
 * own Client on that parsed WSDL (a constructor that only wires two methods) and adds its own headers,
 * so no header state outlives or crosses a call.
 *
 * Envelope: node-soap copies every xmlns:* it collected from the WSDL onto soap:Envelope (29 entries,
 * 28 duplicates of the Arrays namespace, with Microsoft's Reporting WSDL: REPORTING-FACTS §11.11/§13). The
 * requests we build declare every prefix they use locally, so the WSDL's copy is emptied once at load.
 */

export interface SoapTransport {
  wsdl: WSDL;
  /** Stateless (an axios instance and options), so one serves every call's Client. */
  httpClient: HttpClient;
  endpoint: string;
  timeoutMs: number;
  /** The service namespace: headers go in it, and the response element must be in it. */
  namespace: string;
}

type SoapAsyncMethod = (args: unknown, options: Record<string, unknown>) => Promise<unknown>;

/** Parses the WSDL (path or URL) once and checks it has the operations we call. */
export async function createSoapTransport(options: {
  wsdl: string;
  endpoint: string;
  timeoutMs: number;
  namespace: string;
  operations: readonly string[];
  serviceName: string;
}): Promise<SoapTransport> {
  // disableCache: node-soap caches parsed WSDLs process-wide by path, and we change ours below.
  const probe = await createClientAsync(options.wsdl, { disableCache: true }, options.endpoint);
  for (const op of options.operations) {
    if (typeof (probe as unknown as Record<string, unknown>)[`${op}Async`] !== 'function') {
      throw new Error(`WSDL ${options.wsdl} has no ${op} operation: is it the ${options.serviceName} v13 WSDL?`);
    }
  }
  probe.wsdl.xmlnsInEnvelope = '';
  return {
    wsdl: probe.wsdl,
    httpClient: new HttpClient({}),
    endpoint: options.endpoint,
    timeoutMs: options.timeoutMs,
    namespace: options.namespace,
  };
}

/**
 * Sends one operation with the given headers (values already revealed; `secrets` lists the ones to scrub
 * from any error) and returns the response element, the HTTP status and Microsoft's TrackingId. Every
 * failure becomes a typed error from src/errors.ts.
 */
export async function callSoap(
  transport: SoapTransport,
  call: {
    operation: string;
    args: Record<string, unknown>;
    headers: ReadonlyArray<readonly [name: string, value: string]>;
    secrets: string[];
    signal: AbortSignal | undefined;
  },
): Promise<{ response: Element; status: number; trackingId: string | undefined }> {
  const { operation } = call;
  const ctx: FailureContext = { operation, secrets: call.secrets, timeoutMs: transport.timeoutMs, signal: call.signal };
  const expected = `${operation}Response`;

  // One Client per call: its header list is this call's alone.
  const client = new Client(transport.wsdl, transport.endpoint, { httpClient: transport.httpClient });
  for (const [name, value] of call.headers) client.addSoapHeader({ [name]: value }, name, 'tns', transport.namespace);

  // Keep status, headers and body of the answer; never the axios response (it holds the request).
  let exchange: HttpExchange | undefined;
  client.on('response', (body: unknown, response: unknown) => {
    const r = response as { status?: unknown; headers?: unknown } | undefined;
    if (r && typeof r.status === 'number') {
      exchange = { status: r.status, headers: { ...(r.headers as object) }, body: typeof body === 'string' ? body : '' };
    }
  });

  const method = (client as unknown as Record<string, SoapAsyncMethod | undefined>)[`${operation}Async`];
  if (!method) throw new ProtocolError(operation, 'operation missing from the WSDL');
  const callOptions: Record<string, unknown> = { timeout: transport.timeoutMs };
  if (call.signal) callOptions.signal = call.signal;
  try {
    await method.call(client, call.args, callOptions);
  } catch (error) {
    // node-soap rejects on faults (any status), unparsable bodies and transport errors alike.
    throw exchange ? errorFromResponse(exchange, ctx, expected) : errorFromException(error, ctx);
  }
  if (!exchange) throw new ProtocolError(operation, 'no HTTP response was recorded');
  const doc = parseXml(exchange.body);
  const parts = doc && soapParts(doc);
  const response = parts && firstChild(parts.body);
  const ok = exchange.status >= 200 && exchange.status < 300;
  if (!ok || !response || response.localName !== expected || response.namespaceURI !== transport.namespace) {
    throw errorFromResponse(exchange, ctx, expected);
  }
  const trackingId = (parts.header && childText(parts.header, 'TrackingId')?.trim()) || undefined;
  return { response, status: exchange.status, trackingId };
}
