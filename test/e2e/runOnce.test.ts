import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reports } from '../../src/reports/catalog.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { runCli } from '../helpers/cli.js';
import { startE2e, tableTotals, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv;

beforeAll(async () => {
  env = await startE2e('runonce');
});

afterAll(async () => {
  await env?.cleanup();
});

describe('msads-etl run-once (no Redis)', () => {
  it('runs the same steps in the foreground and prints what happened', async () => {
    const connection = env.simOptions.connections[0]!;
    const accountId = connection.accountIds[0]!;
    const window = { from: '2026-10-01', to: '2026-10-03' };
    // No REDIS_URL reachable: run-once must not need it.
    const result = await runCli(
      [
        'run-once',
        '--connection', connection.connectionId,
        '--account', accountId,
        '--customer', connection.customerId,
        '--report', 'campaign_performance',
        '--aggregation', 'daily',
        '--from', window.from,
        '--to', window.to,
      ],
      { ...env.env, REDIS_URL: 'redis://127.0.0.1:1' },
    );
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ReportRequestId \S+/);
    expect(result.stdout).toMatch(/polls [1-9]/);
    expect(result.stdout).toMatch(/bytes [1-9]\d*, rows [1-9]\d*/);
    expect(result.stdout).toMatch(/duration \d+\.\d s/);
    // The run says which API it used: REST by default, SOAP in test/soap-subset/.
    expect(result.stdout).toContain(`(over ${env.api === 'rest' ? 'REST' : 'SOAP'})`);

    const expected = expectedTotals(
      env.sim.generateOptions({ accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', ...window }),
    );
    const actual = await tableTotals(env, 'campaign_performance_daily', accountId);
    expect(actual).toEqual(expected.byPeriod);
  });

  it('takes customer and accounts from the Nango connection metadata when the flags are left out', async () => {
    const connection = env.simOptions.connections[0]!;
    const result = await runCli(
      ['run-once', '--connection', connection.connectionId, '--from', '2026-09-01', '--to', '2026-09-01'],
      env.env,
    );
    expect(result.code).toBe(0);
    for (const accountId of connection.accountIds) expect(result.stdout).toContain(`account ${accountId}`);
  });

  it('fails with a clear message and a non-zero exit code', async () => {
    const connection = env.simOptions.connections[0]!;
    const result = await runCli(
      [
        'run-once', '--connection', connection.connectionId, '--customer', connection.customerId,
        '--account', '999999999', '--from', '2026-10-01', '--to', '2026-10-01',
      ],
      env.env,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/run-once: failed: .*(2003|106|not authorized|NotAuthorized)/i);
    const ledger = await env.db.database.pool.query(`SELECT status, error_class, error_code FROM report_runs WHERE account_id = 999999999`);
    expect(ledger.rows[0]).toMatchObject({ status: 'failed', error_class: 'account' });
  });

  it('refuses a bad configuration listing every problem', async () => {
    const result = await runCli(['run-once', '--connection', 'x', '--from', '2026-10-01', '--to', '2026-10-01'], {
      ...env.env,
      MSADS_ENVIRONMENT: 'staging',
      WORKER_CONCURRENCY: 'many',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MSADS_ENVIRONMENT');
    expect(result.stderr).toContain('WORKER_CONCURRENCY');
  });
});
