import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A local HTTP server standing in for Microsoft's REST endpoints (Reporting and Customer Management):
 * records every request exactly as it arrived (method, path, headers, raw body) and answers with a
 * scripted reply. The default reply is a minimal success body per path. Tests await `nextRequest()`
 * instead of sleeping.
 */

export interface RecordedRestRequest {
  method: string;
  /** e.g. /Reporting/v13/GenerateReport/Submit */
  path: string;
  /** Lower-cased names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The body byte for byte (UTF-8). */
  body: string;
}

export type RestStubReply =
  | { status?: number; headers?: Record<string, string>; body: string | object; gzip?: boolean }
  /** Never answer (timeout / abort tests). */
  | { hang: true }
  /** Close the socket without an answer (connection reset). */
  | { destroy: true };

export type RestStubHandler = (request: RecordedRestRequest) => RestStubReply;

export interface RestStub {
  /** http://127.0.0.1:<port> — append /Reporting/v13 or /CustomerManagement/v13. */
  origin: string;
  requests: RecordedRestRequest[];
  setHandler(handler: RestStubHandler): void;
  /** Resolves with the next request to arrive. */
  nextRequest(): Promise<RecordedRestRequest>;
  close(): Promise<void>;
}

export const defaultRestReply: RestStubHandler = (req) => {
  if (req.path.endsWith('/GenerateReport/Submit')) return { body: { ReportRequestId: 'rr-1' } };
  if (req.path.endsWith('/GenerateReport/Poll')) return { body: { ReportRequestStatus: { Status: 'Pending', ReportDownloadUrl: null } } };
  if (req.path.endsWith('/User/Query')) return { body: { User: { Id: '42' }, CustomerRoles: [] } };
  if (req.path.endsWith('/Accounts/Search')) return { body: { Accounts: [] } };
  return { status: 404, body: '' };
};

export async function startRestStub(handler: RestStubHandler = defaultRestReply): Promise<RestStub> {
  let current = handler;
  const requests: RecordedRestRequest[] = [];
  let waiters: ((r: RecordedRestRequest) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const ws = waiters;
      waiters = [];
      for (const w of ws) w(recorded);
      send(res, current(recorded));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    setHandler(h) {
      current = h;
    },
    nextRequest() {
      return new Promise((r) => waiters.push(r));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function send(res: ServerResponse, reply: RestStubReply): void {
  if ('hang' in reply) return;
  if ('destroy' in reply) {
    res.socket?.destroy();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...reply.headers };
  if (reply.gzip) headers['content-encoding'] = 'gzip';
  res.writeHead(reply.status ?? 200, headers);
  res.end(reply.gzip ? gzipSync(text) : text);
}
