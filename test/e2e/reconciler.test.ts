import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reconcileRuns, type ReconcileDeps } from '../../src/app/reconciler.js';
import { createRedis } from '../../src/app/redis.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { failIdleRun } from '../../src/db/reconcileRuns.js';
import { reportJobId, type ReportTarget } from '../../src/jobs/reportJobData.js';
import { createReportQueue, REPORT_JOB_NAME, reportJobOptions } from '../../src/jobs/reportQueue.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startEphemeralRedis, type EphemeralRedis } from '../helpers/ephemeralRedis.js';
import { insertRun as insertRunRow, type RunSeed } from '../helpers/runRows.js';

/**
 * The reconciler against real Postgres and a private Redis without persistence: what it does with each
 * way the queue and the ledger can disagree. Jobs are put in each state with BullMQ's own machinery
 * (a manual worker, a real stalled check), no report worker involved.
 */

let db: TestDatabase;
let redis: EphemeralRedis;
let connection: Redis;
let queue: Queue;
let prefix: string;
const logs: string[] = [];
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  }),
});
let windowDay = 0;
const closers: (() => Promise<unknown>)[] = [];

/** A distinct window per test, so deterministic job ids never collide across tests. */
function target(): ReportTarget {
  windowDay++;
  const day = `2026-05-${String(windowDay).padStart(2, '0')}`;
  return { connectionId: 'conn-1', customerId: '1100001', accountId: '111000001', report: 'campaign_performance', aggregation: 'Daily', from: day, to: day };
}

const insertRun = (t: ReportTarget, seed: RunSeed = {}) => insertRunRow(db.database.pool, t, seed);

async function runRow(id: number) {
  const { rows } = await db.database.pool.query(`SELECT * FROM report_runs WHERE id = $1`, [id]);
  return rows[0];
}

function deps(overrides: { database?: Database } = {}): ReconcileDeps {
  return {
    database: overrides.database ?? db.database,
    reportQueue: queue,
    logger,
    attempts: 3,
    graceMs: 2 * 60_000,
    abandonAfterMs: 5 * 60 * 60_000,
    now: () => Date.now(),
  };
}

/** Adds the job of a run and takes it with a manual worker (processor-less): it is then active, ours to end. */
async function takeJob(t: ReportTarget, data: Record<string, unknown>): Promise<{ job: Job; token: string }> {
  await queue.add(REPORT_JOB_NAME, { ...t, ...data }, { ...reportJobOptions(1), jobId: reportJobId(t) });
  const manual = new Worker(queue.name, null, { connection: createRedis(redis.url), prefix, autorun: false, lockDuration: 60_000 });
  closers.push(async () => {
    await manual.close();
  });
  const token = randomBytes(8).toString('hex');
  const job = (await manual.getNextJob(token)) as Job | undefined;
  expect(job?.id).toBe(reportJobId(t));
  return { job: job!, token };
}

beforeAll(async () => {
  db = await createTestDatabase('reconcile');
  redis = await startEphemeralRedis();
  connection = createRedis(redis.url, 'service');
  prefix = `t-reconcile-${randomBytes(4).toString('hex')}`;
  queue = createReportQueue(connection, prefix);
  // The restart resets the connection; the service connection reconnects by itself.
  queue.on('error', () => undefined);
});

// Each test starts from an empty queue and no unfinished run.
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await queue.obliterate({ force: true });
  await db.database.pool.query(`UPDATE report_runs SET status = 'failed' WHERE status NOT IN ('succeeded', 'empty', 'failed')`);
});

afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await redis?.close();
  await db?.drop();
});

