import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { consume, type FaultSwitches } from './faultSwitches.js';
import type { BuiltFile, ReportFiles } from './reportFiles.js';
import type { ReportStore } from './reportStore.js';
import { send } from './httpUtil.js';
import { xmlEscape } from './soapXml.js';
import type { SimulatorStats } from './stats.js';

/** The report download host: Microsoft serves report zips from Azure Blob storage through SAS URLs. */

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
  const blob = url.pathname.slice('/downloads/'.length);
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
  // Headers first, then a pause: the client is mid-download for that long (crash tests kill it there).
  if (deps.faults.downloadLatencyMs > 0) {
    res.flushHeaders();
    await new Promise((resolve) => setTimeout(resolve, deps.faults.downloadLatencyMs));
  }
  await pipeline(createReadStream(file.path), res).catch(() => res.destroy());
}
