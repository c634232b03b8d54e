import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportTimeZoneIanaOf } from '../../src/app/discovery.js';
import { createRedis } from '../../src/app/redis.js';
import { runTickOnce } from '../../src/app/schedulerProcess.js';
import { loadConfig } from '../../src/config.js';
import { reportJobId } from '../../src/jobs/reportJobData.js';
import { createReportQueue, PRIORITY } from '../../src/jobs/reportQueue.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { PROVISIONAL_PRIORITY } from '../../src/schedule/tick.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * A real tick (simulator Nango and discovery, Postgres, Redis, no worker) with a provisional window
 * in the ledger: its target's job is enqueued first, at a priority ahead of the other nightly jobs,
 * with its window widened back to the provisional last day the 3-day lookback does not reach.
 */

const connections = [{ connectionId: 'conn-p', customerId: '1700001', accountIds: ['171000001', '171000002', '171000003'] }];
let env: E2eEnv;
let producer: Redis;
let queue: Queue;

beforeAll(async () => {
  env = await startE2e('provisional_tick', { connections });
  Object.assign(env.env, { LOOKBACK_DAYS: '3' });
  env.config = loadConfig(env.env);
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
});

afterAll(async () => {
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

describe('nightly tick with a provisional window', () => {
  it('enqueues the provisional target first and at PROVISIONAL_PRIORITY, its window covering the last day', async () => {
    const today = todayIn(reportTimeZoneIanaOf(env.config), new Date());
    const lastDay = addDays(today, -10);
    await env.db.database.pool.query(
      `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, potential_incomplete, finished_at)
       VALUES ('conn-p', 1700001, 171000002, 'campaign_performance', 'Daily', $1, $2, 'succeeded', 'rest', true, now())`,
      [addDays(lastDay, -5), lastDay],
    );

    const summary = await runTickOnce(env.config, env.logger);
    expect(summary.jobs).toMatchObject({ planned: 3, added: 3 });
    expect(summary.provisional).toEqual({ windows: 1, jobs: 1 });

    const target = (accountId: string, from: string) => ({ connectionId: 'conn-p', customerId: '1700001', accountId, report: 'campaign_performance', aggregation: 'Daily' as const, from, to: addDays(today, -1) });
    const nightlyFrom = addDays(today, -3);
    // BullMQ's own order of the prioritized jobs: the one it will hand a worker first comes first.
    const prioritized = await queue.getJobs(['prioritized'], 0, -1, true);
    expect(prioritized.map((j) => j.id)).toEqual([
      reportJobId(target('171000002', lastDay)),
      reportJobId(target('171000001', nightlyFrom)),
      reportJobId(target('171000003', nightlyFrom)),
    ]);
    expect(prioritized.map((j) => j.opts.priority)).toEqual([PROVISIONAL_PRIORITY, PRIORITY.nightly, PRIORITY.nightly]);
    expect(PROVISIONAL_PRIORITY).toBeLessThan(PRIORITY.nightly);

    // A second tick while they wait plans the same ids, so nothing is added.
    const again = await runTickOnce(env.config, env.logger);
    expect(again.jobs).toMatchObject({ planned: 3, added: 0, alreadyQueued: 3 });
  });
});
