import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import type { RunSummary } from '../../src/jobs/reportRun.js';
import { reports } from '../../src/reports/catalog.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv;
let worker: RunningWorker;
let producer: Redis;
let queue: Queue;
let events: QueueEvents;
let eventsConnection: Redis;

const window = { from: '2026-11-01', to: '2026-11-07' };

beforeAll(async () => {
  env = await startE2e('pipeline');
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

async function runAll(): Promise<RunSummary[]> {
  const connection = env.simOptions.connections[0]!;
  const jobIds: string[] = [];
  for (const accountId of connection.accountIds) {
    const { jobId } = await enqueueReport(
      queue,
      {
        connectionId: connection.connectionId,
        customerId: connection.customerId,
        accountId,
        report: 'campaign_performance',
        aggregation: 'Daily',
        ...window,
      },
      { attempts: 3 },
    );
    jobIds.push(jobId);
  }
  return Promise.all(
    jobIds.map(async (id) => (await (await queue.getJob(id))!.waitUntilFinished(events, 60_000)) as RunSummary),
  );
}

describe('simulator + Redis worker + enqueue → Postgres', () => {
  it('loads exactly the simulator rows, and a second run of the same window gives the same table', async () => {
    const connection = env.simOptions.connections[0]!;
    const first = await runAll();
    expect(first.every((s) => s.status === 'succeeded' && s.rows > 0)).toBe(true);

    for (const accountId of connection.accountIds) {
      const expected = expectedTotals(
        env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...window }),
      );
      const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
      expect([...actual.keys()]).toEqual([...expected.byPeriod.keys()]);
      for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
    }

    const snapshot = async () =>
      (
        await env.db.database.pool.query(
          `SELECT * FROM campaign_performance_daily ORDER BY account_id, time_period, campaign_id, device_type, network, delivered_match_type`,
        )
      ).rows.map(({ run_id: _run, loaded_at: _loaded, ...row }) => row);
    const before = await snapshot();
    const second = await runAll();
    expect(second.map((s) => s.rows)).toEqual(first.map((s) => s.rows));
    expect(await snapshot()).toEqual(before);

    // Every run is in the ledger, succeeded, with its request id, polls, bytes and rows.
    const runs = await env.db.database.pool.query(`SELECT * FROM report_runs ORDER BY id`);
    expect(runs.rows).toHaveLength(4);
    for (const run of runs.rows) {
      expect(run).toMatchObject({ status: 'succeeded', connection_id: connection.connectionId, report: 'campaign_performance' });
      expect(run.report_request_id).toBeTruthy();
      expect(run.polls).toBeGreaterThan(0);
      expect(Number(run.bytes)).toBeGreaterThan(0);
      expect(Number(run.rows)).toBeGreaterThan(0);
    }
    expect(env.sim.stats.submits).toBe(4);
  });

  it('replaces an empty report window with zero rows and marks the run empty', async () => {
    env.sim.faults.emptyReport = true;
    try {
      const summaries = await runAll();
      expect(summaries.every((s) => s.status === 'empty' && s.rows === 0)).toBe(true);
      const count = await env.db.database.pool.query(
        `SELECT count(*)::int AS n FROM campaign_performance_daily WHERE time_period BETWEEN $1 AND $2`,
        [window.from, window.to],
      );
      expect(count.rows[0].n).toBe(0);
    } finally {
      env.sim.faults.emptyReport = false;
    }
  });
});
