import { QueueEvents, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { createRunDeps } from '../../src/app/runDeps.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { getRun, LeaseLostError, listAttempts, markFailed, saveProgress } from '../../src/db/reportRuns.js';
import type { ReportRunDeps } from '../../src/jobs/context.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import { advanceRun, type RunOutcome } from '../../src/jobs/reportRun.js';
import { reports } from '../../src/reports/catalog.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';

/**
 * The run ledger tells the truth (issue 10): final states are final, a retry adds a run instead of
 * overwriting the failed one, a worker that lost its lock writes nothing, and a per-account refusal
 * (106) or a wrong developer token never condemns the whole connection. Each case reproduced a bug.
 */

let env: E2eEnv;
let worker: RunningWorker;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;
let connection: E2eEnv['simOptions']['connections'][number];

beforeAll(async () => {
  env = await startE2e('ledger', { generationMs: 30 });
  Object.assign(env.env, {
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '20',
    POLL_INITIAL_MS: '30',
    POLL_MAX_MS: '60',
    THROTTLE_WAIT_MS: '50',
    CONCURRENCY_WAIT_MS: '50',
    MSADS_CALLS_PER_MINUTE: '100000',
  });
  env.config = loadConfig(env.env);
  connection = env.simOptions.connections[0]!;
  worker = await startWorkerProcess(env.config, env.logger);
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

beforeEach(() => {
  Object.assign(env.sim.faults, defaultFaultSwitches(), { retryAfterSeconds: 0 });
});

const q = async (sql: string, params: unknown[] = []) => (await env.db.database.pool.query(sql, params)).rows;

const target = (window: { from: string; to: string }, accountId = connection.accountIds[0]!) => ({
  connectionId: connection.connectionId,
  customerId: connection.customerId,
  accountId,
  report: 'campaign_performance' as const,
  aggregation: 'Daily' as const,
  ...window,
});

async function finish(job: Job): Promise<boolean> {
  try {
    await job.waitUntilFinished(events, 30_000);
    return true;
  } catch {
    return false;
  }
}

async function expectSimulatorRows(window: { from: string; to: string }, accountId = connection.accountIds[0]!): Promise<void> {
  const expected = expectedTotals(env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...window }));
  const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
  for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
}

describe('a retry adds history, never erases it', () => {
  it('retrying a failed job (as Bull Board does) creates a new run; the failed run and its attempts stay', async () => {
    const window = { from: '2026-09-01', to: '2026-09-02' };
    env.sim.faults.unknownFaultCode = 100; // every call fails with an unknown code: retried, then failed
    const { jobId } = await enqueueReport(queue, target(window), { attempts: env.config.worker.attempts });
    const job = (await queue.getJob(jobId))!;
    expect(await finish(job)).toBe(false);
    const [failed] = await q(`SELECT * FROM report_runs WHERE job_id = $1`, [jobId]);
    expect(failed).toMatchObject({ status: 'failed', error_class: 'unknown', attempt: 3 });
    const failedAttempts = await listAttempts(env.db.database.db, Number(failed.id));
    expect(failedAttempts.map((a) => [a.attempt, a.outcome, a.errorClass])).toEqual([
      [1, 'retrying', 'unknown'],
      [2, 'retrying', 'unknown'],
      [3, 'failed', 'unknown'],
    ]);

    Object.assign(env.sim.faults, defaultFaultSwitches(), { retryAfterSeconds: 0 });
    const again = (await queue.getJob(jobId))!;
    await again.retry('failed');
    expect(await finish(again)).toBe(true);

    const runs = await q(`SELECT id, status, error_class, error_message, retry_of FROM report_runs WHERE job_id = $1 ORDER BY id`, [jobId]);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ id: failed.id, status: 'failed', error_class: 'unknown', error_message: failed.error_message, retry_of: null });
    expect(runs[1]).toMatchObject({ status: 'succeeded', retry_of: failed.id });
    expect(await listAttempts(env.db.database.db, Number(failed.id))).toEqual(failedAttempts);
    await expectSimulatorRows(window);
  });

  it('no write moves a final run: guarded writes refuse, and the trigger backs them up', async () => {
    const [run] = await q(`SELECT id FROM report_runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1`);
    const lease = (await q(`SELECT lease FROM report_runs WHERE id = $1`, [run.id]))[0].lease as string;
    await expect(
      saveProgress(env.db.database.db, Number(run.id), lease, {
        status: 'pending', api: 'rest', reportRequestId: 'X', submittedAt: null, submits: 9, polls: 9, statusErrors: 0, throttles: 0, urlRefreshes: 0, attempt: 1,
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await markFailed(env.db.database.db, Number(run.id), null, { errorClass: 'unknown', errorCode: undefined, errorName: undefined, message: 'late', trackingId: undefined })).toBe(false);
    await expect(q(`UPDATE report_runs SET status = 'retrying' WHERE id = $1`, [run.id])).rejects.toThrow(/final/);
    expect((await getRun(env.db.database.db, Number(run.id)))?.status).toBe('succeeded');
  });
});

describe('a worker that lost its lock writes nothing', () => {
  it('a frozen attempt that wakes after another worker finished the run stops without touching the ledger', async () => {
    const window = { from: '2026-09-03', to: '2026-09-04' };
    const { deps, close } = await createRunDeps(env.config, env.logger);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let frozen!: () => void;
      const reachedPoll = new Promise<void>((resolve) => (frozen = resolve));
      // The "frozen" worker: its poll call hangs (as a SIGSTOPped process would) until the gate opens.
      const frozenDeps: ReportRunDeps = {
        ...deps,
        reporting: {
          ...deps.reporting,
          poll: async (...args) => {
            frozen();
            await gate;
            return deps.reporting.poll(...args);
          },
        },
      };
      const t = target(window);
      const first = await advanceRun(deps, { target: t, runId: undefined, jobId: 'job-frozen', lease: 'lease-A', stalls: 0 });
      expect(first.kind).toBe('wait');
      const runId = (first as Extract<RunOutcome, { kind: 'wait' }>).runId;
      const stale = advanceRun(frozenDeps, { target: t, runId, jobId: 'job-frozen', lease: 'lease-A', stalls: 0 });
      await reachedPoll;

      // Its lock expired; another worker takes the job (a new lease) and finishes the run.
      let outcome: RunOutcome = await advanceRun(deps, { target: t, runId, jobId: 'job-frozen', lease: 'lease-B', stalls: 1 });
      while (outcome.kind === 'wait') {
        await new Promise((r) => setTimeout(r, Math.max(0, outcome.kind === 'wait' ? outcome.untilMs - Date.now() : 0)));
        outcome = await advanceRun(deps, { target: t, runId, jobId: 'job-frozen', lease: 'lease-B', stalls: 1 });
      }
      expect(outcome.kind).toBe('done');
      const done = await getRun(env.db.database.db, runId);
      expect(done).toMatchObject({ status: 'succeeded', submits: 1 });

      release();
      expect((await stale).kind).toBe('lost');
      expect(await getRun(env.db.database.db, runId)).toEqual(done);
      await expectSimulatorRows(window);
    } finally {
      await close();
    }
  });
});

