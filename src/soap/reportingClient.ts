import type { Element } from '@xmldom/xmldom';
import { ProtocolError, RequestValidationError } from '../errors.js';
import type { PollResult, ReportingApi, ReportingCallAuth } from '../ports/reportingApi.js';
import { NS } from './namespaces.js';
import { buildReportRequest } from './reportRequest.js';
import { callSoap, createSoapTransport, type SoapTransport } from './soapTransport.js';
import { childText, firstChild } from './xmlRead.js';

/** SubmitGenerateReport / PollGenerateReport over SOAP 1.1 (the shared transport: src/soap/soapTransport.ts). */


export type { PollResult, ReportingCallAuth } from '../ports/reportingApi.js';
/** The SOAP adapter of the reporting port. */
export type ReportingService = ReportingApi;

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

export async function createReportingService(options: ReportingServiceOptions): Promise<ReportingService> {
  const transport = await createSoapTransport({
    ...options,
    namespace: NS.reporting,
    operations: ['SubmitGenerateReport', 'PollGenerateReport'],
    serviceName: 'Reporting',
  });

  return {
    api: 'soap',
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

async function invoke(
  transport: SoapTransport,
  operation: 'SubmitGenerateReport' | 'PollGenerateReport',
  args: Record<string, unknown>,
  auth: ReportingCallAuth,
  signal: AbortSignal | undefined,
): Promise<{ response: Element; status: number; trackingId: string | undefined }> {
  checkAuth(operation, auth);
  const accessToken = auth.accessToken.reveal();
  const developerToken = auth.developerToken.reveal();
  const values: Record<(typeof HEADER_NAMES)[number], string> = {
    AuthenticationToken: accessToken,
    CustomerAccountId: auth.accountId,
    CustomerId: auth.customerId,
    DeveloperToken: developerToken,
  };
  return callSoap(transport, {
    operation,
    args,
    headers: HEADER_NAMES.map((name) => [name, values[name]] as const),
    secrets: [accessToken, developerToken],
    signal,
  });
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
