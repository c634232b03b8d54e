import { ProtocolError, RequestValidationError } from '../errors.js';
import type { BulkApi, BulkCallAuth, BulkDownloadRequest, BulkStatus } from '../ports/bulkApi.js';
import { isObject } from './jsonRead.js';
import { postJson, type FetchFn, type RestAnswer } from './restTransport.js';

/**
 * DownloadCampaignsByAccountIds and GetBulkDownloadStatus over REST (BULK-FACTS §1–§5, §10): one account
 * per download, FormatVersion "6.0", EntityData, Csv in a Zip, LastSyncTimeInUTC as ISO UTC with Z (or
 * null for a full download). Faults come through the same REST fault reader as reporting.
 */

export interface RestBulkOptions {
  /** e.g. https://bulk.api.bingads.microsoft.com/Bulk/v13 (MSADS_BULK_REST_URL). */
  baseUrl: string;
  timeoutMs: number;
  fetch?: FetchFn;
}

type Operation = 'DownloadCampaignsByAccountIds' | 'GetBulkDownloadStatus';
const PATHS: Record<Operation, string> = {
  DownloadCampaignsByAccountIds: '/Campaigns/DownloadByAccountIds',
  GetBulkDownloadStatus: '/BulkDownloadStatus/Query',
};

export function buildDownloadBody(request: BulkDownloadRequest): Record<string, unknown> {
  if (!/^\d{1,19}$/.test(request.accountId)) throw new RequestValidationError(`DownloadCampaignsByAccountIds: account id "${request.accountId}" is not a numeric id`);
  if (request.downloadEntities.length === 0) throw new RequestValidationError('DownloadCampaignsByAccountIds: no DownloadEntities (Microsoft answers 3210)');
  return {
    AccountIds: [request.accountId],
    CompressionType: 'Zip',
    DataScope: 'EntityData',
    DownloadEntities: [...request.downloadEntities],
    DownloadFileType: 'Csv',
    FormatVersion: '6.0',
    LastSyncTimeInUTC: request.lastSyncTime === null ? null : request.lastSyncTime.toISOString(),
  };
}

export function createRestBulkApi(options: RestBulkOptions): BulkApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const invoke = (operation: Operation, body: unknown, auth: BulkCallAuth, signal: AbortSignal | undefined): Promise<RestAnswer> => {
    for (const [name, value] of [['customerId', auth.customerId], ['accountId', auth.accountId]] as const) {
      if (!/^\d{1,19}$/.test(value)) throw new RequestValidationError(`${operation}: ${name} "${value}" is not a numeric id`);
    }
    const accessToken = auth.accessToken.reveal();
    const developerToken = auth.developerToken.reveal();
    return postJson({
      operation,
      url: `${base}${PATHS[operation]}`,
      headers: { Authorization: `Bearer ${accessToken}`, DeveloperToken: developerToken, CustomerId: auth.customerId, CustomerAccountId: auth.accountId },
      body,
      secrets: [accessToken, developerToken],
      timeoutMs: options.timeoutMs,
      signal,
      fetch: options.fetch,
    });
  };
  return {
    async submitDownload(auth, request, signal) {
      const answer = await invoke('DownloadCampaignsByAccountIds', buildDownloadBody(request), auth, signal);
      const id = answer.json.DownloadRequestId;
      if (typeof id !== 'string' || id.trim() === '') throw answer.shapeError('response has no DownloadRequestId');
      return { downloadRequestId: id.trim(), ...(answer.trackingId ? { trackingId: answer.trackingId } : {}) };
    },
    async downloadStatus(auth, downloadRequestId, signal) {
      if (downloadRequestId.trim() === '') throw new RequestValidationError('GetBulkDownloadStatus needs a RequestId');
      const answer = await invoke('GetBulkDownloadStatus', { RequestId: downloadRequestId }, auth, signal);
      return readStatus(answer);
    },
  };
}

function readStatus(answer: RestAnswer): BulkStatus {
  const json = answer.json;
  const tracking = answer.trackingId ? { trackingId: answer.trackingId } : {};
  const status = typeof json.RequestStatus === 'string' ? json.RequestStatus.trim() : undefined;
  switch (status) {
    case 'InProgress':
      return { status, percentComplete: typeof json.PercentComplete === 'number' ? json.PercentComplete : 0, ...tracking };
    case 'Completed': {
      const url = json.ResultFileUrl;
      if (typeof url !== 'string' || url.trim() === '') throw answer.shapeError('RequestStatus Completed without a ResultFileUrl');
      return { status, resultFileUrl: url.trim(), ...tracking };
    }
    case 'Failed':
    case 'FailedFullSyncRequired': {
      const errors = (Array.isArray(json.Errors) ? json.Errors.filter(isObject) : []).map((e) => ({
        code: typeof e.Code === 'number' ? e.Code : typeof e.Code === 'string' && /^\d+$/.test(e.Code) ? Number(e.Code) : undefined,
        errorCode: typeof e.ErrorCode === 'string' ? e.ErrorCode : undefined,
        message: typeof e.Message === 'string' ? e.Message : '',
      }));
      return status === 'Failed' ? { status, errors, ...tracking } : { status, errors, ...tracking };
    }
    default:
      throw new ProtocolError('GetBulkDownloadStatus', `RequestStatus is "${status ?? '(missing)'}", not InProgress/Completed/Failed/FailedFullSyncRequired`, answer.status);
  }
}
