import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { runTickOnce } from '../../src/app/schedulerProcess.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig, type Config } from '../../src/config.js';
import { ENTITY_QUEUE, entityJobId } from '../../src/entities/entityQueue.js';
import { createReportQueue } from '../../src/jobs/reportQueue.js';
import { runCli } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/** The nightly tick plans one entity job per connection × account; the worker loads them through the queue. */

let env: E2eEnv;
let config: Config;
let worker: RunningWorker | undefined;
let producer: Redis;
let queue: Queue;
let events: QueueEvents;
let eventsConnection: Redis;

beforeAll(async () => {
  env = await startE2e('entitynightly', { bulkGenerationMs: 150 });
  config = loadConfig({ ...env.env, ENTITIES: 'campaigns,ad_groups,keywords,labels', MSADS_BULK_REST_URL: env.sim.urls.bulkRest, BULK_POLL_INTERVAL_MS: '100' });
  producer = createRedis(config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix, ENTITY_QUEUE);
  eventsConnection = createRedis(config.redisUrl);
  events = new QueueEvents(ENTITY_QUEUE, { connection: eventsConnection, prefix: env.prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

describe('entity jobs of the nightly tick', () => {
  it('plans one per account beside the report jobs, adds none twice the same night, and the worker loads them', async () => {
    const summary = await runTickOnce(config, env.logger);
    const accounts = env.simOptions.connections[0]!.accountIds;
    expect(summary.entityJobs).toEqual({ planned: accounts.length, added: accounts.length, alreadyQueued: 0 });
    expect((await runTickOnce(config, env.logger)).entityJobs).toEqual({ planned: accounts.length, added: 0, alreadyQueued: accounts.length });

    worker = await startWorkerProcess(config, env.logger);
    const connectionId = env.simOptions.connections[0]!.connectionId;
    for (const accountId of accounts) {
      const job = await queue.getJob(entityJobId({ connectionId, accountId }, summary.today));
      expect(job?.data).toMatchObject({ connectionId, accountId, entities: ['campaigns', 'ad_groups', 'keywords', 'labels'] });
      // Ids only: no token in the job.
      expect(JSON.stringify(job?.data)).not.toContain(env.simOptions.developerToken);
      const result = (await job!.waitUntilFinished(events, 60_000)) as { mode: string };
      expect(result.mode).toBe('full');
    }
    const runs = (await env.db.database.pool.query<{ account_id: string; status: string }>(`SELECT account_id::text, status FROM entity_runs ORDER BY account_id`)).rows;
    expect(runs).toEqual(accounts.map((a) => ({ account_id: a, status: 'succeeded' })).sort((x, y) => x.account_id.localeCompare(y.account_id)));
    for (const accountId of accounts) {
      const { rows } = await env.db.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM keywords WHERE account_id = $1 AND NOT is_deleted`, [accountId]);
      expect(rows[0]!.n).toBe(env.sim.bulk.entities(accountId, ['Keyword']).length);
    }
    // `status` covers them: every account's entities ok, with the Sync Time the next delta starts from.
    const status = await runCli(['status', '--json'], { ...env.env, ENTITIES: 'campaigns,ad_groups,keywords,labels' });
    const json = JSON.parse(status.stdout) as { entities: { accountId: string; state: string; lastSyncTime: string | null }[] };
    expect(json.entities.map((e) => [e.accountId, e.state]).sort()).toEqual(accounts.map((a) => [a, 'ok']).sort());
    expect(json.entities.every((e) => e.lastSyncTime !== null)).toBe(true);
  });
});
