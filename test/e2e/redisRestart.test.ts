import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startRedisServer, type RedisServer } from '../../src/chaos/redisServer.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { reports } from '../../src/reports/catalog.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { startCli, waitFor } from '../helpers/cli.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';

/** Redis crashes and comes back while reports are pending: workers reconnect and nothing is lost or doubled. */

let env: E2eEnv;
let redis: RedisServer;

beforeAll(async () => {
  env = await startE2e('redisrestart', { generationMs: 1_500 });
  redis = await startRedisServer();
  Object.assign(env.env, {
    REDIS_URL: redis.url,
    LOCK_DURATION_MS: '2000',
    STALLED_INTERVAL_MS: '500',
    POLL_INITIAL_MS: '200',
    POLL_MAX_MS: '400',
    JOB_BACKOFF_MS: '100',
  });
});

afterAll(async () => {
  await redis?.close();
  await env?.cleanup();
});

describe('Redis restarted mid-run', () => {
  it('every job completes once, with exactly the simulator rows', async () => {
    const connection = env.simOptions.connections[0]!;
    const windows = [
      { from: '2026-06-01', to: '2026-06-03' },
      { from: '2026-06-04', to: '2026-06-06' },
      { from: '2026-06-07', to: '2026-06-09' },
    ];
    const producer = createRedis(redis.url, 'producer');
    const queue = createReportQueue(producer, env.prefix);
    for (const accountId of connection.accountIds) {
      for (const w of windows) {
        await enqueueReport(queue, { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...w }, { attempts: 5 });
      }
    }
    await queue.close();
    producer.disconnect();

    const worker = startCli(['worker'], env.env);
    try {
      await waitFor('reports pending at Microsoft', async () => {
        const r = await env.db.database.pool.query(`SELECT count(*)::int AS n FROM report_runs WHERE status = 'pending'`);
        return r.rows[0].n >= 3 || undefined;
      });
      await redis.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      await redis.start();
      await waitFor(
        'every run to succeed',
        async () => {
          const r = await env.db.database.pool.query(`SELECT count(DISTINCT window_start || account_id::text)::int AS n FROM report_runs WHERE status = 'succeeded'`);
          return r.rows[0].n === 6 || undefined;
        },
        60_000,
      );
    } finally {
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    }

    // One report per window: no pending report was ever submitted a second time.
    expect(env.sim.stats.submits).toBe(6);
    for (const accountId of connection.accountIds) {
      const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
      for (const w of windows) {
        const expected = expectedTotals(env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...w }));
        for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
      }
    }
  });
});
