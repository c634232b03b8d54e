import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type RunningDashboard } from '../../src/app/dashboardProcess.js';
import { createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { startRedisServer, type RedisServer } from '../../src/chaos/redisServer.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/client.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { sample } from '../helpers/prometheus.js';
import { startPrivatePostgres, type PrivatePostgres } from './privatePostgres.js';

/**
 * /metrics while Postgres or Redis is away, against servers of this file's own that it stops: the
 * answer is still 200 with what can be computed (process metrics, the other source's gauges), the
 * missing source is named by msads_scrape_error, and no SQL, connection string or password is in the
 * body. The outage is logged once, however many scrapes it lasts.
 */

const PASSWORD = 'pg-secret-in-the-url';
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
let maxLagDays: number;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedisServer(), startPrivatePostgres()]);
  // Trust authentication never asks for the password, so it can sit in the URL for the test to look for.
  const databaseUrl = postgres.url('msads_metrics_outage').replace('postgres@', `postgres:${PASSWORD}@`);
  await ensureDatabase(databaseUrl);
  const migrated = createDatabase(databaseUrl, { max: 1 });
  await runMigrations(migrated.pool);
  await migrated.pool.query(`INSERT INTO connections (connection_id, health) VALUES ('conn-x', 'needs_reauth')`);
  await migrated.pool.query(`INSERT INTO accounts (connection_id, account_id, parent_customer_id) VALUES ('conn-x', 7, 1)`);
  await migrated.close();
  const config = loadConfig({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url, QUEUE_PREFIX: 'metrics-outage' });
  maxLagDays = config.alerts.freshnessMaxLagDays;
  obs = createProcessObservability(config, logger, { alerts: false });
  if (obs.redis.status !== 'ready') await once(obs.redis, 'ready');
  dashboard = await startDashboard(config, logger, obs, { host: '127.0.0.1', port: 0, monitor: false });
}, 120_000);
afterAll(async () => {
  await dashboard?.stop();
  await obs?.close();
  await redis?.close();
  await postgres?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${dashboard.server.url}/metrics`);
  const body = await res.text();
  expect(res.status).toBe(200);
  expect(body).not.toMatch(/\bSELECT\b|\bFROM\b|postgres:\/\/|redis:\/\/|ECONNREFUSED/);
  expect(body).not.toContain(PASSWORD);
  return body;
}

const target = { connection_id: 'conn-x', account_id: '7', report: 'campaign_performance', aggregation: 'Daily' };
const sourceErrors = () => lines.filter((l) => l.includes('a metrics source could not be read'));

describe('/metrics while a source is away', () => {
  it('serves everything with both sources up', async () => {
    const text = await scrape();
    expect(sample(text, 'msads_scrape_error', { source: 'postgres' })).toBe(0);
    expect(sample(text, 'msads_scrape_error', { source: 'redis' })).toBe(0);
    expect(sample(text, 'msads_connection_needs_reauth', { connection_id: 'conn-x' })).toBe(1);
    expect(sample(text, 'msads_target_never_loaded', target)).toBe(1);
    expect(sample(text, 'msads_queue_jobs', { queue: 'reports', state: 'waiting' })).toBe(0);
  });

  it('Postgres stopped: 200 with process metrics and queue counts, msads_scrape_error{source="postgres"} 1, logged once', async () => {
    await postgres.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const text = await scrape();
        expect(sample(text, 'msads_scrape_error', { source: 'postgres' })).toBe(1);
        expect(sample(text, 'msads_scrape_error', { source: 'redis' })).toBe(0);
        expect(sample(text, 'msads_queue_jobs', { queue: 'reports', state: 'waiting' })).toBe(0);
        expect(sample(text, 'msads_freshness_max_lag_days')).toBe(maxLagDays);
        expect(text).toMatch(/^process_cpu_user_seconds_total /m);
        expect(sample(text, 'msads_connection_needs_reauth', { connection_id: 'conn-x' })).toBeUndefined();
        expect(sample(text, 'msads_target_never_loaded', target)).toBeUndefined();
      }
      expect(sourceErrors()).toHaveLength(1);
      expect(sourceErrors()[0]).toContain('"source":"postgres"');
      expect(sourceErrors()[0]).not.toContain(PASSWORD);
    } finally {
      await postgres.start();
    }
    const back = await scrape();
    expect(sample(back, 'msads_scrape_error', { source: 'postgres' })).toBe(0);
    expect(sample(back, 'msads_target_never_loaded', target)).toBe(1);
  }, 60_000);

  it('Redis stopped: 200 with the Postgres gauges, msads_scrape_error{source="redis"} 1', async () => {
    const lost = once(obs.redis, 'reconnecting');
    await redis.kill();
    await lost;
    try {
      const text = await scrape();
      expect(sample(text, 'msads_scrape_error', { source: 'redis' })).toBe(1);
      expect(sample(text, 'msads_scrape_error', { source: 'postgres' })).toBe(0);
      expect(sample(text, 'msads_queue_jobs', { queue: 'reports', state: 'waiting' })).toBeUndefined();
      expect(sample(text, 'msads_connection_needs_reauth', { connection_id: 'conn-x' })).toBe(1);
      expect(sample(text, 'msads_target_never_loaded', target)).toBe(1);
    } finally {
      const ready = once(obs.redis, 'ready');
      await redis.start();
      await ready;
    }
    expect(sample(await scrape(), 'msads_scrape_error', { source: 'redis' })).toBe(0);
  }, 60_000);
});
