import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { Registry } from 'prom-client';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { assertSafeBinding, requireAuth, type DashboardCredentials } from './auth.js';

/**
 * The operations HTTP server. Routes:
 * - /healthz: the process is up (no auth: for orchestrators' liveness probes).
 * - /readyz: Postgres and Redis answer (no auth; 503 with which one does not).
 * - /metrics: Prometheus text of `registry` (behind the credentials when they are set).
 * - /queues: Bull Board over `queues` (dashboard only; always behind the credentials off loopback).
 */

export const BOARD_PATH = '/queues';

export interface OpsServerOptions {
  host: string;
  port: number;
  credentials: DashboardCredentials;
  registry: Registry;
  /** Named readiness checks; each must resolve within the timeout. */
  readiness: Record<string, () => Promise<unknown>>;
  /** Bull Board over these queues; without them the server is metrics-only. */
  queues?: readonly Queue[];
  logger: Logger;
}

export interface OpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 3_000;

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const board = options.queues !== undefined;
  // Metrics-only servers may be unauthenticated (Prometheus on a private network); the board never is off loopback.
  if (board) assertSafeBinding(options.host, options.credentials);
  const auth = requireAuth(options.credentials);
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), READY_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `failed: ${coerceError(err).message.slice(0, 200)}`] as const;
        }
      }),
    );
    const ready = checks.every(([, v]) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(checks) });
  });
  app.get('/metrics', auth, async (_req, res) => {
    try {
      const body = await options.registry.metrics();
      res.type(options.registry.contentType).send(body);
    } catch (err) {
      options.logger.warn({ err: coerceError(err) }, 'metrics collection failed');
      res.status(500).type('text/plain').send(`metrics collection failed: ${coerceError(err).message}\n`);
    }
  });

  if (board) {
    const serverAdapter = new ExpressAdapter().setBasePath(BOARD_PATH);
    createBullBoard({
      queues: (options.queues ?? []).map((q) => new BullMQAdapter(q, { allowRetries: true })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'msads-etl' } },
    });
    app.use(BOARD_PATH, auth, serverAdapter.getRouter() as express.Router);
    app.get('/', (_req, res) => res.redirect(BOARD_PATH));
  }

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  options.logger.info({ url, board, auth: options.credentials.password || options.credentials.token ? 'required' : 'none' }, board ? 'dashboard listening' : 'metrics listening');
  return {
    url,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}