describe('account-level isolation', () => {
  it('106 on one account fails that account’s run and marks the account; the connection and its other accounts go on', async () => {
    const denied = '999999999';
    await q(`INSERT INTO accounts (connection_id, account_id, parent_customer_id, account_name) VALUES ($1, $2, $3, 'lost access')`, [connection.connectionId, denied, connection.customerId]);
    const window = { from: '2026-09-05', to: '2026-09-06' };
    const bad = await enqueueReport(queue, target(window, denied), { attempts: 3 });
    const good = [connection.accountIds[0]!, connection.accountIds[1] ?? connection.accountIds[0]!];
    const goods = await Promise.all(
      [...new Set(good)].map((a, i) => enqueueReport(queue, target({ from: `2026-09-0${7 + i}`, to: `2026-09-0${7 + i}` }, a), { attempts: 3 })),
    );
    expect(await finish((await queue.getJob(bad.jobId))!)).toBe(false);
    for (const g of goods) expect(await finish((await queue.getJob(g.jobId))!)).toBe(true);

    const [run] = await q(`SELECT status, error_class, error_code, attempt FROM report_runs WHERE job_id = $1`, [bad.jobId]);
    expect(run).toMatchObject({ status: 'failed', error_class: 'account', error_code: 106, attempt: 1 });
    const [account] = await q(`SELECT access, access_reason FROM accounts WHERE account_id = $1`, [denied]);
    expect(account.access).toBe('no_access');
    expect(account.access_reason).toMatch(/106|UserIsNotAuthorized/);
    const health = await q(`SELECT health FROM connections WHERE connection_id = $1`, [connection.connectionId]);
    expect(health.every((h) => h.health === 'ok')).toBe(true);
  });

  it('a wrong developer token (105 naming it) is a configuration error, not a connection needing re-authorization', async () => {
    const config = loadConfig({ ...env.env, MSADS_DEVELOPER_TOKEN: 'not-the-developer-token' });
    const { deps, close } = await createRunDeps(config, env.logger);
    try {
      const outcome = await advanceRun(deps, { target: target({ from: '2026-09-10', to: '2026-09-10' }), runId: undefined, jobId: null, lease: 'lease-config', stalls: 0 });
      expect(outcome).toMatchObject({ kind: 'failed', failure: { class: 'config', scope: 'config', code: 105 } });
    } finally {
      await close();
    }
    const health = await q(`SELECT health FROM connections WHERE connection_id = $1`, [connection.connectionId]);
    expect(health.every((h) => h.health === 'ok')).toBe(true);
  });
});
