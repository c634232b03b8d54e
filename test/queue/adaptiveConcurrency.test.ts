import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { limiterSettings } from '../../src/app/runDeps.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import type { RunSummary } from '../../src/jobs/reportRun.js';
import { Secret } from '../../src/secret.js';
import { limiterKey } from '../../src/throttle/limiter.js';
import { createRedisLimiter } from '../../src/throttle/redisLimiter.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The simulator hides a per-customer cap of 3 pending reports and answers 207 above it. Starting at one
 * slot, the worker learns: it grows while Microsoft accepts submits that fill the level, reaches the
 * cap, backs off on the 207 it then meets, and every run still ends loaded exactly once.
 */

let env: E2eEnv;
let config: Config;
let worker: RunningWorker;
let producer: Redis;
let queue: Queue;
let events: QueueEvents;
let eventsConnection: Redis;

beforeAll(async () => {
  env = await startE2e('adaptive', { generationMs: 1_200 });
  env.sim.faults.concurrentLimit = 3;
  config = loadConfig({
    ...env.env,
    MSADS_MAX_CONCURRENT_REPORTS: '1',
    MSADS_MAX_CONCURRENT_REPORTS_CEILING: '10',
    CONCURRENCY_WAIT_MS: '300',
    WORKER_CONCURRENCY: '16',
  });
  worker = await startWorkerProcess(config, env.logger);
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents(REPORT_QUEUE, { connection: eventsConnection, prefix: env.prefix });
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

describe('adaptive concurrency per customer', () => {
  it('grows from 1 to Microsoft’s hidden cap, backs off on 207, and loads every run once', async () => {
    const connection = env.simOptions.connections[0]!;
    const jobIds: string[] = [];
    for (let day = 1; day <= 12; day += 2) {
      for (const accountId of connection.accountIds) {
        const from = `2026-09-${String(day).padStart(2, '0')}`;
        const to = `2026-09-${String(day + 1).padStart(2, '0')}`;
        const { jobId } = await enqueueReport(
          queue,
          { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', from, to },
          { attempts: 3 },
        );
        jobIds.push(jobId);
      }
    }
    let maxPending = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        maxPending = Math.max(maxPending, env.sim.stats.pendingRequestIds);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const summaries = await Promise.all(jobIds.map(async (id) => (await (await queue.getJob(id))!.waitUntilFinished(events, 90_000)) as RunSummary));
    done = true;
    await watch;
    expect(summaries.every((s) => s.status === 'succeeded')).toBe(true);
    // Started at 1, it used the cap Microsoft allows, and no more.
    expect(maxPending).toBe(3);
    // Probing past the cap met 207s, each of which cost only a resubmit of that run.
    expect(env.sim.stats.faultsReturned['207'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(env.sim.stats.submits).toBe(12);
    // The learned level is below the cap after the back-off, shared through Redis.
    const redis = createRedis(config.redisUrl);
    try {
      const limiter = createRedisLimiter(redis, config.queuePrefix, limiterSettings(config));
      const level = await limiter.concurrencyLevel(limiterKey(new Secret(env.simOptions.developerToken), connection.customerId));
      expect(level).toBeGreaterThanOrEqual(1);
      expect(level).toBeLessThanOrEqual(3);
    } finally {
      redis.disconnect();
    }
  });
});
