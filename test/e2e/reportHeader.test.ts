import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reports, requestColumns } from '../../src/reports/catalog.js';
import { addDays, todayIn } from '../../src/reports/periods.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';
import { expectedTotals } from '../../src/simulator/generator.js';
import { demoSimulatorOptions } from '../../src/simulator/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The report header block through the real pipeline: `msads-etl run-once` (dist/, a child process)
 * against the simulator over real sockets. What the file states (Rows, Potential Incomplete Data, Time
 * Zone) must end up on the run's ledger row and on the rows loaded, and a file whose Rows line lies
 * must be refused without touching what was loaded before.
 */

let env: E2eEnv;
let connection: E2eEnv['simOptions']['connections'][number];
let dailyAccount: string;
let hourlyAccount: string;

/** The hourly account's zone in Customer Management: the simulator states hourly files in it. */
const EASTERN = '(GMT-05:00) Eastern Time (US & Canada)';
/** REPORT_TIME_ZONE's default: the zone daily files are stated in, and "yesterday" is reckoned in. */
const REQUEST_ZONE = 'GreenwichMeanTimeDublinEdinburghLisbonLondon';

beforeAll(async () => {
  const accountIds = demoSimulatorOptions().connections[0]!.accountIds;
  env = await startE2e('report_header', { accounts: { [accountIds[1]!]: { timeZone: 'EasternTimeUSCanada' } } });
  connection = env.simOptions.connections[0]!;
  dailyAccount = connection.accountIds[0]!;
  hourlyAccount = connection.accountIds[1]!;
});

afterAll(async () => {
  await env?.cleanup();
});

beforeEach(() => {
  Object.assign(env.sim.faults, defaultFaultSwitches(), { retryAfterSeconds: 0 });
});

const pool = () => env.db.database.pool;

function runOnce(accountId: string, aggregation: 'daily' | 'hourly', from: string, to: string): Promise<CliResult> {
  return runCli(
    [
      'run-once',
      '--connection', connection.connectionId,
      '--customer', connection.customerId,
      '--account', accountId,
      '--report', 'campaign_performance',
      '--aggregation', aggregation,
      '--from', from,
      '--to', to,
    ],
    { ...env.env, REDIS_URL: 'redis://127.0.0.1:1', JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '20' },
  );
}

async function lastRun(accountId: string, aggregation: string, from: string, to: string): Promise<Record<string, unknown>> {
  const { rows } = await pool().query(
    `SELECT * FROM report_runs WHERE account_id = $1 AND aggregation = $2 AND window_start = $3 AND window_end = $4 ORDER BY id DESC LIMIT 1`,
    [accountId, aggregation, from, to],
  );
  expect(rows).toHaveLength(1);
  return rows[0] as Record<string, unknown>;
}

const expectedRows = (accountId: string, aggregation: 'Daily' | 'Hourly', from: string, to: string) =>
  expectedTotals(env.sim.generateOptions({ accountId, columns: requestColumns(reports.campaign_performance, aggregation), aggregation, from, to }));

const today = () => todayIn(REQUEST_ZONE, Date.now());

describe('Potential Incomplete Data and Rows reach the run ledger', () => {
  it('a window ending yesterday is provisional: potential_incomplete, Rows stated, listed in report_provisional_windows', async () => {
    const to = addDays(today(), -1);
    const from = addDays(to, -1);
    const result = await runOnce(dailyAccount, 'daily', from, to);
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/provisional/);
    const run = await lastRun(dailyAccount, 'Daily', from, to);
    const expected = expectedRows(dailyAccount, 'Daily', from, to);
    expect(run).toMatchObject({ status: 'succeeded', potential_incomplete: true, rows: expected.rows, file_rows_stated: expected.rows });
    const { rows } = await pool().query(`SELECT run_id FROM report_provisional_windows WHERE account_id = $1`, [dailyAccount]);
    expect(rows.map((r) => Number(r.run_id))).toContain(Number(run['id']));
  });

  it('a window ending a week ago is not: potential_incomplete false, not provisional', async () => {
    const to = addDays(today(), -7);
    const from = addDays(to, -1);
    const result = await runOnce(dailyAccount, 'daily', from, to);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/provisional/);
    const run = await lastRun(dailyAccount, 'Daily', from, to);
    const expected = expectedRows(dailyAccount, 'Daily', from, to);
    expect(run).toMatchObject({ status: 'succeeded', potential_incomplete: false, rows: expected.rows, file_rows_stated: expected.rows });
    const { rows } = await pool().query(`SELECT 1 FROM report_provisional_windows WHERE run_id = $1`, [run['id']]);
    expect(rows).toEqual([]);
  });
});

