import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startSchedulerProcess, type RunningScheduler } from '../../src/app/schedulerProcess.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { reportJobId } from '../../src/jobs/reportJobData.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import type { RunSummary } from '../../src/jobs/reportRun.js';
import { createSchedulerQueue, enqueueTickNow, NIGHTLY_SCHEDULER_ID, registerNightlySchedule, type TickJobData } from '../../src/jobs/schedulerQueue.js';
import { reports } from '../../src/reports/catalog.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import type { TickSummary } from '../../src/schedule/tick.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { runCli } from '../helpers/cli.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * The nightly schedule end to end: a scheduler process (job scheduler + tick processor) and a worker
 * process against the simulator, with three Nango connections, a linked customer, Paused and Inactive
 * accounts. One simulator, database and Redis prefix for the whole file.
 */

const LOOKBACK = 3;
const connections = [
  { connectionId: 'conn-a', customerId: '1100001', accountIds: ['111000001', '111000002', '111000003', '111000004'] },
  { connectionId: 'conn-b', customerId: '1200002', accountIds: ['121000001'], linkedAccounts: [{ customerId: '1300003', accountIds: ['131000001'] }] },
  { connectionId: 'conn-c', customerId: '1400004', accountIds: ['141000001', '141000002'] },
];
/** What the default filters keep (Active and Paused; 111000004 is Inactive), with each account's parent customer. */
const loaded = [
  ['conn-a', '111000001', '1100001'],
  ['conn-a', '111000002', '1100001'],
  ['conn-a', '111000003', '1100001'],
  ['conn-b', '121000001', '1200002'],
  ['conn-b', '131000001', '1300003'],
  ['conn-c', '141000001', '1400004'],
  ['conn-c', '141000002', '1400004'],
] as const;

let env: E2eEnv;
let scheduler: RunningScheduler;
let worker: RunningWorker | undefined;
let producer: Redis;
let reportQueue: Queue;
let tickQueue: Queue<TickJobData>;
let tickEvents: QueueEvents;
let reportEvents: QueueEvents;
const eventConnections: Redis[] = [];
let ticks = 0;

function window(): { from: string; to: string } {
  const today = todayIn('Europe/London', new Date());
  return { from: addDays(today, -LOOKBACK), to: addDays(today, -1) };
}

async function tick(): Promise<TickSummary> {
  const id = await enqueueTickNow(tickQueue, Date.now() + ++ticks);
  const job = await tickQueue.getJob(id);
  return (await job!.waitUntilFinished(tickEvents, 60_000)) as TickSummary;
}

async function waitAll(ids: readonly string[]): Promise<RunSummary[]> {
  return Promise.all(ids.map(async (id) => (await (await reportQueue.getJob(id))!.waitUntilFinished(reportEvents, 60_000)) as RunSummary));
}

beforeAll(async () => {
  env = await startE2e('nightly', {
    connections,
    accounts: { '111000003': { status: 'Pause', name: 'Paused but with history' }, '111000004': { status: 'Inactive' } },
  });
  // One enabled report, whatever the default list is; GMT report time zone: "today" is the date in London.
  env.env.REPORTS = 'campaign_performance:daily';
  env.config = loadConfig({ ...env.env, LOOKBACK_DAYS: String(LOOKBACK) });
  scheduler = await startSchedulerProcess(env.config, env.logger);
  producer = createRedis(env.config.redisUrl, 'producer');
  reportQueue = createReportQueue(producer, env.prefix);
  tickQueue = createSchedulerQueue(producer, env.prefix);
  for (const [name, assign] of [
    ['scheduler', (e: QueueEvents) => (tickEvents = e)],
    ['reports', (e: QueueEvents) => (reportEvents = e)],
  ] as const) {
    const connection = createRedis(env.config.redisUrl);
    eventConnections.push(connection);
    const events = new QueueEvents(name, { connection, prefix: env.prefix });
    await events.waitUntilReady();
    assign(events);
  }
});

