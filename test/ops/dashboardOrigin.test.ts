import { request } from 'node:http';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startOpsServer, type OpsServer } from '../../src/dashboard/server.js';
import { createLogger } from '../../src/logger.js';
import { Secret } from '../../src/secret.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Bull Board's mutating routes refuse cross-site requests (a page elsewhere riding the browser's cached
 * basic-auth credentials), and every route refuses a Host that is not the dashboard's own (DNS rebinding
 * of a loopback dashboard).
 */

interface Answer {
  status: number;
  body: string;
}

/** node:http rather than fetch: fetch does not let a caller set Host. */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = `Basic ${Buffer.from('admin:board-pass').toString('base64')}`;
const logger = createLogger({ level: 'silent' });

let prefix: ReturnType<typeof createTestPrefix>;
let connection: Redis;
let queue: Queue;
let server: OpsServer;
let publicServer: OpsServer;

beforeAll(async () => {
  prefix = createTestPrefix('dashorigin');
  connection = createRedis(TEST_REDIS_URL, 'service');
  queue = new Queue('reports', { connection, prefix: prefix.prefix });
  const common = {
    host: '127.0.0.1',
    port: 0,
    credentials: { user: 'admin', password: new Secret('board-pass'), token: undefined },
    registry: new Registry(),
    readiness: {},
    queues: [queue],
    logger,
  };
  server = await startOpsServer(common);
  publicServer = await startOpsServer({ ...common, publicHosts: ['etl.example.com'] });
});
afterAll(async () => {
  await server?.close();
  await publicServer?.close();
  await queue?.close();
  connection?.disconnect();
  await prefix?.cleanup();
});

describe('mutating routes refuse cross-site requests', () => {
  it('a pause from another site (cached basic auth) is refused and the queue keeps running', async () => {
    const own = `127.0.0.1:${server.port}`;
    const answer = await call(server.port, 'PUT', '/queues/api/queues/reports/pause', { host: own, origin: 'https://evil.example', authorization: basic });
    expect(answer.status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
  });

  it('without Origin, a Referer of another site is refused too', async () => {
    const own = `127.0.0.1:${server.port}`;
    const answer = await call(server.port, 'PUT', '/queues/api/queues/reports/pause', { host: own, referer: 'https://evil.example/page', authorization: basic });
    expect(answer.status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
  });

  it('Origin "null" (sandboxed frame) is refused', async () => {
    const own = `127.0.0.1:${server.port}`;
    const answer = await call(server.port, 'PUT', '/queues/api/queues/reports/pause', { host: own, origin: 'null', authorization: basic });
    expect(answer.status).toBe(403);
  });

  it('a pause from the board itself, and one from a script (no Origin, no Referer), are accepted', async () => {
    const own = `127.0.0.1:${server.port}`;
    const fromBoard = await call(server.port, 'PUT', '/queues/api/queues/reports/pause', { host: own, origin: `http://${own}`, authorization: basic });
    expect(fromBoard.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    const fromScript = await call(server.port, 'PUT', '/queues/api/queues/reports/resume', { host: own, authorization: basic });
    expect(fromScript.status).toBe(200);
    expect(await queue.isPaused()).toBe(false);
    const viaLocalhost = await call(server.port, 'PUT', '/queues/api/queues/reports/resume', {
      host: `localhost:${server.port}`,
      referer: `http://localhost:${server.port}/queues/queue/reports`,
      authorization: basic,
    });
    expect(viaLocalhost.status).toBe(200);
  });

  it('the Origin is checked before the credentials: no 401 challenge for a cross-site request', async () => {
    const own = `127.0.0.1:${server.port}`;
    const answer = await call(server.port, 'DELETE', '/queues/api/queues/reports/clean/completed', { host: own, origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
  });
});

describe('every route refuses a Host that is not the dashboard’s own (DNS rebinding)', () => {
  it('a foreign name is refused on the board, /metrics, /healthz and /readyz', async () => {
    for (const path of ['/queues/api/queues', '/metrics', '/healthz', '/readyz']) {
      const answer = await call(server.port, 'GET', path, { host: `rebind.evil.example:${server.port}`, authorization: basic });
      expect(answer.status, path).toBe(421);
      expect(answer.body).toContain('DASHBOARD_PUBLIC_HOSTS');
    }
  });

  it('a loopback address on another port is refused; the bound address and localhost on its port are served', async () => {
    expect((await call(server.port, 'GET', '/healthz', { host: `127.0.0.1:${server.port + 1}` })).status).toBe(421);
    expect((await call(server.port, 'GET', '/healthz', { host: '127.0.0.1' })).status).toBe(421);
    expect((await call(server.port, 'GET', '/healthz', { host: `127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await call(server.port, 'GET', '/healthz', { host: `localhost:${server.port}` })).status).toBe(200);
    expect((await call(server.port, 'GET', '/queues/api/queues', { host: `localhost:${server.port}`, authorization: basic })).status).toBe(200);
  });

  it('a configured public host (reverse proxy) is served, and its Origin may mutate', async () => {
    expect((await call(publicServer.port, 'GET', '/queues/api/queues', { host: 'etl.example.com', authorization: basic })).status).toBe(200);
    expect((await call(publicServer.port, 'GET', '/queues/api/queues', { host: 'ETL.example.com:8443', authorization: basic })).status).toBe(200);
    expect((await call(publicServer.port, 'GET', '/queues/api/queues', { host: 'other.example.com', authorization: basic })).status).toBe(421);
    // The proxy may pass its own upstream Host; the browser's Origin is still the public one.
    const own = `127.0.0.1:${publicServer.port}`;
    const paused = await call(publicServer.port, 'PUT', '/queues/api/queues/reports/pause', { host: own, origin: 'https://etl.example.com', authorization: basic });
    expect(paused.status).toBe(200);
    const resumed = await call(publicServer.port, 'PUT', '/queues/api/queues/reports/resume', { host: 'etl.example.com', origin: 'https://etl.example.com', authorization: basic });
    expect(resumed.status).toBe(200);
    expect(await queue.isPaused()).toBe(false);
  });
});

describe('DASHBOARD_PUBLIC_HOSTS', () => {
  const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', REDIS_URL: TEST_REDIS_URL };
  it('takes host names, host:port and URLs, comma-separated, lower-cased', () => {
    const config = loadConfig({ ...base, DASHBOARD_PUBLIC_HOSTS: 'https://ETL.example.com/, other.example:8443 ,10.0.0.5' });
    expect(config.dashboard.publicHosts).toEqual(['etl.example.com', 'other.example:8443', '10.0.0.5']);
    expect(loadConfig(base).dashboard.publicHosts).toEqual([]);
  });

  it('refuses a path or a wildcard, naming the variable', () => {
    expect(() => loadConfig({ ...base, DASHBOARD_PUBLIC_HOSTS: 'etl.example.com/queues' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, DASHBOARD_PUBLIC_HOSTS: '*' })).toThrow(/DASHBOARD_PUBLIC_HOSTS/);
  });
});
