import type { ReportingCallAuth } from './reportingApi.js';

/**
 * Microsoft's Bulk service as the entity runs need it (BULK-FACTS §1–§5): request a download of one
 * account's entities, full or since a Sync Time, and read its status until the file is ready.
 * Nothing outside the adapter (src/rest/bulkClient.ts) knows the JSON.
 */

export type BulkCallAuth = ReportingCallAuth;

export interface BulkDownloadRequest {
  accountId: string;
  /** DownloadEntities values (catalog.ts downloadEntitiesFor). */
  downloadEntities: readonly string[];
  /** null: a full download; otherwise the Sync Time of the last file loaded. */
  lastSyncTime: Date | null;
}

export type BulkStatus =
  | { status: 'InProgress'; percentComplete: number; trackingId?: string }
  | { status: 'Completed'; resultFileUrl: string; trackingId?: string }
  | { status: 'Failed'; errors: BulkStatusError[]; trackingId?: string }
  | { status: 'FailedFullSyncRequired'; errors: BulkStatusError[]; trackingId?: string };

export interface BulkStatusError {
  code: number | undefined;
  errorCode: string | undefined;
  message: string;
}

export interface BulkApi {
  submitDownload(auth: BulkCallAuth, request: BulkDownloadRequest, signal?: AbortSignal): Promise<{ downloadRequestId: string; trackingId?: string }>;
  downloadStatus(auth: BulkCallAuth, downloadRequestId: string, signal?: AbortSignal): Promise<BulkStatus>;
}
