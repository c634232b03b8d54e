import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { createReportQueue } from '../../src/jobs/reportQueue.js';
import { reports } from '../../src/reports/catalog.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { runCli, startCli, waitFor } from '../helpers/cli.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';

/**
 * `msads-etl backfill` as an operator runs it (the compiled CLI in a child process) against a worker,
 * Postgres, Redis and the simulator; then `status`. One simulator, database and prefix for the file.
 */

const connections = [
  { connectionId: 'conn-a', customerId: '2100001', accountIds: ['210000001', '210000002'] },
  { connectionId: 'conn-b', customerId: '2200002', accountIds: ['220000001'] },
];

let env: E2eEnv;
let worker: RunningWorker;
let producer: Redis;
let queue: Queue;
let range: { from: string; to: string };

const snapshot = async () =>
  (await env.db.database.pool.query(`SELECT * FROM campaign_performance_daily ORDER BY account_id, time_period, campaign_id, device_type, network, delivered_match_type`)).rows.map(
    ({ run_id: _run, loaded_at: _loaded, ...row }) => row,
  );

beforeAll(async () => {
  env = await startE2e('backfill', { connections });
  // `--report all` and `status` follow the enabled reports: one, whatever the default list is.
  env.env.REPORTS = 'campaign_performance:daily';
  worker = await startWorkerProcess(env.config, env.logger);
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  const today = todayIn('Europe/London', new Date());
  range = { from: addDays(today, -90), to: addDays(today, -1) };
});

afterAll(async () => {
  await worker?.stop(5_000);
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

describe('backfill', () => {
  it('a 90-day range loads exactly the expected rows in 31-day windows; re-running it changes nothing', async () => {
    const args = ['backfill', '--connection', 'conn-a', '--report', 'campaign_performance', '--from', range.from, '--to', range.to];
    const first = await runCli(args, env.env, 120_000);
    expect(first.stderr).not.toMatch(/failed:/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Enqueued 6 windows for 2 accounts (6 new, 0 already waiting or running) at backfill priority.');
    expect(first.stdout).toMatch(/conn-a\s+210000001\s+campaign_performance\s+daily\s+3\s+3\s+0\s+0\s+\d+/);
    // Not a terminal: progress is printed as plain lines, ending with every window done.
    expect(first.stderr).toMatch(/windows 6\/6 \(done 6, failed 0\), rows \d+, elapsed/);

    for (const accountId of ['210000001', '210000002']) {
      const expected = expectedTotals(env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...range }));
      const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
      expect(actual.size).toBe(90);
      expect([...actual.keys()]).toEqual([...expected.byPeriod.keys()]);
      for (const [day, totals] of expected.byPeriod) expect(actual.get(day)).toEqual(totals);
    }
    const runs = await env.db.database.pool.query(`SELECT window_start, window_end, status FROM report_runs WHERE account_id = 210000001 ORDER BY window_start`);
    expect(runs.rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    const before = await snapshot();
    const again = await runCli(args, env.env, 120_000);
    expect(again.code).toBe(0);
    expect(await snapshot()).toEqual(before);
    expect(env.sim.stats.submitsByAccount['220000001']).toBeUndefined();

    const status = await runCli(['status', '--connection', 'conn-a'], env.env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`conn-a\\s+210000001\\s+Account 210000001\\s+campaign_performance daily\\s+${addDays(range.to, -27)}..${range.to}\\s+.*up to date\\s+ok`));
    expect(status.stdout).toContain('all ok');
  });

  it('--no-wait enqueues and returns; Ctrl-C stops the waiting, not the jobs', async () => {
    await worker.worker.pause();
    try {
      const args = ['backfill', '--connection', 'all', '--account', '220000001', '--report', 'all', '--from', addDays(range.to, -13), '--to', range.to, '--window-days', '7'];
      const noWait = await runCli([...args, '--no-wait'], env.env);
      expect(noWait.code).toBe(0);
      expect(noWait.stdout).toContain('Enqueued 2 windows for 1 accounts (2 new, 0 already waiting or running)');
      // A paused worker is still connected: no warning; the last line gives the exit code and why.
      expect(noWait.stderr).not.toContain('no worker is consuming');
      expect(noWait.stdout).toMatch(/exit 0: every window enqueued \(not waited for/);
      expect(await queue.getJobCountByTypes('prioritized', 'waiting')).toBe(2);

      const waiting = startCli(args, env.env);
      await waitFor('the CLI to wait', async () => waiting.output().includes('Enqueued 2 windows'));
      waiting.child.kill('SIGINT');
      const ended = await waiting.exited;
      expect(ended.code).toBe(130);
      expect(ended.stdout).toContain('(0 new, 2 already waiting or running)');
      expect(ended.stdout).toContain('Stopped waiting: 2 windows are still queued or running in the workers');
    } finally {
      worker.worker.resume();
    }
    await waitFor('the jobs to finish without the CLI', async () => (await queue.getJobCountByTypes('completed')) >= 8 && (await queue.getJobCountByTypes('prioritized', 'waiting', 'active', 'delayed')) === 0, 60_000);
  }, 120_000);

  it('a connection that needs re-authorization is skipped and the exit code says so; bad input is refused', async () => {
    env.sim.faults.revokedConnections.add('conn-b');
    try {
      const skipped = await runCli(['backfill', '--connection', 'conn-b', '--report', 'campaign_performance', '--from', range.to, '--to', range.to], env.env);
      expect(skipped.code).toBe(1);
      expect(skipped.stdout).toMatch(/conn-b: needs re-authorization, skipped: .*invalid_credentials/);
      expect(skipped.stdout).toContain('exit 1: 1 connection(s) skipped: they need re-authorization in Nango');
      const status = await runCli(['status'], env.env);
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/conn-b\s+220000001\s+.*NEEDS_REAUTH/);
    } finally {
      env.sim.faults.revokedConnections.delete('conn-b');
    }
    // Under a queue prefix no worker consumes, the command says so before anything waits.
    const alone = `${env.prefix}-alone`;
    const orphan = await runCli(['backfill', '--connection', 'conn-a', '--account', '210000001', '--report', 'campaign_performance', '--from', range.to, '--to', range.to, '--no-wait'], { ...env.env, QUEUE_PREFIX: alone });
    expect(orphan.code).toBe(0);
    expect(orphan.stderr).toContain(`warning: no worker is consuming the queue ${alone}:reports; the windows wait until one runs (\`msads-etl worker\`)`);
    const leftover = createReportQueue(producer, alone);
    await leftover.obliterate({ force: true });
    await leftover.close();
    const future = await runCli(['backfill', '--connection', 'conn-a', '--report', 'campaign_performance', '--from', range.to, '--to', addDays(range.to, 5)], env.env);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/in the future/);
    const typo = await runCli(['backfill', '--connection', 'conn-x', '--report', 'campaign_performance', '--from', range.to, '--to', range.to], env.env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--connection conn-x: Nango has no such connection in integration "microsoft-ads"/);
    expect((await env.db.database.pool.query(`SELECT count(*)::int AS n FROM connections WHERE connection_id = 'conn-x'`)).rows[0].n).toBe(0);
    const unknown = await runCli(['backfill', '--connection', 'conn-a', '--account', '999', '--report', 'campaign_performance', '--from', range.to, '--to', range.to], env.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--account 999: not among the accounts of conn-a/);
  });
});
