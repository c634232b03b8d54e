import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { consume, fileVariant, type FaultSwitches } from './faultSwitches.js';
import type { AccountShape } from './generator.js';
import type { ReportStore, StoredReport } from './reportStore.js';
import { bombCsvStream, servedCsvStream, type ServedReport } from './servedCsv.js';
import { send } from './httpUtil.js';
import { xmlEscape } from './soapXml.js';
import type { SimulatorStats } from './stats.js';
import { writeZipFile } from './reportZip.js';

/**
 * The report download host (Microsoft serves these from Azure Blob storage with SAS URLs). A report's
 * zip is built on first download into a temp file and reused until a file-shaping fault switch changes.
 */

export function servedReport(report: StoredReport): ServedReport {
  const { spec } = report;
  return {
    accountIds: spec.accountIds,
    columns: spec.columns,
    aggregation: spec.aggregation,
    from: spec.window.from,
    to: spec.window.to,
    reportName: spec.reportName ?? `${spec.requestType.replace(/Request$/, '')}-${new Date(report.submittedAt).toISOString()}`,
    excludeReportHeader: spec.excludeReportHeader,
    excludeReportFooter: spec.excludeReportFooter,
    excludeColumnHeaders: spec.excludeColumnHeaders,
  };
}

interface BuiltFile {
  path: string;
  size: number;
}

export class ReportFiles {
  readonly #built = new Map<string, { variant: string; file: Promise<BuiltFile> }>();
  #counter = 0;

  constructor(
    private readonly dir: string,
    private readonly seed: string,
    private readonly shape: AccountShape | undefined,
  ) {}

  /** The zip for a report as the current fault switches shape it. */
  get(report: StoredReport, faults: FaultSwitches): Promise<BuiltFile> {
    const variant = fileVariant(faults);
    const cached = this.#built.get(report.id);
    if (cached && cached.variant === variant) return cached.file;
    if (cached) void cached.file.then((f) => rm(f.path, { force: true })).catch(() => undefined);
    const file = this.#build(report, faults);
    this.#built.set(report.id, { variant, file });
    // A failed build must not stick: the next download tries again.
    file.catch(() => {
      if (this.#built.get(report.id)?.file === file) this.#built.delete(report.id);
    });
    return file;
  }

  async #build(report: StoredReport, faults: FaultSwitches): Promise<BuiltFile> {
    const path = join(this.dir, `${report.id}-${++this.#counter}.zip`);
    const served = servedReport(report);
    const bomb = faults.zipBombBytes;
    const damage = { layout: faults.csvHeaderLayout, columnsMismatch: faults.columnsMismatch, raggedRows: faults.raggedRows, nonNumericValue: faults.nonNumericValue };
    const csv = () => (bomb > 0 ? bombCsvStream(served.columns, bomb) : servedCsvStream(served, this.seed, this.shape, damage));
    const size = await writeZipFile(path, `${report.id}.csv`, csv, {
      noEntry: faults.zipWithNoEntry,
      secondEntry: faults.zipWithTwoEntries,
      corrupt: faults.corruptZip,
    });
    return { path, size };
  }
}

const blobError = (code: string, message: string) =>
  `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;

export interface DownloadDeps {
  store: ReportStore;
  files: ReportFiles;
  faults: FaultSwitches;
  stats: SimulatorStats;
}

export async function handleDownload(deps: DownloadDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reject = (status: number, code: string, message: string) => {
    deps.stats.downloadsRejected++;
    send(res, status, 'application/xml', blobError(code, message), { 'x-ms-error-code': code });
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return reject(405, 'UnsupportedHttpVerb', 'The resource doesn\'t support specified Http Verb.');
  const blob = decodeURIComponent(url.pathname.slice('/downloads/'.length));
  const check = deps.store.checkDownload(blob, url.searchParams, Date.now());
  if (!check.ok) return reject(check.status, check.code, check.message);
  if (consume(deps.faults, 'expireDownloadUrls')) {
    deps.store.killUrl(blob);
    return reject(403, 'AuthenticationFailed', 'Server failed to authenticate the request.\nSigned expiry time has passed (simulator fault expireDownloadUrls).');
  }
  let file: BuiltFile;
  try {
    file = await deps.files.get(check.report, deps.faults);
  } catch {
    return send(res, 500, 'application/xml', blobError('InternalError', 'The server encountered an internal error. Please retry the request.'));
  }
  deps.stats.downloads++;
  res.writeHead(200, {
    'Content-Type': 'application/zip',
    'Content-Length': String(file.size),
    'Content-Disposition': `attachment; filename="${check.report.id}.zip"`,
    'x-ms-blob-type': 'BlockBlob',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.path), res).catch(() => res.destroy());
}
