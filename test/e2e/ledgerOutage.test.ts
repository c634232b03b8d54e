import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileRuns } from '../../src/app/reconciler.js';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { startPrivatePostgres, type PrivatePostgres } from '../ops/privatePostgres.js';

/**
 * Issue 10, failure 5: the final attempt of a run fails while Postgres is down. Before, the run stayed
 * `submitting`/`pending` with no error for good. Now the job keeps the failure's class and fails; once
 * Postgres is back, a reconcile pass writes it to the ledger.
 */

let env: E2eEnv;
let postgres: PrivatePostgres;
let database: Database;
let worker: RunningWorker | undefined;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;

beforeAll(async () => {
  env = await startE2e('ledger_outage', { generationMs: 30 });
  postgres = await startPrivatePostgres();
  const url = postgres.url('msads_outage');
  await ensureDatabase(url);
  database = createDatabase(url, { max: 2 });
  database.pool.on('error', () => undefined);
  await runMigrations(database.pool);
  Object.assign(env.env, { DATABASE_URL: url, JOB_ATTEMPTS: '1', JOB_BACKOFF_MS: '20', MSADS_CALLS_PER_MINUTE: '100000' });
  env.config = loadConfig(env.env);
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents(REPORT_QUEUE, { connection: eventsConnection, prefix: env.prefix });
  await events.waitUntilReady();
}, 60_000);

afterAll(async () => {
  await worker?.stop(2_000);
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await database?.close();
  await postgres?.close();
  await env?.cleanup();
});

describe('a final failure while Postgres is down', () => {
  it('fails the job with the failure kept in it, and the reconciler writes it once Postgres is back', async () => {
    worker = await startWorkerProcess(env.config, env.logger);
    const connection = env.simOptions.connections[0]!;
    // The submit takes a while and then fails with a code no client knows (class unknown; one attempt).
    env.sim.faults.latencyMs = 1_500;
    env.sim.faults.unknownFaultCode = 100;
    const { jobId } = await enqueueReport(
      queue,
      { connectionId: connection.connectionId, customerId: connection.customerId, accountId: connection.accountIds[0]!, report: 'campaign_performance', aggregation: 'Daily', from: '2026-09-01', to: '2026-09-01' },
      { attempts: 1 },
    );
    const job = (await queue.getJob(jobId))!;
    // Postgres goes away while the call is in flight: the failure cannot be written.
    for (;;) {
      const [row] = (await database.pool.query(`SELECT status FROM report_runs WHERE job_id = $1`, [jobId])).rows;
      if (row && env.sim.stats.reportingInFlight > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await postgres.stop();
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/99999|SimulatorUnknownError/);
    const failed = (await queue.getJob(jobId))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.data.failure).toMatchObject({ errorClass: 'unknown', errorCode: 99999 });
    await worker.stop(2_000);
    worker = undefined;

    await postgres.start();
    const [stuck] = (await database.pool.query(`SELECT status FROM report_runs WHERE job_id = $1`, [jobId])).rows;
    expect(stuck.status).not.toBe('failed');
    const counts = await reconcileRuns({
      database,
      reportQueue: queue,
      logger: env.logger,
      attempts: 1,
      graceMs: 0,
      abandonAfterMs: 3_600_000,
      now: () => Date.now(),
    });
    expect(counts.ran).toBe(true);
    const [run] = (await database.pool.query(`SELECT status, error_class, error_code, error_message FROM report_runs WHERE job_id = $1`, [jobId])).rows;
    expect(run).toMatchObject({ status: 'failed', error_class: 'unknown', error_code: 99999 });
    expect(run.error_message).toMatch(/99999|SimulatorUnknownError/);
  });
});
