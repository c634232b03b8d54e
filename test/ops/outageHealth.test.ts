import { once } from 'node:events';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type RunningDashboard } from '../../src/app/dashboardProcess.js';
import { createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { startRedisServer, type RedisServer } from '../../src/chaos/redisServer.js';
import { loadConfig } from '../../src/config.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { createDatabase } from '../../src/db/client.js';
import { startOpsServer } from '../../src/dashboard/server.js';
import { createLogger } from '../../src/logger.js';
import { startPrivatePostgres, type PrivatePostgres } from './privatePostgres.js';

/**
 * /healthz and /readyz while Redis or Postgres is away, against servers of this file's own that it
 * stops and starts: not ready during the outage, alive throughout, ready again once they are back;
 * the outage is logged once when it starts and once when it ends.
 */

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});
const logger = createLogger({ level: 'info', destination: sink });

let redis: RedisServer;
let postgres: PrivatePostgres;
let obs: ProcessObservability;
let dashboard: RunningDashboard;
let url: string;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedisServer(), startPrivatePostgres()]);
  const databaseUrl = postgres.url('msads_outage');
  await ensureDatabase(databaseUrl);
  const migrated = createDatabase(databaseUrl, { max: 1 });
  await runMigrations(migrated.pool);
  await migrated.close();
  const config = loadConfig({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url, QUEUE_PREFIX: 'outage' });
  obs = createProcessObservability(config, logger, { alerts: false, processMetrics: false });
  if (obs.redis.status !== 'ready') await once(obs.redis, 'ready');
  dashboard = await startDashboard(config, logger, obs, { host: '127.0.0.1', port: 0, monitor: false });
  url = dashboard.server.url;
}, 120_000);
afterAll(async () => {
  await dashboard?.stop();
  await obs?.close();
  await redis?.close();
  await postgres?.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('health while Redis is away', () => {
  it('not ready (naming Redis) but alive, then ready again; lost and back are logged once each', async () => {
    expect((await get('/readyz')).status).toBe(200);
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok', connections: { redis: 'ready' } } });

    const lost = once(obs.redis, 'reconnecting');
    await redis.kill();
    await lost;
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', checks: { postgres: 'ok' } });
    expect(String((ready.body['checks'] as Record<string, string>)['redis'])).toMatch(/^failed: not connected/);
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect((health.body['connections'] as Record<string, string>)['redis']).not.toBe('ready');

    // Several reconnect attempts go by: still one line about the outage.
    let attempts = 0;
    await new Promise<void>((resolve) => {
      const onAttempt = () => {
        if (++attempts < 4) return;
        obs.redis.off('reconnecting', onAttempt);
        resolve();
      };
      obs.redis.on('reconnecting', onAttempt);
    });
    expect((await get('/readyz')).status).toBe(503);

    const back = once(obs.redis, 'ready');
    await redis.start();
    await back;
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await get('/healthz')).body).toMatchObject({ status: 'ok', connections: { redis: 'ready' } });

    const unreachable = lines.filter((l) => l.includes('Redis is unreachable'));
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toContain(`REDIS_URL=${redis.url}`);
    expect(unreachable[0]).toContain('redis-server');
    expect(lines.filter((l) => l.includes('Redis is reachable again'))).toHaveLength(1);
    // No stack trace per reconnect attempt from the board's queues or anything else.
    expect(lines.filter((l) => l.includes('ECONNREFUSED')).length).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe('health while Postgres is away', () => {
  it('not ready (naming Postgres) but alive, then ready again', async () => {
    expect((await get('/readyz')).status).toBe(200);
    await postgres.stop();
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', checks: { redis: 'ok' } });
    expect(String((ready.body['checks'] as Record<string, string>)['postgres'])).toMatch(/^failed: .+/);
    expect((await get('/healthz')).status).toBe(200);
    await postgres.start();
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  }, 60_000);
});

describe('liveness', () => {
  it('/healthz is 503 only when a check says a restart is the cure', async () => {
    let problem: string | undefined;
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      credentials: { user: 'admin', password: undefined, token: undefined },
      registry: new Registry(),
      readiness: {},
      liveness: { redis: () => problem },
      logger,
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      problem = 'the Redis connection gave up; restart the process';
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'broken', problems: { redis: problem } });
    } finally {
      await server.close();
    }
  });
});