describe('a file whose Rows line is wrong (fault wrongRowCount)', () => {
  it('fails the run as rows_stated_mismatch (bad_file) and leaves the rows loaded before intact', async () => {
    const to = addDays(today(), -20);
    const from = addDays(to, -2);
    const snapshot = async () =>
      (
        await pool().query(
          `SELECT * FROM campaign_performance_daily WHERE account_id = $1 AND time_period BETWEEN $2 AND $3
            ORDER BY time_period, campaign_id, device_type, network`,
          [dailyAccount, from, to],
        )
      ).rows.map(({ loaded_at: _loaded, ...row }) => row);

    expect((await runOnce(dailyAccount, 'daily', from, to)).code).toBe(0);
    const good = await lastRun(dailyAccount, 'Daily', from, to);
    const before = await snapshot();
    expect(before).toHaveLength(expectedRows(dailyAccount, 'Daily', from, to).rows);
    expect(new Set(before.map((r) => Number(r['run_id'])))).toEqual(new Set([Number(good['id'])]));

    env.sim.faults.wrongRowCount = 2;
    const result = await runOnce(dailyAccount, 'daily', from, to);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Rows: \d+ but the file holds \d+ data rows/);
    const failed = await lastRun(dailyAccount, 'Daily', from, to);
    expect(failed['id']).not.toBe(good['id']);
    expect(failed).toMatchObject({ status: 'failed', error_class: 'bad_file', error_name: 'rows_stated_mismatch' });
    const stated = before.length + 2;
    expect(String(failed['error_message'])).toContain(`Rows: ${stated} but the file holds ${before.length} data rows`);
    expect(await snapshot()).toEqual(before);
  });
});

describe('an hourly report', () => {
  it("stores its rows in the zone the simulator states (the account's, Eastern), and the run knows its IANA zone", async () => {
    const day = addDays(today(), -10);
    const result = await runOnce(hourlyAccount, 'hourly', day, day);
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.code).toBe(0);
    const run = await lastRun(hourlyAccount, 'Hourly', day, day);
    const expected = expectedRows(hourlyAccount, 'Hourly', day, day);
    expect(expected.rows).toBeGreaterThan(0);
    expect(run).toMatchObject({
      status: 'succeeded',
      rows: expected.rows,
      file_rows_stated: expected.rows,
      file_time_zone: EASTERN,
      file_time_zone_iana: 'America/New_York',
      potential_incomplete: false,
    });

    const { rows } = await pool().query(
      `SELECT to_char(time_period, 'YYYY-MM-DD') || '|' || extract(hour FROM time_period)::int AS period, count(*)::int AS n,
              array_agg(DISTINCT file_time_zone) AS zones, array_agg(DISTINCT run_id) AS runs
         FROM campaign_performance_hourly WHERE account_id = $1 GROUP BY 1`,
      [hourlyAccount],
    );
    // Every hour as the simulator delivered it ("YYYY-MM-DD|H"), none shifted to UTC.
    expect(new Map(rows.map((r) => [r.period, r.n]))).toEqual(new Map([...expected.byPeriod].map(([p, t]) => [p, t.rows])));
    for (const r of rows) {
      expect(r.zones).toEqual([EASTERN]);
      expect(r.runs.map(Number)).toEqual([Number(run['id'])]);
    }

    // The BI view's instant: local midnight of `day` in New York.
    const view = await pool().query(
      `SELECT hour, hour_start_utc FROM bi_campaign_hourly WHERE account_id = $1 AND day = $2 AND hour = 0 LIMIT 1`,
      [hourlyAccount, day],
    );
    const offset = (await pool().query(`SELECT ($1::date::timestamp AT TIME ZONE 'America/New_York') AS at`, [day])).rows[0].at as Date;
    expect((view.rows[0]?.hour_start_utc as Date).toISOString()).toBe(offset.toISOString());
    expect([4, 5]).toContain(offset.getUTCHours());
  });
});
