import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server standing in for Microsoft's ReportingService: records every request (headers and
 * the exact body the client sent) and answers with canned, Microsoft-shaped responses. Tests choose the
 * answer per request; the default answers Submit with a ReportRequestId and Poll with Pending.
 */

const REPORTING = 'https://bingads.microsoft.com/Reporting/v13';
const ADAPI = 'https://adapi.microsoft.com';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** SOAPAction without quotes, e.g. SubmitGenerateReport. */
  action: string;
}

export type StubReply =
  | { status?: number; headers?: Record<string, string>; body: string; delayMs?: number }
  /** Never answer (client timeout / abort tests). */
  | { hang: true }
  /** Close the socket without an answer (connection reset). */
  | { destroy: true };

export type StubHandler = (request: RecordedRequest) => StubReply | Promise<StubReply>;

export interface SoapStub {
  /** The endpoint to give the client. */
  url: string;
  requests: RecordedRequest[];
  setHandler(handler: StubHandler): void;
  close(): Promise<void>;
}

export async function startSoapStub(handler: StubHandler = defaultHandler): Promise<SoapStub> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const action = String(req.headers.soapaction ?? '').replace(/^"|"$/g, '');
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), action };
      requests.push(recorded);
      void Promise.resolve(current(recorded)).then((reply) => send(res, reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/Api/Advertiser/Reporting/v13/ReportingService.svc`,
    requests,
    setHandler(h) {
      current = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function send(res: ServerResponse, reply: StubReply): void {
  if ('hang' in reply) return;
  if ('destroy' in reply) {
    res.socket?.destroy();
    return;
  }
  const write = (): void => {
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml; charset=utf-8', ...reply.headers });
    res.end(reply.body);
  };
  if (reply.delayMs) setTimeout(write, reply.delayMs);
  else write();
}

export const defaultHandler: StubHandler = (req) =>
  req.action === 'PollGenerateReport' ? { body: pollResponse({ status: 'Pending' }) } : { body: submitResponse('rr-1') };

function envelope(body: string, trackingId?: string): string {
  const header = trackingId ? `<s:Header><TrackingId xmlns="${REPORTING}">${trackingId}</TrackingId></s:Header>` : '';
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">${header}<s:Body>${body}</s:Body></s:Envelope>`;
}

export function submitResponse(reportRequestId: string, trackingId = 'trk-submit'): string {
  return envelope(
    `<SubmitGenerateReportResponse xmlns="${REPORTING}"><ReportRequestId>${reportRequestId}</ReportRequestId></SubmitGenerateReportResponse>`,
    trackingId,
  );
}

export function pollResponse(
  status: { status: string; url?: string | null },
  trackingId = 'trk-poll',
): string {
  const url =
    status.url === undefined ? '' : status.url === null ? '<ReportDownloadUrl i:nil="true"/>' : `<ReportDownloadUrl>${escapeXml(status.url)}</ReportDownloadUrl>`;
  return envelope(
    `<PollGenerateReportResponse xmlns="${REPORTING}"><ReportRequestStatus xmlns:i="http://www.w3.org/2001/XMLSchema-instance">${url}<Status>${status.status}</Status></ReportRequestStatus></PollGenerateReportResponse>`,
    trackingId,
  );
}

export interface CannedError {
  code: number | string;
  errorCode?: string;
  message?: string;
  details?: string | null;
}

const FAULT_STRING = 'Invalid client data. Check the SOAP fault details for more information';

function fault(detail: string): string {
  return envelope(
    `<s:Fault><faultcode>s:Server</faultcode><faultstring xml:lang="en-US">${FAULT_STRING}</faultstring><detail>${detail}</detail></s:Fault>`,
  );
}

function errorFields(e: CannedError, detailName: 'Detail' | 'Details'): string {
  const details = e.details == null ? `<${detailName} i:nil="true"/>` : `<${detailName}>${escapeXml(e.details)}</${detailName}>`;
  return `<Code>${e.code}</Code>${details}<ErrorCode>${e.errorCode ?? ''}</ErrorCode><Message>${escapeXml(e.message ?? '')}</Message>`;
}

/** AdApiFaultDetail (adapi namespace): generic errors such as authentication (REPORTING-FACTS §6.1). */
export function adApiFault(errors: readonly CannedError[], trackingId = 'trk-fault'): string {
  const items = errors.map((e) => `<AdApiError>${errorFields(e, 'Detail')}</AdApiError>`).join('');
  return fault(
    `<AdApiFaultDetail xmlns="${ADAPI}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><TrackingId>${trackingId}</TrackingId><Errors>${items}</Errors></AdApiFaultDetail>`,
  );
}

/** ApiFaultDetail (Reporting namespace, TrackingId in adapi): request-specific errors. */
export function apiFault(
  parts: { operationErrors?: readonly CannedError[]; batchErrors?: readonly (CannedError & { index: number })[] },
  trackingId = 'trk-fault',
): string {
  const batch = (parts.batchErrors ?? [])
    .map((e) => `<BatchError><Code>${e.code}</Code><Details>${escapeXml(e.details ?? '')}</Details><ErrorCode>${e.errorCode ?? ''}</ErrorCode><Index>${e.index}</Index><Message>${escapeXml(e.message ?? '')}</Message></BatchError>`)
    .join('');
  const ops = (parts.operationErrors ?? []).map((e) => `<OperationError>${errorFields(e, 'Details')}</OperationError>`).join('');
  return fault(
    `<ApiFaultDetail xmlns="${REPORTING}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><TrackingId xmlns="${ADAPI}">${trackingId}</TrackingId><BatchErrors>${batch}</BatchErrors><OperationErrors>${ops}</OperationErrors></ApiFaultDetail>`,
  );
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
