import { parse } from 'csv-parse/sync';
import unzipper from 'unzipper';
import type { Simulator } from '../../src/simulator/index.js';
import { ACCOUNT } from './helpers.js';
import { restHeaders, restPost, type RestAnswer, type RestCredentials } from './restHelpers.js';

/** Helpers for the simulator's Bulk tests: the §3.1 body, calls, polling and the file read by header name (BULK-FACTS). */

export const ENTITIES = ['Campaigns', 'AdGroups', 'Ads', 'Keywords', 'AssetGroups', 'Labels', 'Budgets', 'CampaignLabels', 'AdGroupLabels', 'KeywordLabels'];

export function downloadBody(overrides: Record<string, unknown> = {}, accountId = ACCOUNT): Record<string, unknown> {
  return {
    AccountIds: [accountId],
    CompressionType: 'Zip',
    DataScope: 'EntityData',
    DownloadEntities: ENTITIES,
    DownloadFileType: 'Csv',
    FormatVersion: '6.0',
    LastSyncTimeInUTC: null,
    ...overrides,
  };
}

export const downloadUrl = (sim: Simulator) => `${sim.urls.bulkRest}/Campaigns/DownloadByAccountIds`;
export const statusUrl = (sim: Simulator) => `${sim.urls.bulkRest}/BulkDownloadStatus/Query`;

export const postDownload = (sim: Simulator, c: RestCredentials, body: unknown = downloadBody(), override: Record<string, string | undefined> = {}): Promise<RestAnswer> =>
  restPost(downloadUrl(sim), body, restHeaders(c, override));

export async function submitBulk(sim: Simulator, c: RestCredentials, overrides: Record<string, unknown> = {}): Promise<string> {
  const answer = await postDownload(sim, c, downloadBody(overrides, c.accountId ?? ACCOUNT));
  const id = answer.json?.DownloadRequestId;
  if (answer.status !== 200 || typeof id !== 'string') throw new Error(`bulk download failed (HTTP ${answer.status}): ${answer.text.slice(0, 600)}`);
  return id;
}

export interface BulkStatus {
  Errors: { Code: number; Details: string | null; ErrorCode: string; Message: string }[] | null;
  ForwardCompatibilityMap: null;
  PercentComplete: number;
  RequestStatus: string;
  ResultFileUrl: string | null;
}

export async function pollBulk(sim: Simulator, c: RestCredentials, id: string): Promise<BulkStatus> {
  const answer = await restPost(statusUrl(sim), { RequestId: id }, restHeaders(c));
  if (answer.status !== 200 || !answer.json) throw new Error(`bulk status failed (HTTP ${answer.status}): ${answer.text.slice(0, 600)}`);
  return answer.json as unknown as BulkStatus;
}

export async function pollBulkUntilDone(sim: Simulator, c: RestCredentials, id: string): Promise<BulkStatus> {
  for (let i = 0; i < 500; i++) {
    const s = await pollBulk(sim, c, id);
    if (s.RequestStatus !== 'InProgress') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`bulk download ${id} still InProgress`);
}

export interface BulkFile {
  /** The CSV text, BOM included. */
  text: string;
  entries: number;
  headers: string[];
  /** Rows by header name, empty cells left out. */
  rows: Record<string, string>[];
}

export async function readBulkZip(bytes: Buffer): Promise<BulkFile> {
  const dir = await unzipper.Open.buffer(bytes);
  const first = dir.files[0];
  if (!first) throw new Error('bulk zip without entries');
  const text = (await first.buffer()).toString('utf8');
  const records = parse(text, { bom: true, relax_column_count: false }) as string[][];
  const headers = records[0] ?? [];
  const rows = records.slice(1).map((values) => {
    const row: Record<string, string> = {};
    headers.forEach((h, i) => {
      const v = values[i] ?? '';
      if (v !== '') row[h] = v;
    });
    return row;
  });
  return { text, entries: dir.files.length, headers, rows };
}

/** Submit, poll until Completed, fetch and read the file. */
export async function downloadBulk(sim: Simulator, c: RestCredentials, overrides: Record<string, unknown> = {}): Promise<BulkFile & { status: BulkStatus; id: string }> {
  const id = await submitBulk(sim, c, overrides);
  const status = await pollBulkUntilDone(sim, c, id);
  if (status.RequestStatus !== 'Completed' || !status.ResultFileUrl) throw new Error(`bulk download ended ${status.RequestStatus}: ${JSON.stringify(status.Errors)}`);
  const res = await fetch(status.ResultFileUrl);
  if (res.status !== 200) throw new Error(`bulk file HTTP ${res.status}`);
  return { ...(await readBulkZip(Buffer.from(await res.arrayBuffer()))), status, id };
}

/** `sim.bulk.entities` as file rows (Type + fields). */
export const entityRows = (sim: Simulator, accountId = ACCOUNT): Record<string, string>[] => sim.bulk.entities(accountId).map((e) => ({ Type: e.type, ...e.fields }));

/** MM/DD/YYYY HH:MM:SS (UTC) → ISO with Z, as a client sends it back as LastSyncTimeInUTC. */
export function syncTimeIso(syncTime: string): string {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(syncTime);
  if (!m) throw new Error(`not a Sync Time: ${syncTime}`);
  return `${m[3]}-${m[1]}-${m[2]}T${m[4]}:${m[5]}:${m[6]}Z`;
}
