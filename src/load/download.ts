import { randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { DownloadExpiredError, ReportFileError, TransportError } from '../errors.js';

/**
 * Streams a report download URL to a temp file under a byte cap. The URL's query string is a signature
 * (anyone holding it can fetch the report), so no message or error built here contains it.
 */

export interface DownloadOptions {
  dir: string;
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

const OPERATION = 'report download';

export async function downloadToFile(url: string, opts: DownloadOptions): Promise<{ path: string; bytes: number }> {
  if (!URL.canParse(url)) throw new TransportError(OPERATION, 'the download URL is not a valid URL');
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  const signal = AbortSignal.any(signals);
  const path = join(opts.dir, `report-${randomUUID()}.zip`);
  let bytes = 0;
  try {
    const response = await fetch(url, {
      signal,
      redirect: 'follow',
      // Identity, so Content-Length is the byte count we receive and can check for truncation.
      headers: { 'accept-encoding': 'identity' },
    });
    if (response.status === 403 || response.status === 404) {
      await response.body?.cancel();
      throw new DownloadExpiredError(response.status);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new TransportError(OPERATION, `HTTP ${response.status}`, { httpStatus: response.status });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > opts.maxBytes) {
      await response.body.cancel();
      throw new ReportFileError('too_large', `the report file is ${declared} bytes, over the ${opts.maxBytes}-byte cap`);
    }
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > opts.maxBytes) {
          callback(new ReportFileError('too_large', `the report file exceeds the ${opts.maxBytes}-byte cap`));
        } else {
          callback(null, chunk);
        }
      },
    });
    await pipeline(Readable.fromWeb(response.body as ReadableStream), counter, createWriteStream(path));
    if (Number.isFinite(declared) && !response.headers.has('content-encoding') && bytes !== declared) {
      throw new TransportError(OPERATION, `truncated: received ${bytes} of ${declared} bytes`);
    }
    return { path, bytes };
  } catch (err) {
    await fs.rm(path, { force: true });
    throw classify(err, opts);
  }
}

function classify(err: unknown, opts: DownloadOptions): unknown {
  if (err instanceof DownloadExpiredError || err instanceof ReportFileError || err instanceof TransportError) return err;
  if (opts.signal?.aborted) return opts.signal.reason;
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError') {
    return new TransportError(OPERATION, `timed out after ${opts.timeoutMs} ms`, { code: 'ETIMEDOUT', cause: err });
  }
  // undici reports resets and premature closes as TypeError("fetch failed" / "terminated") with a cause;
  // neither message nor code carries the URL.
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  const detail = (cause?.message ?? (err as Error).message ?? 'unknown error').replace(/(https?:\/\/[^\s?#]*)[?#]\S*/g, '$1');
  return new TransportError(OPERATION, `failed: ${code ?? detail}`, { code, cause: err });
}
