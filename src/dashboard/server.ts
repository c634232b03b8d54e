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
import { assertSafeBinding, isLoopback, requireAuth, requireOwnHost, requireOwnOrigin, type DashboardCredentials, type OwnAddress } from './auth.js';
import { createOperatorRouter, type OperatorDeps } from './operatorRoutes.js';

/**
 * The operations HTTP server. Routes:
 * - /healthz: liveness, for orchestrators' liveness probes (no auth). 200 while the process can get
 *   well by itself, including while Redis or Postgres is away (its connections retry until they are
 *   back, and a restart would not bring them sooner); 503 only when something is broken for good (a
 *   `liveness` check names it, e.g. a Redis connection that gave up), so a restart is the cure. The
 *   body also shows the connections' current state, for people.
 * - /readyz: readiness (no auth): 200 when Postgres and Redis answer now, else 503 naming which does
 *   not; it recovers by itself when they are back. Load balancers and "is it working" checks use this.
 * - /metrics: Prometheus text of `registry` (behind the credentials when they are set).
 * - /queues: Bull Board over `queues` (dashboard only; always behind the credentials off loopback).
 * - / and /runs…: the operator page over the run ledger, with its actions (operatorRoutes.ts; dashboard
 *   only, behind the same credentials); without it / redirects to Bull Board.
 * Every route of the dashboard (and of a metrics server on loopback) refuses a Host that is not its
 * own (DNS rebinding); every change refuses another site's Origin (requests riding cached credentials).
 */

export const BOARD_PATH = '/queues';

export interface OpsServerOptions {
  host: string;
  port: number;
  credentials: DashboardCredentials;
  registry: Registry;
  /** Named readiness checks; each must resolve within the timeout. */
  readiness: Record<string, () => Promise<unknown>>;
  /** Named liveness checks: a problem that only a restart cures, or undefined. */
  liveness?: Record<string, () => string | undefined>;
  /** Current state of the connections, shown by /healthz (informational: it does not fail liveness). */
  connections?: () => Record<string, string>;
  /** DASHBOARD_PUBLIC_HOSTS: names the server is reached under besides its listen address. */
  publicHosts?: readonly string[];
  /** Bull Board over these queues; without them the server is metrics-only. */
  queues?: readonly Queue[];
  /** The operator page (dashboard only): what it reads and where its actions enqueue. */
  operator?: OperatorDeps;
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
  let listeningPort = options.port;
  const own: OwnAddress = { host: options.host, port: () => listeningPort, publicHosts: options.publicHosts ?? [] };
  // A metrics server off loopback is meant to be reached by whatever name the network gives it (a
  // Prometheus target); on loopback, a foreign name can only be a rebound one.
  if (board || isLoopback(options.host)) app.use(requireOwnHost(own));
  // Before the credentials: a cross-site change is refused even when the browser would send them.
  app.use(requireOwnOrigin(own));

  app.get('/healthz', (_req, res) => {
    const problems = Object.entries(options.liveness ?? {}).flatMap(([name, check]) => {
      const problem = check();
      return problem === undefined ? [] : [[name, problem] as const];
    });
    const body = { status: problems.length === 0 ? 'ok' : 'broken', ...(problems.length > 0 ? { problems: Object.fromEntries(problems) } : {}), connections: options.connections?.() ?? {} };
    res.status(problems.length === 0 ? 200 : 503).json(body);
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), READY_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `failed: ${errorText(err).slice(0, 200)}`] as const;
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
      // The cause is logged, never sent: an error text can hold SQL or a connection string.
      res.status(500).type('text/plain').send('metrics collection failed; the cause is in this process\'s log\n');
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
    if (options.operator) app.use(auth, createOperatorRouter(options.operator, { path: BOARD_PATH }));
    else app.get('/', (_req, res) => res.redirect(BOARD_PATH));
  }

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  listeningPort = address.port;
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

/** An error's message; pg's refused connection is an AggregateError with an empty one. */
function errorText(err: unknown): string {
  const e = coerceError(err);
  if (e.message) return e.message;
  const inner = (e as { errors?: unknown[] }).errors?.[0];
  const code = (e as { code?: string }).code;
  return inner instanceof Error && inner.message ? inner.message : (code ?? e.name);
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
