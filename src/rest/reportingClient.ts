import { ProtocolError, RequestValidationError } from '../errors.js';
import type { PollResult, ReportingApi, ReportingCallAuth } from '../ports/reportingApi.js';
import { isObject } from './jsonRead.js';
import { buildSubmitGenerateReportBody } from './reportRequestJson.js';
import { postJson, type FetchFn, type RestAnswer } from './restTransport.js';

/**
 * SubmitGenerateReport / PollGenerateReport over REST (REST-FACTS §5, §6): the REST adapter of the
 * reporting port, behaving like src/soap/reportingClient.ts — same input checks before anything is
 * sent, same results, same typed errors for the same Microsoft error.
 */

export interface RestReportingOptions {
  /** e.g. https://reporting.api.bingads.microsoft.com/Reporting/v13 (a trailing slash is ignored). */
  baseUrl: string;
  /** Per call, the whole exchange including the body. */
  timeoutMs: number;
  /** For tests or instrumentation; defaults to the global fetch. */
  fetch?: FetchFn;
}

type Operation = 'SubmitGenerateReport' | 'PollGenerateReport';
const PATHS: Record<Operation, string> = { SubmitGenerateReport: '/GenerateReport/Submit', PollGenerateReport: '/GenerateReport/Poll' };

export function createRestReportingApi(options: RestReportingOptions): ReportingApi {
  const base = options.baseUrl.replace(/\/+$/, '');

  const invoke = (operation: Operation, body: unknown, auth: ReportingCallAuth, signal: AbortSignal | undefined): Promise<RestAnswer> => {
    checkAuth(operation, auth);
    const accessToken = auth.accessToken.reveal();
    const developerToken = auth.developerToken.reveal();
    return postJson({
      operation,
      url: `${base}${PATHS[operation]}`,
      headers: {
        Authorization: `Bearer ${accessToken}`,
        DeveloperToken: developerToken,
        CustomerId: auth.customerId,
        CustomerAccountId: auth.accountId,
      },
      body,
      secrets: [accessToken, developerToken],
      timeoutMs: options.timeoutMs,
      signal,
      fetch: options.fetch,
    });
  };

  return {
    api: 'rest',
    async submit(auth, request, signal) {
      // Builds (and refuses bad input) before anything is sent.
      const body = buildSubmitGenerateReportBody(request);
      const answer = await invoke('SubmitGenerateReport', body, auth, signal);
      const id = answer.json.ReportRequestId;
      if (typeof id !== 'string' || id.trim() === '') {
        throw answer.shapeError('response has no ReportRequestId');
      }
      return withTracking({ reportRequestId: id.trim() }, answer.trackingId);
    },

    async poll(auth, reportRequestId, signal) {
      if (reportRequestId.trim() === '') throw new RequestValidationError('PollGenerateReport needs a ReportRequestId');
      const answer = await invoke('PollGenerateReport', { ReportRequestId: reportRequestId }, auth, signal);
      return readPollStatus(answer);
    },
  };
}

function readPollStatus(answer: RestAnswer): PollResult {
  const status = answer.json.ReportRequestStatus;
  if (!isObject(status)) throw answer.shapeError('response has no ReportRequestStatus');
  const value = typeof status.Status === 'string' ? status.Status.trim() : undefined;
  switch (value) {
    case 'Pending':
      return withTracking({ status: 'Pending' as const }, answer.trackingId);
    case 'Error':
      return withTracking({ status: 'Error' as const }, answer.trackingId);
    case 'Success': {
      const url = status.ReportDownloadUrl;
      // Absent or null (or empty) on Success = no data for the request: an empty report (§6).
      if (url !== undefined && url !== null && typeof url !== 'string') throw answer.shapeError('ReportDownloadUrl is not a string');
      const trimmed = url?.trim();
      return withTracking({ status: 'Success' as const, downloadUrl: trimmed ? trimmed : null }, answer.trackingId);
    }
    default:
      throw new ProtocolError('PollGenerateReport', `ReportRequestStatus.Status is "${value ?? '(missing)'}", not Pending/Success/Error`, answer.status);
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
