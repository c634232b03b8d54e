import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDeps } from '../../src/app/runDeps.js';
import { loadConfig } from '../../src/config.js';
import { reportTableSpec } from '../../src/db/reportTableSpec.js';
import type { ReportRunDeps } from '../../src/jobs/context.js';
import { buildRequestSpec } from '../../src/jobs/requestSpec.js';
import { runInForeground } from '../../src/jobs/runInForeground.js';
import type { Aggregation } from '../../src/reports/aggregations.js';
import { addDays, predefinedWindow, todayIn, type DayWindow } from '../../src/reports/periods.js';
import { runCli } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { expectedFigures, expectedRowsPerPeriod, rowsPerPeriod, tableFigures } from '../helpers/tableCheck.js';

/**
 * A custom report declared in REPORTS_FILE, end to end: `migrate` creates its tables, runs load every
 * aggregation the built-ins lack, and a column added to the file later becomes a table column without
 * losing the rows loaded before; loading again fills it.
 */

let env: E2eEnv;
let dir: string;
const opened: (() => Promise<void>)[] = [];
const ZONE = 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const;
const NAME = 'campaign_custom';
const AGGREGATIONS: Aggregation[] = ['DayOfWeek', 'HourOfDay', 'Summary', 'WeeklyStartingMonday', 'Yearly'];
const V1 = ['CampaignId', 'CampaignName', 'Impressions', 'Clicks', 'Spend'];
const V2 = [...V1, 'DeviceType', 'Conversions'];

const connection = () => env.simOptions.connections[0]!;
const account = () => connection().accountIds[0]!;

function reportsFile(columns: string[]): string {
  const path = join(dir, `reports-${columns.length}.json`);
  writeFileSync(path, JSON.stringify({ customReports: [{ name: NAME, requestType: 'CampaignPerformanceReportRequest', columns, aggregation: AGGREGATIONS }] }));
  return path;
}

const envWith = (file: string) => ({ ...env.env, REPORTS_FILE: file, MSADS_CALLS_PER_MINUTE: '100000', MSADS_MAX_CONCURRENT_REPORTS: '1000' });

async function depsFor(file: string): Promise<ReportRunDeps> {
  const { deps, close } = await createRunDeps(loadConfig(envWith(file)), env.logger);
  opened.push(close);
  return deps;
}

async function load(deps: ReportRunDeps, aggregation: Aggregation, window: DayWindow) {
  const target = { connectionId: connection().connectionId, customerId: connection().customerId, accountId: account(), report: NAME, aggregation, ...window };
  const result = await runInForeground(deps, target, { attempts: 1, backoffMs: 10 });
  expect(result.status).toBe('succeeded');
  return buildRequestSpec(target, deps);
}

/** The table holds exactly the simulator's rows for the request (per period, NULLs and sums). */
async function expectLoaded(deps: ReportRunDeps, aggregation: Aggregation, request: { columns: readonly string[]; from: string; to: string }) {
  const spec = reportTableSpec(deps.reports.get(NAME), aggregation);
  const options = env.sim.generateOptions({ accountId: account(), columns: request.columns, aggregation, from: request.from, to: request.to });
  const pool = env.db.database.pool;
  expect(Object.fromEntries(await rowsPerPeriod(pool, spec, account(), request)), aggregation).toEqual(Object.fromEntries(expectedRowsPerPeriod(options)));
  expect(await tableFigures(pool, spec, account(), request), aggregation).toEqual(expectedFigures(spec, options));
}

beforeAll(async () => {
  env = await startE2e('custom', { generationMs: 50, shape: { campaigns: 2, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 } });
  dir = mkdtempSync(join(tmpdir(), 'msads-custom-'));
});

