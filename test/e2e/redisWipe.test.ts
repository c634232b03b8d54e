import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileRuns } from '../../src/app/reconciler.js';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import type { ReportTarget } from '../../src/jobs/reportJobData.js';
import { reports } from '../../src/reports/catalog.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { waitFor } from '../helpers/cli.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';
import { startEphemeralRedis, type EphemeralRedis } from '../helpers/ephemeralRedis.js';

/**
 * Redis restarted without persistence while reports are pending at Microsoft: every job is gone, the
 * ledger still has the runs. One reconcile pass puts them back; the worker continues the same ledger
 * rows by polling the same ReportRequestIds, so no report is submitted twice and the rows are right.
 */

let env: E2eEnv;
let redis: EphemeralRedis;
let worker: RunningWorker | undefined;
let connection: Redis;
let queue: Queue;
let events: QueueEvents | undefined;
let eventsConnection: Redis | undefined;

beforeAll(async () => {
  env = await startE2e('redis_wipe', { generationMs: 1_500 });
  redis = await startEphemeralRedis();
  Object.assign(env.env, { REDIS_URL: redis.url, POLL_INITIAL_MS: '200', POLL_MAX_MS: '400', JOB_BACKOFF_MS: '100' });
  env.config = loadConfig(env.env);
  connection = createRedis(redis.url, 'service');
  queue = createReportQueue(connection, env.prefix);
  queue.on('error', () => undefined);
});

afterAll(async () => {
  await worker?.stop(5_000);
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  connection?.disconnect();
  await redis?.close();
  await env?.cleanup();
});

describe('Redis wiped while reports are pending', () => {
  it('the reconciler re-enqueues the runs; they finish on the same ledger rows with one submit each', async () => {
    const conn = env.simOptions.connections[0]!;
    const accountId = conn.accountIds[0]!;
    const targets: ReportTarget[] = [
      { from: '2026-06-01', to: '2026-06-03' },
      { from: '2026-06-04', to: '2026-06-06' },
    ].map((w) => ({ connectionId: conn.connectionId, customerId: conn.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...w }));
    const jobIds: string[] = [];
    for (const t of targets) jobIds.push((await enqueueReport(queue, t, { attempts: 5 })).jobId);
    worker = await startWorkerProcess(env.config, env.logger);

    const pending = await waitFor('both reports pending at Microsoft', async () => {
      const r = await env.db.database.pool.query(`SELECT id FROM report_runs WHERE status = 'pending' AND report_request_id IS NOT NULL ORDER BY id`);
      return r.rows.length === 2 ? r.rows.map((row) => Number(row.id)) : undefined;
    });
    expect(env.sim.stats.submits).toBe(2);

    await redis.restartEmpty();
    expect(await waitFor('Redis back, empty', async () => ((await queue.getJob(jobIds[0]!).catch(() => null)) === undefined ? 'empty' : undefined))).toBe('empty');

    // Redis is empty and the worker idles: without the reconciler these runs stay pending for ever.
    const counts = await reconcileRuns({
      database: env.db.database,
      reportQueue: queue,
      logger: env.logger,
      attempts: 5,
      graceMs: 0,
      abandonAfterMs: 5 * 3_600_000,
      now: () => Date.now(),
    });
    expect(counts).toMatchObject({ ran: true, reenqueued: 2, errors: 0 });

    eventsConnection = createRedis(redis.url);
    events = new QueueEvents(queue.name, { connection: eventsConnection, prefix: env.prefix });
    await events.waitUntilReady();
    for (const id of jobIds) {
      const job = await queue.getJob(id);
      const state = await job?.getState();
      if (state !== 'completed') await job!.waitUntilFinished(events, 60_000);
    }

    const runs = await env.db.database.pool.query(`SELECT id, status, submits FROM report_runs ORDER BY id`);
    expect(runs.rows.map((r) => Number(r.id))).toEqual(pending);
    expect(runs.rows.every((r) => r.status === 'succeeded' && r.submits === 1)).toBe(true);
    expect(env.sim.stats.submits).toBe(2);
    const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
    for (const t of targets) {
      const expected = expectedTotals(env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', from: t.from, to: t.to }));
      for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
    }
  });
});
