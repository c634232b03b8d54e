import type { Element } from '@xmldom/xmldom';
import { Client, createClientAsync, HttpClient, type WSDL } from 'soap';
import { ProtocolError, RequestValidationError } from '../errors.js';
import type { Secret } from '../secret.js';
import { errorFromException, errorFromResponse, type FailureContext, type HttpExchange } from './faults.js';
import { NS } from './namespaces.js';
import { buildReportRequest, type ReportRequestSpec } from './reportRequest.js';
import { childText, firstChild, parseXml, soapParts } from './xmlRead.js';

/**
 * SubmitGenerateReport / PollGenerateReport over SOAP 1.1 with npm `soap`.
 *
 * Concurrency: node-soap keeps SOAP headers as mutable state on a Client, so a shared client would let
 * one account's call go out with another account's token. The WSDL is parsed once; every call builds its
 * own Client on that parsed WSDL (a constructor that only wires two methods) and adds its own headers,
 * so no header state outlives or crosses a call.
 *
 * Envelope: node-soap copies every xmlns:* it collected from the WSDL onto soap:Envelope (29 entries,
 * 28 duplicates of the Arrays namespace, with Microsoft's WSDL: REPORTING-FACTS §11.11/§13). The
 * requests we build declare every prefix they use locally, so the WSDL's copy is emptied once at load.
 */

export interface ReportingCallAuth {
  accessToken: Secret;
  developerToken: Secret;
  /** CustomerId header: the customer that owns or manages the account (SearchAccounts ParentCustomerId). */
  customerId: string;
  /** CustomerAccountId header: the advertiser account id. */
  accountId: string;
}

export type PollResult =
  | { status: 'Pending'; trackingId?: string }
  /** downloadUrl null = Success without data (Microsoft returns no URL for an empty report). */
  | { status: 'Success'; downloadUrl: string | null; trackingId?: string }
  | { status: 'Error'; trackingId?: string };

export interface ReportingService {
  submit(
    auth: ReportingCallAuth,
    request: ReportRequestSpec,
    signal?: AbortSignal,
  ): Promise<{ reportRequestId: string; trackingId?: string }>;
  poll(auth: ReportingCallAuth, reportRequestId: string, signal?: AbortSignal): Promise<PollResult>;
}

export interface ReportingServiceOptions {
  /** Path or URL of the Reporting WSDL: the bundled one or Microsoft's official one. */
  wsdl: string;
  /** Where to POST; overrides the WSDL's soap:address. */
  endpoint: string;
  /** Per call: axios timeout for the whole exchange. */
  timeoutMs: number;
}

/** Header parts of both operations, in Microsoft's order; all in the Reporting namespace (§2.1). */
const HEADER_NAMES = ['AuthenticationToken', 'CustomerAccountId', 'CustomerId', 'DeveloperToken'] as const;

interface Transport {
  wsdl: WSDL;
  httpClient: HttpClient;
  endpoint: string;
  timeoutMs: number;
}

type SoapAsyncMethod = (args: unknown, options: Record<string, unknown>) => Promise<unknown>;

export async function createReportingService(options: ReportingServiceOptions): Promise<ReportingService> {
  const wsdl = await loadWsdl(options);
  // Stateless (an axios instance and options), so one serves every call's Client.
  const transport: Transport = { wsdl, httpClient: new HttpClient({}), endpoint: options.endpoint, timeoutMs: options.timeoutMs };

  return {
    async submit(auth, request, signal) {
      // Builds (and refuses bad input) before anything is sent.
      const args = { ReportRequest: buildReportRequest(request) };
      const { response, status, trackingId } = await invoke(transport, 'SubmitGenerateReport', args, auth, signal);
      const id = childText(response, 'ReportRequestId')?.trim();
      if (!id) throw new ProtocolError('SubmitGenerateReport', 'response has no ReportRequestId', status);
      return withTracking({ reportRequestId: id }, trackingId);
    },

    async poll(auth, reportRequestId, signal) {
      if (reportRequestId.trim() === '') throw new RequestValidationError('PollGenerateReport needs a ReportRequestId');
      const args = { ReportRequestId: reportRequestId };
      const { response, status, trackingId } = await invoke(transport, 'PollGenerateReport', args, auth, signal);
      return readPollStatus(response, status, trackingId);
    },
  };
}

