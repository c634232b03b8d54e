import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { startCli, waitFor } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * SIGTERM: the worker stops taking jobs, lets a running load finish within the grace period or, past
 * it, abandons it (the transaction rolls back), and exits 0 either way.
 */

let env: E2eEnv;
let connection: E2eEnv['simOptions']['connections'][number];
let accountId: string;

beforeAll(async () => {
  env = await startE2e('sigterm', { generationMs: 50 });
  Object.assign(env.env, { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', POLL_INITIAL_MS: '30', POLL_MAX_MS: '60', JOB_BACKOFF_MS: '50' });
  connection = env.simOptions.connections[0]!;
  accountId = connection.accountIds[0]!;
});

afterAll(async () => {
  await env?.cleanup();
});

const q = async (sql: string, params: unknown[] = []) => (await env.db.database.pool.query(sql, params)).rows;
const runOf = async (from: string) => (await q(`SELECT * FROM report_runs WHERE window_start = $1 ORDER BY id DESC LIMIT 1`, [from]))[0];

async function enqueue(window: { from: string; to: string }): Promise<void> {
  const producer = createRedis(env.config.redisUrl, 'producer');
  const queue = createReportQueue(producer, env.prefix);
  try {
    await enqueueReport(queue, { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...window }, { attempts: 5 });
  } finally {
    await queue.close();
    producer.disconnect();
  }
}

/** Loads the window once, then holds a row lock so the next load of it blocks inside its transaction. */
async function blockNextLoad(window: { from: string; to: string }): Promise<pg.Client> {
  await enqueue(window);
  const loader = startCli(['worker'], env.env);
  await waitFor('the first load', async () => (await runOf(window.from))?.status === 'succeeded' || undefined);
  loader.child.kill('SIGTERM');
  await loader.exited;
  const blocker = new pg.Client({ connectionString: env.db.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  // A re-load writes only changed rows, so a row lock might never be met: hold off every write instead (reads go on).
    await blocker.query(`LOCK TABLE campaign_performance_daily IN SHARE MODE`);
  await enqueue(window);
  return blocker;
}

const loadBlocked = async () =>
  (await q(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'msads-etl'`)).length > 0 || undefined;

describe('SIGTERM', () => {
  it('lets a running load finish within the grace period, then exits 0', async () => {
    const window = { from: '2026-07-01', to: '2026-07-02' };
    const blocker = await blockNextLoad(window);
    const worker = startCli(['worker', '--grace', '20'], env.env);
    await waitFor('the load to block', loadBlocked);
    const firstRun = (await runOf(window.from)).id;
    worker.child.kill('SIGTERM');
    // The worker is draining: release the lock and the load completes before it exits.
    await blocker.query('COMMIT');
    await blocker.end();
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    const run = await runOf(window.from);
    expect(run.id).toBe(firstRun);
    expect(run.status).toBe('succeeded');
  });

  it('past the grace period abandons the load (rolled back), exits 0, and another worker finishes it', async () => {
    const window = { from: '2026-07-03', to: '2026-07-04' };
    const blocker = await blockNextLoad(window);
    const before = await q(`SELECT run_id, count(*)::int AS n FROM campaign_performance_daily WHERE time_period BETWEEN $1 AND $2 GROUP BY run_id`, [window.from, window.to]);
    const worker = startCli(['worker', '--grace', '1'], env.env);
    await waitFor('the load to block', loadBlocked);
    worker.child.kill('SIGTERM');
    const exit = await Promise.race([worker.exited, new Promise<null>((r) => setTimeout(() => r(null), 8000))]);
    if (!exit) { console.log('HUNG', worker.output().slice(-3000)); worker.child.kill('SIGKILL'); }
    expect(exit?.code).toBe(0);
    // Its transaction is gone with its connection: the rows are still the previous load's.
    await blocker.query('COMMIT');
    await blocker.end();
    expect(await q(`SELECT run_id, count(*)::int AS n FROM campaign_performance_daily WHERE time_period BETWEEN $1 AND $2 GROUP BY run_id`, [window.from, window.to])).toEqual(before);
    const next = startCli(['worker'], env.env);
    try {
      const run = await waitFor('another worker to finish the run', async () => {
        const r = await runOf(window.from);
        return r?.status === 'succeeded' && r.id !== before[0].run_id ? r : undefined;
      });
      const after = await q(`SELECT run_id, count(*)::int AS n FROM campaign_performance_daily WHERE time_period BETWEEN $1 AND $2 GROUP BY run_id`, [window.from, window.to]);
      // The simulator serves the same figures again, so the re-load rewrote nothing: every row keeps the
      // run that last changed it (a re-load writes only what changed), and the new run counted them all.
      expect(after).toEqual(before);
      expect(Number(run.rows)).toBe(before[0].n);
    } finally {
      next.child.kill('SIGTERM');
      expect((await next.exited).code).toBe(0);
    }
  });
});
