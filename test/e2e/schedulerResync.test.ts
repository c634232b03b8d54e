import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startSchedulerProcess, type RunningScheduler } from '../../src/app/schedulerProcess.js';
import { loadConfig } from '../../src/config.js';
import { reportJobId, type ReportTarget } from '../../src/jobs/reportJobData.js';
import { createReportQueue, REPORT_JOB_NAME, reportJobOptions } from '../../src/jobs/reportQueue.js';
import { createSchedulerQueue, NIGHTLY_SCHEDULER_ID, type TickJobData } from '../../src/jobs/schedulerQueue.js';
import { runCli, waitFor } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { startEphemeralRedis, type EphemeralRedis } from '../helpers/ephemeralRedis.js';
import { insertRun } from '../helpers/runRows.js';

/**
 * The scheduler process through a Redis restart without persistence: Redis comes back empty, so the
 * nightly job scheduler and every queued job are gone. The process must register the schedule again
 * (else no tick ever runs again) and put back the jobs of the runs the ledger still has open.
 */

let env: E2eEnv;
let redis: EphemeralRedis;
let scheduler: RunningScheduler | undefined;
let connection: Redis;
let reportQueue: Queue;
let tickQueue: Queue<TickJobData>;
const registry = new Registry();

const target = (day: string): ReportTarget => ({
  connectionId: 'conn-1',
  customerId: '1100001',
  accountId: '111000001',
  report: 'campaign_performance',
  aggregation: 'Daily',
  from: day,
  to: day,
});

/** Reads through the restart: a command issued while Redis is away fails, which means "not yet". */
const maybe = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await read();
  } catch {
    return undefined;
  }
};

beforeAll(async () => {
  env = await startE2e('resync');
  redis = await startEphemeralRedis();
  env.env.REDIS_URL = redis.url;
  env.config = loadConfig(env.env);
  scheduler = await startSchedulerProcess(env.config, env.logger, { registry });
  connection = createRedis(redis.url, 'service');
  reportQueue = createReportQueue(connection, env.prefix);
  tickQueue = createSchedulerQueue(connection, env.prefix);
  for (const queue of [reportQueue, tickQueue]) queue.on('error', () => undefined);
});

// Each test starts with no report job and no unfinished run.
afterEach(async () => {
  await reportQueue.obliterate({ force: true });
  await env.db.database.pool.query(`UPDATE report_runs SET status = 'failed' WHERE status NOT IN ('succeeded', 'empty', 'failed')`);
});

afterAll(async () => {
  await scheduler?.stop(5_000);
  await reportQueue?.close();
  await tickQueue?.close();
  connection?.disconnect();
  await redis?.close();
  await env?.cleanup();
});

describe('scheduler process and a Redis restart without persistence', () => {
  it('registers the nightly schedule again and re-enqueues the lost job of a pending run, on the reconnect', async () => {
    expect(await tickQueue.getJobScheduler(NIGHTLY_SCHEDULER_ID)).toBeTruthy();
    const t = target('2026-05-01');
    const runId = await insertRun(env.db.database.pool, t, { idleMinutes: 10 });
    await reportQueue.add(REPORT_JOB_NAME, { ...t, runId, step: 'poll', reportRequestId: 'rr-1' }, { ...reportJobOptions(3), jobId: reportJobId(t) });

    await connection.set(`${env.prefix}:marker`, 'before the restart');
    await redis.restartEmpty();
    // Empty indeed (the schedule itself may be back already: the process re-registers it at once).
    expect(await waitFor('Redis back', () => maybe(async () => ((await connection.get(`${env.prefix}:marker`)) === null ? 'empty' : 'kept')))).toBe('empty');

    const scheduled = await waitFor('the nightly schedule registered again', () => maybe(() => tickQueue.getJobScheduler(NIGHTLY_SCHEDULER_ID)));
    expect(scheduled).toMatchObject({ pattern: env.config.schedule.cron, tz: env.config.schedule.timeZone });
    // The next occurrence's tick job is there again, so the nightly load runs tonight.
    expect(await tickQueue.getDelayedCount()).toBe(1);

    const job = await waitFor('the lost job re-enqueued', () => maybe(() => reportQueue.getJob(reportJobId(t))));
    expect(job.data).toMatchObject({ runId, step: 'poll', reportRequestId: 'rr-1' });
    // A pass queued now runs after the reconnect's pass has ended: the job is then counted as alive.
    expect(await scheduler!.reconcileNow()).toMatchObject({ ran: true, alive: 1, reenqueued: 0 });
    // The reconnect's pass counts what it did once its lock is released, which under load can trail
    // the next pass by a moment: wait for the count rather than read it once.
    const metric = await waitFor('the re-enqueue counted', () =>
      maybe(async () => {
        const text = await registry.getSingleMetricAsString('msads_reconciled_runs_total');
        return text.includes('msads_reconciled_runs_total{action="reenqueued"} 1') ? text : undefined;
      }),
    );
    expect(metric).toMatch(/msads_reconciled_runs_total\{action="alive"\} [1-9]/);
    expect(env.logs.some((l) => l.includes('reconciled runs with the queue'))).toBe(true);
  });

  it('every reconcile pass registers the schedule too (a reconnect the process missed)', async () => {
    await tickQueue.removeJobScheduler(NIGHTLY_SCHEDULER_ID);
    expect(await tickQueue.getJobScheduler(NIGHTLY_SCHEDULER_ID)).toBeUndefined();
    const counts = await scheduler!.reconcileNow();
    expect(counts?.ran).toBe(true);
    expect(await tickQueue.getJobScheduler(NIGHTLY_SCHEDULER_ID)).toBeTruthy();
  });

  it('`msads-etl reconcile` runs one pass and prints its counts', async () => {
    const t = target('2026-05-02');
    const runId = await insertRun(env.db.database.pool, t, { status: 'retrying', idleMinutes: 10 });
    const result = await runCli(['reconcile', '--json'], env.env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ran: true, checked: 1, reenqueued: 1, errors: 0 });
    expect((await reportQueue.getJob(reportJobId(t)))?.data).toMatchObject({ runId, step: 'poll' });

    const again = await runCli(['reconcile'], env.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^alive\s+1$/m);
    expect(again.stdout).toMatch(/^reenqueued\s+0$/m);
  });
});