async function loadWsdl(options: ReportingServiceOptions): Promise<WSDL> {
  // disableCache: node-soap caches parsed WSDLs process-wide by path, and we change ours below.
  const probe = await createClientAsync(options.wsdl, { disableCache: true }, options.endpoint);
  for (const op of ['SubmitGenerateReportAsync', 'PollGenerateReportAsync']) {
    if (typeof (probe as unknown as Record<string, unknown>)[op] !== 'function') {
      throw new Error(`WSDL ${options.wsdl} has no ${op.replace(/Async$/, '')} operation: is it the Reporting v13 WSDL?`);
    }
  }
  probe.wsdl.xmlnsInEnvelope = '';
  return probe.wsdl;
}

async function invoke(
  transport: Transport,
  operation: 'SubmitGenerateReport' | 'PollGenerateReport',
  args: Record<string, unknown>,
  auth: ReportingCallAuth,
  signal: AbortSignal | undefined,
): Promise<{ response: Element; status: number; trackingId: string | undefined }> {
  checkAuth(operation, auth);
  const accessToken = auth.accessToken.reveal();
  const developerToken = auth.developerToken.reveal();
  const ctx: FailureContext = { operation, secrets: [accessToken, developerToken], timeoutMs: transport.timeoutMs, signal };
  const expected = `${operation}Response`;

  // One Client per call: its header list is this call's alone (see the file comment).
  const client = new Client(transport.wsdl, transport.endpoint, { httpClient: transport.httpClient });
  const headerValues = { AuthenticationToken: accessToken, CustomerAccountId: auth.accountId, CustomerId: auth.customerId, DeveloperToken: developerToken };
  for (const name of HEADER_NAMES) client.addSoapHeader({ [name]: headerValues[name] }, name, 'tns', NS.reporting);

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
  if (signal) callOptions.signal = signal;
  try {
    await method.call(client, args, callOptions);
  } catch (error) {
    // node-soap rejects on faults (any status), unparsable bodies and transport errors alike.
    throw exchange ? errorFromResponse(exchange, ctx, expected) : errorFromException(error, ctx);
  }
  if (!exchange) throw new ProtocolError(operation, 'no HTTP response was recorded');
  const doc = parseXml(exchange.body);
  const parts = doc && soapParts(doc);
  const response = parts && firstChild(parts.body);
  const ok = exchange.status >= 200 && exchange.status < 300;
  if (!ok || !response || response.localName !== expected || response.namespaceURI !== NS.reporting) {
    throw errorFromResponse(exchange, ctx, expected);
  }
  const trackingId = (parts.header && childText(parts.header, 'TrackingId')?.trim()) || undefined;
  return { response, status: exchange.status, trackingId };
}

function readPollStatus(response: Element, httpStatus: number, trackingId: string | undefined): PollResult {
  const status = firstChild(response, 'ReportRequestStatus');
  const value = status && childText(status, 'Status')?.trim();
  switch (value) {
    case 'Pending':
      return withTracking({ status: 'Pending' as const }, trackingId);
    case 'Error':
      return withTracking({ status: 'Error' as const }, trackingId);
    case 'Success': {
      const url = childText(status!, 'ReportDownloadUrl')?.trim();
      return withTracking({ status: 'Success' as const, downloadUrl: url ? url : null }, trackingId);
    }
    default:
      throw new ProtocolError('PollGenerateReport', `ReportRequestStatus.Status is "${value ?? '(missing)'}", not Pending/Success/Error`, httpStatus);
  }
}

function checkAuth(operation: string, auth: ReportingCallAuth): void {
  // Ids are Int64 decimal strings; anything else would only come back as a 105/106 fault.
  for (const [name, value] of [['customerId', auth.customerId], ['accountId', auth.accountId]] as const) {
    if (!/^\d{1,19}$/.test(value)) throw new RequestValidationError(`${operation}: ${name} "${value}" is not a numeric id`);
  }
}

function withTracking<T extends object>(value: T, trackingId: string | undefined): T & { trackingId?: string } {
  return trackingId === undefined ? value : { ...value, trackingId };
}
