import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { reports } from '../../src/reports/catalog.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { startCli, waitFor } from '../helpers/cli.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';

/**
 * Workers are real processes, killed with SIGKILL at each step of a run. A new worker must finish every
 * job, never submit a second report while one is pending, and leave exactly the simulator's rows.
 * Every worker uses the same lock settings (a dead worker's settings govern recovery).
 */

let env: E2eEnv;
let accountId: string;
let connection: E2eEnv['simOptions']['connections'][number];

beforeAll(async () => {
  env = await startE2e('crash', { generationMs: 600 });
  Object.assign(env.env, {
    LOCK_DURATION_MS: '2000',
    STALLED_INTERVAL_MS: '500',
    JOB_BACKOFF_MS: '50',
    POLL_INITIAL_MS: '100',
    POLL_MAX_MS: '200',
  });
  connection = env.simOptions.connections[0]!;
  accountId = connection.accountIds[0]!;
});

afterAll(async () => {
  await env?.cleanup();
});

const q = async (sql: string, params: unknown[] = []) => (await env.db.database.pool.query(sql, params)).rows;

async function enqueue(window: { from: string; to: string }): Promise<void> {
  const producer = createRedis(env.config.redisUrl, 'producer');
  const queue = createReportQueue(producer, env.prefix);
  try {
    await enqueueReport(
      queue,
      { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...window },
      { attempts: 5 },
    );
  } finally {
    await queue.close();
    producer.disconnect();
  }
}

const runOf = async (window: { from: string }) =>
  (await q(`SELECT * FROM report_runs WHERE window_start = $1 ORDER BY id DESC LIMIT 1`, [window.from]))[0];

async function expectExactRows(window: { from: string; to: string }): Promise<void> {
  const expected = expectedTotals(
    env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...window }),
  );
  const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
  for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
}

/** Kills a worker with SIGKILL once `when` holds, then lets a fresh worker finish the job. */
async function killAndRecover(window: { from: string; to: string }, when: () => Promise<boolean>, disarm: () => Promise<void> | void) {
  await enqueue(window);
  const submitsBefore = env.sim.stats.submits;
  const first = startCli(['worker'], env.env);
  await waitFor('the kill point', async () => (await when()) || undefined, 30_000).catch((err: Error) => {
    first.child.kill('SIGKILL');
    throw new Error(`${err.message}\nworker output:\n${first.output().slice(-3000)}`);
  });
  first.child.kill('SIGKILL');
  await first.exited;
  await disarm();
  Object.assign(env.sim.faults, defaultFaultSwitches(), { retryAfterSeconds: 0 });
  const second = startCli(['worker'], env.env);
  try {
    const run = await waitFor('the run to succeed after the restart', async () => {
      const r = await runOf(window);
      return r?.status === 'succeeded' ? r : undefined;
    }, 45_000);
    await expectExactRows(window);
    return { run, submits: env.sim.stats.submits - submitsBefore };
  } finally {
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }
}