describe('reconciler', () => {
  it('Redis restarted without persistence: a pending run gets its job back with its run id, at its poll step; a second pass changes nothing', async () => {
    const t = target();
    const runId = await insertRun(t, { submits: 1, polls: 4 });
    await queue.add(REPORT_JOB_NAME, { ...t, runId, step: 'poll', reportRequestId: 'rr-1' }, { ...reportJobOptions(3), jobId: reportJobId(t) });
    await redis.restartEmpty();
    expect(await queue.getJob(reportJobId(t))).toBeUndefined();

    const first = await reconcileRuns(deps());
    expect(first).toMatchObject({ ran: true, checked: 1, reenqueued: 1, failed: 0, errors: 0 });
    const job = await queue.getJob(reportJobId(t));
    expect(await job?.getState()).toBe('prioritized');
    expect(job?.data).toMatchObject({ ...t, runId, step: 'poll', reportRequestId: 'rr-1', submits: 1, polls: 4 });
    expect(job?.opts.attempts).toBe(3);
    expect(await runRow(runId)).toMatchObject({ status: 'pending', report_request_id: 'rr-1' });

    const second = await reconcileRuns(deps());
    expect(second).toMatchObject({ ran: true, checked: 1, alive: 1, reenqueued: 0 });
    expect(logs.some((l) => l.includes('reconciled runs with the queue') && l.includes('"reenqueued":1'))).toBe(true);
  });

  it('two schedulers reconciling at once re-enqueue a lost run once', async () => {
    const t = target();
    const runId = await insertRun(t, { status: 'retrying', reportRequestId: null, submittedMinutesAgo: null, submits: 0, polls: 0 });
    const other = createDatabase(db.url, { max: 2 });
    try {
      const [a, b] = await Promise.all([reconcileRuns(deps()), reconcileRuns(deps({ database: other }))]);
      expect(a.reenqueued + b.reenqueued).toBe(1);
      expect(await queue.getJobCountByTypes('prioritized', 'waiting')).toBe(1);
      expect((await queue.getJob(reportJobId(t)))?.data).toMatchObject({ runId, step: 'submit' });
    } finally {
      await other.close();
    }
  });

  it('a job BullMQ failed for stalling (never reaching the processor) ends its run failed, class stalled', async () => {
    const t = target();
    const runId = await insertRun(t);
    await queue.add(REPORT_JOB_NAME, { ...t, runId, step: 'poll', reportRequestId: 'rr-1' }, { ...reportJobOptions(3), jobId: reportJobId(t) });
    // A worker takes the job and dies (its lock is never renewed).
    const dead = new Worker(queue.name, null, { connection: createRedis(redis.url), prefix, autorun: false, lockDuration: 300 });
    expect((await dead.getNextJob('dead-token'))?.id).toBe(reportJobId(t));
    await dead.close();
    // Another worker's stalled check (no stall allowed here) fails it; its processor never runs.
    let processed = false;
    const checker = new Worker(
      queue.name,
      async () => {
        processed = true;
      },
      { connection: createRedis(redis.url), prefix, maxStalledCount: 0, stalledInterval: 200, lockDuration: 300 },
    );
    closers.push(() => checker.close());
    const [failedJob] = (await once(checker, 'failed')) as [Job];
    expect(failedJob.failedReason).toBe('job stalled more than allowable limit');
    expect(processed).toBe(false);
    expect(await runRow(runId)).toMatchObject({ status: 'pending' });

    const counts = await reconcileRuns(deps());
    expect(counts).toMatchObject({ failed: 1, reenqueued: 0 });
    expect(await runRow(runId)).toMatchObject({ status: 'failed', error_class: 'stalled', error_message: 'job stalled more than allowable limit' });
    expect((await runRow(runId)).finished_at).not.toBeNull();
  });

  it('a failed job whose worker could not write the failure (Postgres down) ends its run with the classification it stored', async () => {
    const t = target();
    const runId = await insertRun(t);
    const failure = { errorClass: 'auth', errorCode: 105, errorName: 'InvalidCredentials', message: 'Microsoft refused the user (105)', trackingId: 'tr-7' };
    const { job, token } = await takeJob(t, { runId, failure });
    await job.moveToFailed(new Error(failure.message), token);
    expect(await job.getState()).toBe('failed');

    expect(await reconcileRuns(deps())).toMatchObject({ failed: 1 });
    expect(await runRow(runId)).toMatchObject({
      status: 'failed',
      error_class: 'auth',
      error_code: 105,
      error_name: 'InvalidCredentials',
      error_message: failure.message,
      tracking_id: 'tr-7',
    });
    // Final stays final: the next pass does not even look at it.
    expect(await reconcileRuns(deps())).toMatchObject({ checked: 0 });
  });

  it('a completed job whose run is not final is reported and left as it is', async () => {
    const t = target();
    const runId = await insertRun(t, { status: 'loading' });
    const { job, token } = await takeJob(t, { runId });
    await job.moveToCompleted({ runId, status: 'succeeded', rows: 5 }, token, false);
    expect(await reconcileRuns(deps())).toMatchObject({ completedNotFinal: 1, failed: 0 });
    expect(await runRow(runId)).toMatchObject({ status: 'loading', finished_at: null });
    expect(logs.some((l) => l.includes(`"runId":${runId}`) && l.includes('job completed but its run is not final'))).toBe(true);
  });

  it('a job id that now carries another run ends the older run (abandoned); the newer one is left', async () => {
    const t = target();
    const older = await insertRun(t, { idleMinutes: 60 });
    const newer = await insertRun(t, { idleMinutes: 5 });
    await queue.add(REPORT_JOB_NAME, { ...t, runId: newer, step: 'poll', reportRequestId: 'rr-2' }, { ...reportJobOptions(3), jobId: reportJobId(t) });
    expect(await reconcileRuns(deps())).toMatchObject({ superseded: 1, alive: 1 });
    expect(await runRow(older)).toMatchObject({ status: 'failed', error_class: 'abandoned' });
    expect((await runRow(older)).error_message).toContain(`now carries run ${newer}`);
    expect(await runRow(newer)).toMatchObject({ status: 'pending' });
  });

  it('a run-once run (no job) is abandoned once idle past the poll deadline plus margin, and left before', async () => {
    const gone = await insertRun(target(), { jobId: null, idleMinutes: 6 * 60 });
    const running = await insertRun(target(), { jobId: null, idleMinutes: 30 });
    expect(await reconcileRuns(deps())).toMatchObject({ abandoned: 1, foreground: 1 });
    expect(await runRow(gone)).toMatchObject({ status: 'failed', error_class: 'abandoned' });
    expect(await runRow(running)).toMatchObject({ status: 'pending' });
  });

  it('never touches a final run, nor one updated within the grace period', async () => {
    const finished = await insertRun(target(), { status: 'succeeded', idleMinutes: 60 });
    const fresh = await insertRun(target(), { idleMinutes: 0 });
    const counts = await reconcileRuns(deps());
    expect(counts).toMatchObject({ checked: 0, reenqueued: 0 });
    expect(await runRow(finished)).toMatchObject({ status: 'succeeded' });
    expect(await runRow(fresh)).toMatchObject({ status: 'pending' });
    // The write itself is guarded too (a worker may have finished the run after the pass read it).
    expect(await failIdleRun(db.database.db, finished, { errorClass: 'unknown', message: 'x' }, { idleMs: 0 })).toBe(false);
    expect(await failIdleRun(db.database.db, fresh, { errorClass: 'unknown', message: 'x' }, { idleMs: 60_000 })).toBe(false);
    expect(await runRow(finished)).toMatchObject({ status: 'succeeded', error_class: null });
    expect(await runRow(fresh)).toMatchObject({ status: 'pending', error_class: null });
  });
});
