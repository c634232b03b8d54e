import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadExpiredError, ReportFileError, TransportError } from '../../src/errors.js';
import { downloadToFile } from '../../src/load/download.js';
import { tempDir } from './fixtures.js';

const SIGNATURE = 'sig=SECRET-SIGNATURE-abc123';
const BODY = Buffer.from('PK\u0003\u0004 pretend zip bytes '.repeat(1000));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes: Record<string, Handler> = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-length': BODY.length }).end(BODY),
  '/chunked': (_req, res) => {
    res.writeHead(200);
    res.write(BODY.subarray(0, 1000));
    res.end(BODY.subarray(1000));
  },
  '/expired': (_req, res) => res.writeHead(403).end('<Error>AuthenticationFailed</Error>'),
  '/gone': (_req, res) => res.writeHead(404).end('not found'),
  '/broken': (_req, res) => res.writeHead(500).end('oops'),
  '/big': (_req, res) => res.writeHead(200, { 'content-length': 10_000_000 }).end(),
  '/big-chunked': (_req, res) => {
    res.writeHead(200);
    const piece = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    const more = () => {
      while (sent < 5_000_000) {
        sent += piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  },
  '/truncated': (req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 100), () => req.socket.destroy());
  },
  '/slow': (_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 10));
  },
};

let server: Server;
let base: string;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  tmp = tempDir();
  server = createServer((req, res) => (routes[new URL(req.url ?? '/', 'http://x').pathname] ?? routes['/gone'])?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  tmp.remove();
});

const opts = (over: Partial<{ maxBytes: number; timeoutMs: number; signal: AbortSignal }> = {}) => ({
  dir: tmp.dir,
  maxBytes: 1_000_000,
  timeoutMs: 5_000,
  ...over,
});

async function failure(path: string, over = {}): Promise<Error> {
  const err = await downloadToFile(`${base}${path}?${SIGNATURE}`, opts(over)).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(Error);
  // Never the signature, and no temp file left behind.
  expect(`${err?.message} ${String((err?.cause as Error | undefined)?.message)}`).not.toContain('SECRET');
  expect(readdirSync(tmp.dir)).toEqual([]);
  return err as Error;
}

describe('downloadToFile', () => {
  it('streams the body to a temp file', async () => {
    for (const path of ['/ok', '/chunked']) {
      const result = await downloadToFile(`${base}${path}?${SIGNATURE}`, opts());
      expect(result.bytes).toBe(BODY.length);
      expect(readFileSync(result.path)).toEqual(BODY);
      expect(result.path.startsWith(tmp.dir)).toBe(true);
      rmSync(result.path);
    }
  });

  it('403 and 404 are DownloadExpiredError', async () => {
    expect(await failure('/expired')).toBeInstanceOf(DownloadExpiredError);
    const gone = await failure('/gone');
    expect(gone).toBeInstanceOf(DownloadExpiredError);
    expect((gone as DownloadExpiredError).httpStatus).toBe(404);
  });

  it('other statuses, truncation and timeouts are TransportError', async () => {
    const broken = await failure('/broken');
    expect(broken).toBeInstanceOf(TransportError);
    expect((broken as TransportError).httpStatus).toBe(500);
    expect(await failure('/truncated')).toBeInstanceOf(TransportError);
    const slow = await failure('/slow', { timeoutMs: 300 });
    expect(slow).toBeInstanceOf(TransportError);
    expect(slow.message).toContain('timed out');
  });

  it('a file over the cap is too_large, declared or not', async () => {
    for (const path of ['/big', '/big-chunked']) {
      const err = await failure(path);
      expect(err).toBeInstanceOf(ReportFileError);
      expect((err as ReportFileError).reason).toBe('too_large');
    }
  });

  it("a caller's abort rejects with the abort reason", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    const err = await failure('/slow', { signal: controller.signal });
    expect(err.message).toBe('shutting down');
  });

  it('an unreachable server is TransportError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await downloadToFile(`http://127.0.0.1:${port}/r.zip?${SIGNATURE}`, opts()).then(
      () => new Error('downloaded'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('SECRET');
    expect(readdirSync(tmp.dir)).toEqual([]);
  });
});
