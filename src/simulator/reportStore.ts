import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ReportSpec } from './reportRequest.js';

/**
 * Submitted reports and the download URLs issued for them. A report is Pending until `readyAt`, then
 * ends as decided at submit time. Each Poll of a finished report issues a new URL, signed like an
 * Azure SAS (HMAC over the blob id and expiry), valid for the configured TTL.
 */

export type ReportOutcome = 'Success' | 'Error' | 'Empty';
export type ReportStatus = 'Pending' | 'Success' | 'Error';

export interface StoredReport {
  id: string;
  /** The user who submitted it: only the same user may poll it. */
  connectionId: string;
  customerId: string;
  spec: ReportSpec;
  submittedAt: number;
  readyAt: number;
  outcome: ReportOutcome;
}

export type DownloadCheck =
  | { ok: true; report: StoredReport }
  | { ok: false; status: 403 | 404; code: string; message: string };

/** Microsoft: a ReportRequestId is valid for at most one day. */
const REPORT_LIFETIME_MS = 86_400_000;

export class ReportStore {
  readonly #reports = new Map<string, StoredReport>();
  readonly #urls = new Map<string, { reportId: string; expiresAt: number; dead: boolean }>();
  readonly #key = randomBytes(32);

  constructor(private readonly downloadUrlTtlMs: number) {}

  add(report: Omit<StoredReport, 'id'>): StoredReport {
    this.#prune(report.submittedAt);
    // Opaque, at most 40 characters, as Microsoft documents it.
    const stored = { ...report, id: `${report.submittedAt}${randomBytes(12).toString('hex')}`.slice(0, 40) };
    this.#reports.set(stored.id, stored);
    return stored;
  }

  get(id: string): StoredReport | undefined {
    return this.#reports.get(id);
  }

  status(report: StoredReport, now: number): ReportStatus {
    if (now < report.readyAt) return 'Pending';
    return report.outcome === 'Error' ? 'Error' : 'Success';
  }

  pendingCount(now: number, customerId?: string): number {
    let n = 0;
    for (const r of this.#reports.values()) if (r.readyAt > now && (customerId === undefined || r.customerId === customerId)) n++;
    return n;
  }

  /** A fresh signed download URL for a finished report. */
  issueUrl(report: StoredReport, base: string, now: number): string {
    const blob = randomBytes(16).toString('hex');
    const expiresAt = now + this.downloadUrlTtlMs;
    this.#urls.set(blob, { reportId: report.id, expiresAt, dead: false });
    const se = new Date(expiresAt).toISOString();
    return `${base}/downloads/${blob}?sv=2021-08-06&sr=b&sp=r&se=${encodeURIComponent(se)}&sig=${encodeURIComponent(this.#sign(blob, se))}`;
  }

  /** Checks a download request like Azure Blob storage would: blob known, signature valid, not expired. */
  checkDownload(blob: string, query: URLSearchParams, now: number): DownloadCheck {
    const entry = this.#urls.get(blob);
    const report = entry && this.#reports.get(entry.reportId);
    if (!entry || !report) return { ok: false, status: 404, code: 'BlobNotFound', message: 'The specified blob does not exist.' };
    const se = query.get('se') ?? '';
    const sig = Buffer.from(query.get('sig') ?? '');
    const expected = Buffer.from(this.#sign(blob, se));
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) {
      return { ok: false, status: 403, code: 'AuthenticationFailed', message: 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\nSignature did not match.' };
    }
    if (entry.dead || now > entry.expiresAt) {
      return { ok: false, status: 403, code: 'AuthenticationFailed', message: `Server failed to authenticate the request.\nSigned expiry time [${se}] must be after signed start time [${new Date(now).toISOString()}]` };
    }
    return { ok: true, report };
  }

  /** Kills one URL for good (expireDownloadUrls fault). */
  killUrl(blob: string): void {
    const entry = this.#urls.get(blob);
    if (entry) entry.dead = true;
  }

  #sign(blob: string, se: string): string {
    return createHmac('sha256', this.#key).update(`${blob}\n${se}`).digest('base64');
  }

  #prune(now: number): void {
    for (const [id, r] of this.#reports) if (r.submittedAt + REPORT_LIFETIME_MS < now) this.#reports.delete(id);
    for (const [blob, u] of this.#urls) if (u.expiresAt + 3_600_000 < now || !this.#reports.has(u.reportId)) this.#urls.delete(blob);
  }
}
