import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import type { RunSummary } from '../../src/jobs/reportRun.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * Runs waiting for a concurrency slot park until a slot is handed to them: with one slot per customer
 * and four runs, each run is submitted as soon as the previous report leaves Pending, not after the
 * safety-net wait (the slot lease, ≥ 5 minutes), and while it waits its ledger row says 'waiting'.
 */

let env: E2eEnv;
let worker: RunningWorker;
let producer: Redis;
let queue: Queue;
let events: QueueEvents;
let eventsConnection: Redis;

beforeAll(async () => {
  env = await startE2e('handover', { generationMs: 700 });
  // Microsoft's hidden cap equals ours: a submit beyond one pending report would be answered 207.
  env.sim.faults.concurrentLimit = 1;
  const config = loadConfig({ ...env.env, MSADS_MAX_CONCURRENT_REPORTS: '1', MSADS_MAX_CONCURRENT_REPORTS_CEILING: '1', WORKER_CONCURRENCY: '8' });
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

describe('concurrency slots are handed over', () => {
  it('wakes each waiting run the moment a slot frees; waiting runs say waiting; Microsoft never sees two pending', async () => {
    const connection = env.simOptions.connections[0]!;
    const windows = [
      { from: '2026-10-01', to: '2026-10-02' },
      { from: '2026-10-03', to: '2026-10-04' },
    ];
    const jobIds: string[] = [];
    for (const accountId of connection.accountIds) {
      for (const w of windows) {
        const { jobId } = await enqueueReport(
          queue,
          { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...w },
          { attempts: 3 },
        );
        jobIds.push(jobId);
      }
    }
    // Seen while they run: statuses of runs not submitted yet.
    const seen = new Set<string>();
    let maxPending = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        maxPending = Math.max(maxPending, env.sim.stats.pendingRequestIds);
        const { rows } = await env.db.database.pool.query<{ status: string }>(`SELECT status FROM report_runs WHERE submits = 0`);
        for (const r of rows) seen.add(r.status);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Four reports of 0.7 s one after the other; the safety net alone would take 5 minutes per run.
    const summaries = await Promise.all(jobIds.map(async (id) => (await (await queue.getJob(id))!.waitUntilFinished(events, 60_000)) as RunSummary));
    done = true;
    await watch;
    expect(summaries.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(summaries.every((s) => s.submits === 1)).toBe(true);
    expect(env.sim.stats.faultsReturned['207'] ?? 0).toBe(0);
    expect(maxPending).toBeLessThanOrEqual(1);
    expect(seen.has('waiting')).toBe(true);
    const { rows } = await env.db.database.pool.query<{ submitted_at: Date; finished_at: Date }>(
      `SELECT submitted_at, finished_at FROM report_runs ORDER BY submitted_at`,
    );
    // Each submit follows the previous run's end closely (the handover), never by a safety-net wait.
    for (let i = 1; i < rows.length; i++) {
      const gap = rows[i]!.submitted_at.getTime() - rows[i - 1]!.finished_at.getTime();
      expect(gap).toBeLessThan(10_000);
    }
  });
});