afterAll(async () => {
  await worker?.stop(5_000);
  await scheduler?.stop(5_000);
  await tickEvents?.close();
  await reportEvents?.close();
  for (const c of eventConnections) c.disconnect();
  await tickQueue?.close();
  await reportQueue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

describe('nightly schedule', () => {
  it('registers one job scheduler, however many times and places it is registered', async () => {
    // A second "machine" upserting the same schedule concurrently.
    await Promise.all([registerNightlySchedule(tickQueue, env.config.schedule), registerNightlySchedule(tickQueue, env.config.schedule)]);
    expect(await tickQueue.getJobSchedulersCount()).toBe(1);
    const scheduled = await tickQueue.getJobScheduler(NIGHTLY_SCHEDULER_ID);
    expect(scheduled).toMatchObject({ pattern: '0 4 * * *', tz: 'UTC' });
    expect(await tickQueue.getDelayedCount()).toBe(1);
  });

  it('a tick over 3 connections enqueues exactly the planned jobs; a second tick none; all load the simulator rows', async () => {
    const first = await tick();
    const w = window();
    const expectedIds = loaded.map(([connectionId, accountId, customerId]) =>
      reportJobId({ connectionId, accountId, customerId, report: 'campaign_performance', aggregation: 'Daily', ...w }),
    );
    expect(first.connections).toMatchObject({ listed: 3, needsReauth: [], discoveryFailed: [] });
    expect(first.accounts).toEqual({ discovered: 8, filteredOut: 1, planned: 7 });
    expect(first.jobs).toEqual({ planned: 7, added: 7, reAdded: 0, alreadyQueued: 0 });
    const queued = (await reportQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id).sort();
    expect(queued).toEqual([...expectedIds].sort());
    for (const j of await reportQueue.getJobs(['prioritized', 'waiting'])) {
      expect(j.opts.priority).toBe(10);
      expect(j.data.customerId).toBe(loaded.find(([, a]) => a === j.data.accountId)?.[2]);
    }

    // No worker yet: the jobs are waiting, so a second tick adds nothing.
    const second = await tick();
    expect(second.jobs).toEqual({ planned: 7, added: 0, reAdded: 0, alreadyQueued: 7 });
    expect(await reportQueue.count()).toBe(7);

    worker = await startWorkerProcess(env.config, env.logger);
    const summaries = await waitAll(expectedIds);
    expect(summaries.every((s) => s.status === 'succeeded' && s.rows > 0)).toBe(true);
    for (const [, accountId] of loaded) {
      const expected = expectedTotals(env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...w }));
      const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
      expect([...actual.keys()]).toEqual([...expected.byPeriod.keys()]);
      for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
    }
    const inactive = await env.db.database.pool.query(`SELECT count(*)::int AS n FROM campaign_performance_daily WHERE account_id = 111000004`);
    expect(inactive.rows[0].n).toBe(0);

    // The accounts table holds what Customer Management said, linked customer included.
    const accounts = await env.db.database.pool.query(`SELECT * FROM accounts ORDER BY account_id`);
    expect(accounts.rows).toHaveLength(8);
    expect(accounts.rows.find((a) => Number(a.account_id) === 131000001)).toMatchObject({ connection_id: 'conn-b', parent_customer_id: 1300003, lifecycle_status: 'Active' });
    expect(accounts.rows.find((a) => Number(a.account_id) === 111000003)).toMatchObject({ account_name: 'Paused but with history', lifecycle_status: 'Pause' });
    for (const a of accounts.rows) expect(a.account_number).toMatch(/^F[0-9A-Z]{7}$/);
    const health = await env.db.database.pool.query(`SELECT connection_id, health FROM connections ORDER BY 1`);
    expect(health.rows).toEqual([
      { connection_id: 'conn-a', health: 'ok' },
      { connection_id: 'conn-b', health: 'ok' },
      { connection_id: 'conn-c', health: 'ok' },
    ]);
  });

  it('a connection whose Nango grant is revoked is isolated and reported while the others load', async () => {
    env.sim.faults.revokedConnections.add('conn-c');
    try {
      const submitsBefore = env.sim.stats.submits;
      const summary = await tick();
      expect(summary.connections.needsReauth).toEqual(['conn-c']);
      expect(summary.jobs).toMatchObject({ planned: 5, reAdded: 5 });
      const ids = (await reportQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id as string);
      expect(ids.every((id) => !id.includes('|conn-c|'))).toBe(true);
      await waitAll(ids);
      expect(env.sim.stats.submits - submitsBefore).toBe(5);
      const row = (await env.db.database.pool.query(`SELECT * FROM connections WHERE connection_id = 'conn-c'`)).rows[0];
      expect(row).toMatchObject({ health: 'needs_reauth' });
      expect(row.health_reason).toContain('invalid_credentials');
      expect(row.health_since).toBeInstanceOf(Date);

      const status = await runCli(['status'], env.env);
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/conn-c\s+NEEDS REAUTH/);
      expect(status.stdout).toMatch(/conn-a\s+111000001\s+.*up to date\s+ok/);
      expect(status.stdout).toContain('ATTENTION (exit 1): 2 of 7 report target(s) need attention (2 NEEDS_REAUTH); connection(s) conn-c NEEDS_REAUTH');
      const listing = await runCli(['connections'], env.env);
      expect(listing.code).toBe(0);
      expect(listing.stdout).toMatch(/conn-c\s+NEEDS REAUTH/);
      expect(listing.stdout).toMatch(/111000004\s+\S+\s+Account 111000004\s+1100001\s+\S+\s+\S+\s+Inactive\s+ok\s+no: status/);
    } finally {
      env.sim.faults.revokedConnections.delete('conn-c');
    }
    // Nango has a working credential again: the next tick's discovery lifts the mark.
    const healed = await tick();
    expect(healed.connections.needsReauth).toEqual([]);
    expect((await env.db.database.pool.query(`SELECT health, health_reason FROM connections WHERE connection_id = 'conn-c'`)).rows[0]).toEqual({ health: 'ok', health_reason: null });
    await waitAll((await reportQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id as string));
  });

  it('Microsoft refusing a connection (105) in a report job marks it; its other jobs fail fast without calling Microsoft', async () => {
    const w = window();
    const target = (from: string) => ({ connectionId: 'conn-b', customerId: '1200002', accountId: '121000001', report: 'campaign_performance' as const, aggregation: 'Daily' as const, from, to: w.to });
    env.sim.faults.invalidCredentialConnections.add('conn-b');
    try {
      const first = await enqueueReport(reportQueue, target(w.from), { attempts: 3 });
      await expect((await reportQueue.getJob(first.jobId))!.waitUntilFinished(reportEvents, 30_000)).rejects.toThrow(/105/);
      const marked = (await env.db.database.pool.query(`SELECT health, health_reason FROM connections WHERE connection_id = 'conn-b'`)).rows[0];
      expect(marked.health).toBe('needs_reauth');
      expect(marked.health_reason).toMatch(/105 InvalidCredentials/);

      const faults105 = env.sim.stats.faultsReturned['105'] ?? 0;
      const second = await enqueueReport(reportQueue, target(addDays(w.from, 1)), { attempts: 3 });
      await expect((await reportQueue.getJob(second.jobId))!.waitUntilFinished(reportEvents, 30_000)).rejects.toThrow(/needs re-authorization since .*105/);
      expect(env.sim.stats.faultsReturned['105'] ?? 0).toBe(faults105);
      const run = (await env.db.database.pool.query(`SELECT status, error_class, attempt FROM report_runs ORDER BY id DESC LIMIT 1`)).rows[0];
      expect(run).toEqual({ status: 'failed', error_class: 'auth', attempt: 1 });

      // The scheduler skips it: discovery (Customer Management) is refused too.
      const summary = await tick();
      expect(summary.connections.needsReauth).toEqual(['conn-b']);
      expect((await reportQueue.getJobs(['waiting', 'prioritized', 'delayed'])).some((j) => j.data.connectionId === 'conn-b')).toBe(false);
      await waitAll((await reportQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id as string));
    } finally {
      env.sim.faults.invalidCredentialConnections.delete('conn-b');
    }
    // An operator need not wait for the night: a refresh with the credential Nango holds lifts the mark.
    const refreshed = await runCli(['connections', '--refresh', '--json'], env.env);
    expect(refreshed.code).toBe(0);
    const listing = JSON.parse(refreshed.stdout) as { connections: { connectionId: string; health: string; healthReason: string | null }[] };
    expect(listing.connections.find((c) => c.connectionId === 'conn-b')).toMatchObject({ health: 'ok', healthReason: null });
    expect((await tick()).connections.needsReauth).toEqual([]);
    await waitAll((await reportQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id as string));
  });
});