describe('SIGKILL at every step', () => {
  it('during submit: the job completes with exact rows (a submit cut off mid-call may leave one orphan report)', async () => {
    const window = { from: '2026-08-01', to: '2026-08-02' };
    env.sim.faults.latencyMs = 1_500;
    const { run, submits } = await killAndRecover(window, async () => env.sim.stats.reportingInFlight > 0 && (await runOf(window))?.status === 'submitting', () => undefined);
    expect(run.submits).toBe(1);
    // The killed call may still have reached Microsoft; its id never did reach us. That is the one
    // unavoidable duplicate: Microsoft offers no idempotency key for SubmitGenerateReport.
    expect(submits).toBeLessThanOrEqual(2);
  });

  it('during poll: resumes the same ReportRequestId, one submit', async () => {
    const window = { from: '2026-08-03', to: '2026-08-04' };
    let pendingId: string | undefined;
    const { run, submits } = await killAndRecover(
      window,
      async () => {
        const r = await runOf(window);
        if (r?.status !== 'pending' || r.polls < 1) return false;
        pendingId = r.report_request_id;
        env.sim.faults.latencyMs = 2_000;
        return env.sim.stats.reportingInFlight > 0;
      },
      () => undefined,
    );
    expect(run.report_request_id).toBe(pendingId);
    expect(submits).toBe(1);
  });

  it('during download: polls again for a fresh URL, one submit', async () => {
    const window = { from: '2026-08-05', to: '2026-08-06' };
    env.sim.faults.downloadLatencyMs = 5_000;
    const { submits } = await killAndRecover(window, async () => (await runOf(window))?.status === 'loading' && env.sim.stats.downloads > 0, () => undefined);
    expect(submits).toBe(1);
  });

  it('during load: the open transaction rolls back, the reload is exact, one submit', async () => {
    const window = { from: '2026-08-07', to: '2026-08-08' };
    // Load the window once, then hold a lock on one of its rows so the next load blocks inside its
    // transaction (after COPY, at the replace-window delete): a deterministic "mid-load".
    await enqueue(window);
    const loader = startCli(['worker'], env.env);
    await waitFor('the first load', async () => (await runOf(window))?.status === 'succeeded' || undefined);
    loader.child.kill('SIGTERM');
    await loader.exited;

    const blocker = new pg.Client({ connectionString: env.db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    // A re-load writes only changed rows, so a row lock might never be met: hold off every write instead (reads go on).
    await blocker.query(`LOCK TABLE campaign_performance_daily IN SHARE MODE`);
    try {
      const { submits } = await killAndRecover(
        window,
        async () =>
          (await q(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'msads-etl'`)).length > 0,
        async () => {
          await blocker.query('COMMIT');
        },
      );
      expect(submits).toBe(1);
      // expectExactRows compared row counts per day: the killed load left no extra copy behind.
    } finally {
      await blocker.end();
    }
  });
});

describe('a job that stalls again and again', () => {
  it('survives two worker deaths during one long load (BullMQ would fail it after one stall by default)', async () => {
    const window = { from: '2026-08-11', to: '2026-08-12' };
    await enqueue(window);
    const loader = startCli(['worker'], env.env);
    await waitFor('the first load', async () => (await runOf(window))?.status === 'succeeded' || undefined);
    loader.child.kill('SIGTERM');
    await loader.exited;

    // Every load of the window now blocks in its transaction: a long load that each worker dies in.
    const blocker = new pg.Client({ connectionString: env.db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    // A re-load writes only changed rows, so a row lock might never be met: hold off every write instead (reads go on).
    await blocker.query(`LOCK TABLE campaign_performance_daily IN SHARE MODE`);
    const blockedLoad = async () =>
      (await q(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'msads-etl'`)).length > 0 || undefined;
    try {
      await enqueue(window);
      for (let death = 1; death <= 2; death++) {
        const doomed = startCli(['worker'], env.env);
        await waitFor(`load ${death} to block`, blockedLoad, 30_000);
        doomed.child.kill('SIGKILL');
        await doomed.exited;
        // A backend waiting on a lock does not notice its client died; end it as Postgres would on its next read.
        await q(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'msads-etl' AND pid <> pg_backend_pid()`);
        await waitFor('the killed load to end', async () => !(await blockedLoad()) || undefined, 30_000);
      }
      const survivor = startCli(['worker'], env.env);
      try {
        await waitFor('load 3 to block', blockedLoad, 30_000);
        await blocker.query('COMMIT');
        const run = await waitFor('the run to succeed after two deaths', async () => {
          const r = await runOf(window);
          return r?.status === 'succeeded' ? r : undefined;
        }, 45_000);
        expect(run.submits).toBe(1);
        await expectExactRows(window);
        const producer = createRedis(env.config.redisUrl, 'producer');
        const queue = createReportQueue(producer, env.prefix);
        try {
          const job = await queue.getJob(run.job_id);
          expect(job?.stalledCounter).toBeGreaterThanOrEqual(2);
          expect(await job?.getState()).toBe('completed');
        } finally {
          await queue.close();
          producer.disconnect();
        }
      } finally {
        survivor.child.kill('SIGTERM');
        expect((await survivor.exited).code).toBe(0);
      }
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
  });
});

describe('Postgres connection lost mid-load', () => {
  it('the interrupted load rolls back and is retried; nothing lost or doubled', async () => {
    const window = { from: '2026-08-09', to: '2026-08-10' };
    await enqueue(window);
    const worker = startCli(['worker'], env.env);
    try {
      await waitFor('the first load', async () => (await runOf(window))?.status === 'succeeded' || undefined);
      const blocker = new pg.Client({ connectionString: env.db.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      // A re-load writes only changed rows, so a row lock might never be met: hold off every write instead (reads go on).
    await blocker.query(`LOCK TABLE campaign_performance_daily IN SHARE MODE`);
      await enqueue(window);
      const blocked = await waitFor('the load to block', async () =>
        (await q(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'msads-etl'`))[0],
      );
      // What a Postgres restart does to a client: its session dies mid-transaction.
      await q('SELECT pg_terminate_backend($1)', [blocked.pid]);
      await blocker.query('COMMIT');
      await blocker.end();
      const run = await waitFor('the retried load', async () => {
        const r = await runOf(window);
        return r?.status === 'succeeded' && r.attempt > 1 ? r : undefined;
      });
      expect(run.attempt).toBe(2);
      await expectExactRows(window);
    } finally {
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    }
  });
});
