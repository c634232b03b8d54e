import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { startCli, waitFor } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv;

beforeAll(async () => {
  // A report that stays Pending long enough to kill the worker between submit and the final poll.
  env = await startE2e('resume', { generationMs: 4_000 });
});

afterAll(async () => {
  await env?.cleanup();
});

describe('a worker killed between submit and poll', () => {
  it('resumes polling the same ReportRequestId after a restart and never submits twice', async () => {
    const connection = env.simOptions.connections[0]!;
    const accountId = connection.accountIds[0]!;
    const producer = createRedis(env.config.redisUrl, 'producer');
    const queue = createReportQueue(producer, env.prefix);
    try {
      await enqueueReport(
        queue,
        { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', from: '2026-11-01', to: '2026-11-02' },
        { attempts: 3 },
      );
      const first = startCli(['worker'], env.env);
      const pending = await waitFor('the report to be submitted', async () => {
        const r = await env.db.database.pool.query(`SELECT report_request_id FROM report_runs WHERE status = 'pending'`);
        return r.rows[0]?.report_request_id as string | undefined;
      });
      first.child.kill('SIGKILL');
      await first.exited;

      const second = startCli(['worker'], env.env);
      try {
        const done = await waitFor(
          'the run to succeed',
          async () => {
            const r = await env.db.database.pool.query(`SELECT * FROM report_runs WHERE status = 'succeeded'`);
            return r.rows[0];
          },
          45_000,
        );
        expect(done.report_request_id).toBe(pending);
        expect(done.submits).toBe(1);
        expect(env.sim.stats.submits).toBe(1);
        expect(Number(done.rows)).toBeGreaterThan(0);
      } finally {
        second.child.kill('SIGTERM');
        const exit = await second.exited;
        expect(exit.code).toBe(0);
      }
    } finally {
      await queue.close();
      producer.disconnect();
    }
  });
});