describe('scheduler --once', () => {
  it('runs one tick in the foreground and prints its summary', async () => {
    const once = await runCli(['scheduler', '--once'], { ...env.env, LOOKBACK_DAYS: String(LOOKBACK), LOG_LEVEL: 'warn' });
    expect(once.code).toBe(0);
    const summary = JSON.parse(once.stdout) as TickSummary;
    expect(summary.connections.needsReauth).toEqual([]);
    expect(summary.jobs.planned).toBe(7);
    expect(summary.jobs.added + summary.jobs.reAdded + summary.jobs.alreadyQueued).toBe(7);
    await waitAll((await reportQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id as string));
  });
});

describe('hash-tagged queue prefix', () => {
  it('a tick and its report jobs run under {prefix}, every key inside the hash tag', async () => {
    const { prefix: raw, cleanup } = createTestPrefix('tag');
    const prefix = `{${raw}}`;
    const config = loadConfig({ ...env.env, QUEUE_PREFIX: prefix, LOOKBACK_DAYS: '2', CONNECTION_IDS: 'conn-c' });
    const sched = await startSchedulerProcess(config, env.logger);
    const work = await startWorkerProcess(config, env.logger);
    const conn = createRedis(TEST_REDIS_URL, 'producer');
    const eventsConn = createRedis(TEST_REDIS_URL);
    const q = createSchedulerQueue(conn, prefix);
    const rq = createReportQueue(conn, prefix);
    const reportEventsConn = createRedis(TEST_REDIS_URL);
    const ev = new QueueEvents('scheduler', { connection: eventsConn, prefix });
    const rev = new QueueEvents('reports', { connection: reportEventsConn, prefix });
    try {
      await Promise.all([ev.waitUntilReady(), rev.waitUntilReady()]);
      const id = await enqueueTickNow(q, Date.now());
      const summary = (await (await q.getJob(id))!.waitUntilFinished(ev, 60_000)) as TickSummary;
      expect(summary.jobs.added + summary.jobs.reAdded).toBe(2);
      const ids = (await rq.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed'])).map((j) => j.id as string);
      await Promise.all(ids.map(async (jid) => (await rq.getJob(jid))!.waitUntilFinished(rev, 60_000)));
      const keys = await conn.keys(`*${raw}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(k.startsWith(`${prefix}:`)).toBe(true);
    } finally {
      await work.stop(5_000);
      await sched.stop(5_000);
      await ev.close();
      await rev.close();
      await q.close();
      await rq.close();
      conn.disconnect();
      eventsConn.disconnect();
      reportEventsConn.disconnect();
      const redis = createRedis(TEST_REDIS_URL, 'producer');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await cleanup();
    }
  });
});