afterAll(async () => {
  for (const close of opened) await close();
  await env?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a custom report from REPORTS_FILE', () => {
  const today = () => todayIn(ZONE, Date.now());
  const lastSevenDays = () => predefinedWindow('LastSevenDays', today());
  const yesterday = () => predefinedWindow('Yesterday', today());

  it('gets its tables from `migrate` and loads every aggregation the built-ins lack', async () => {
    const v1 = reportsFile(V1);
    const migrated = await runCli(['migrate'], envWith(v1));
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('created campaign_custom_day_of_week\n');
    const tables = await env.db.database.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE '${NAME}_%' ORDER BY 1`);
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'campaign_custom_day_of_week',
      'campaign_custom_hour_of_day',
      'campaign_custom_summary',
      'campaign_custom_weekly_starting_monday',
      'campaign_custom_yearly',
    ]);
    const deps = await depsFor(v1);
    const windows: Record<Aggregation, DayWindow> = {
      DayOfWeek: lastSevenDays(),
      HourOfDay: yesterday(),
      Summary: { from: addDays(today(), -5), to: addDays(today(), -2) },
      WeeklyStartingMonday: { from: addDays(today(), -10), to: addDays(today(), -3) },
      Yearly: { from: addDays(today(), -10), to: addDays(today(), -3) },
    } as Record<Aggregation, DayWindow>;
    for (const aggregation of AGGREGATIONS) {
      const request = await load(deps, aggregation, windows[aggregation]);
      await expectLoaded(deps, aggregation, request);
    }
    const stamp = await env.db.database.pool.query(`SELECT DISTINCT window_start::text, window_end::text FROM campaign_custom_summary`);
    expect(stamp.rows).toEqual([{ window_start: windows.Summary.from, window_end: windows.Summary.to }]);
  });

  it('run-once takes the custom name and aggregation from the command line', async () => {
    const window = yesterday();
    const result = await runCli(
      ['run-once', '--connection', connection().connectionId, '--customer', connection().customerId, '--account', account(),
        '--report', NAME, '--aggregation', 'day_of_week', '--from', window.from, '--to', window.to],
      envWith(reportsFile(V1)),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/campaign_custom DayOfWeek account \d+ .*\n[\s\S]*rows [1-9]/);
  });

  it('widens its table when a column is added: earlier rows stay, new loads fill the column', async () => {
    const pool = env.db.database.pool;
    const before = await pool.query(`SELECT count(*)::int AS n, sum(impressions)::bigint AS impressions FROM campaign_custom_day_of_week`);
    const v2 = reportsFile(V2);
    const widened = await runCli(['migrate'], envWith(v2));
    expect(widened.code).toBe(0);
    expect(widened.stdout).toContain('added campaign_custom_day_of_week.device_type\nadded campaign_custom_day_of_week.conversions\nkeyed campaign_custom_day_of_week\n');
    const after = await pool.query(
      `SELECT count(*)::int AS n, sum(impressions)::bigint AS impressions, count(device_type)::int AS devices, count(conversions)::int AS conversions FROM campaign_custom_day_of_week`,
    );
    expect(after.rows[0]).toEqual({ ...before.rows[0], devices: 0, conversions: 0 });

    const deps = await depsFor(v2);
    const request = await load(deps, 'DayOfWeek', lastSevenDays());
    expect(request.columns).toEqual(['TimePeriod', 'AccountId', 'CurrencyCode', ...V2]);
    await expectLoaded(deps, 'DayOfWeek', request);
    const windows = await pool.query(
      `SELECT window_start::text AS start, count(*)::int AS n, count(device_type)::int AS devices FROM campaign_custom_day_of_week GROUP BY 1 ORDER BY 1`,
    );
    const lastWeek = windows.rows.find((r) => r.start === lastSevenDays().from);
    const yesterdays = windows.rows.find((r) => r.start === yesterday().from);
    // The re-loaded window is filled; the window loaded before (by run-once, Yesterday) kept its rows.
    expect(lastWeek).toMatchObject({ devices: lastWeek?.n });
    expect(yesterdays?.n).toBeGreaterThan(0);
    expect(yesterdays?.devices).toBe(0);
  });
});
