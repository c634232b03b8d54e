import { join } from 'node:path';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportTable } from '../../src/db/reportTables.js';
import { ReportFileError } from '../../src/errors.js';
import { loadReportZip, type LoadTarget } from '../../src/load/loadReport.js';
import { requestColumns, tableName, type ReportDefinition } from '../../src/reports/catalog.js';
import { expectedTotals, generateRows, type GenerateOptions } from '../../src/simulator/generator.js';
import { writeReportZip } from '../../src/simulator/reportFile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, FULL_LAYOUT, csvText, noFinish, periodTotals, tempDir, writeZip } from './fixtures.js';

/** A test-only report in the aggregations the catalog has none of yet, but the load path must handle. */
const testReport: ReportDefinition = {
  name: 'test_campaign',
  requestType: 'CampaignPerformanceReportRequest',
  aggregations: ['Hourly', 'Weekly', 'Monthly'],
  description: 'Test-only campaign report.',
  columns: ['TimePeriod', 'AccountId', 'CampaignId', 'CampaignName', 'DeviceType', 'Impressions', 'Clicks', 'Ctr', 'Spend', 'QualityScore'],
};
const TABLE = tableName(testReport, 'Hourly');
const LIMITS = { maxUncompressedBytes: 50_000_000 };

let testDb: TestDatabase;
let tmp: ReturnType<typeof tempDir>;
let zips = 0;

beforeAll(async () => {
  testDb = await createTestDatabase('load_hourly');
  tmp = tempDir();
  // The same DDL drizzle-kit would generate for the tables, so their shape matches the migrated ones.
  const tables = Object.fromEntries(testReport.aggregations.map((a) => [a, buildReportTable(testReport, a)]));
  const ddl = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(tables));
  for (const statement of ddl) await testDb.database.pool.query(statement);
});

afterAll(async () => {
  await testDb?.drop();
  tmp?.remove();
});

// The window spans the end of US daylight saving time (2026-11-01, 02:00 EDT → 01:00 EST), which must
// not matter: Microsoft's hours are UTC whatever the report time zone.
const options = (overrides: Partial<GenerateOptions> = {}): GenerateOptions => ({
  columns: requestColumns(testReport, overrides.aggregation ?? 'Hourly'),
  aggregation: 'Hourly',
  accountId: ACCOUNT,
  from: '2026-10-31',
  to: '2026-11-01',
  seed: 'hourly',
  shape: { campaigns: 2, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 },
  ...overrides,
});

const target = (o: GenerateOptions): LoadTarget => ({
  report: testReport,
  aggregation: o.aggregation,
  accountId: o.accountId,
  from: o.from,
  to: o.to,
  timeZone: 'EasternTimeUSCanada',
  runId: 7,
});

/** "YYYY-MM-DD|H" → the UTC instant of that hour (REPORTING-FACTS §5.4: report data is relative to UTC). */
function hourToUtc(period: string): string {
  const [day, hour] = period.split('|') as [string, string];
  return new Date(Date.parse(`${day}T00:00:00Z`) + Number(hour) * 3_600_000).toISOString();
}

async function load(o: GenerateOptions) {
  const path = join(tmp.dir, `h${zips++}.zip`);
  await writeReportZip(path, o, FULL_LAYOUT);
  return loadReportZip(testDb.database.pool, target(o), path, LIMITS, noFinish);
}

async function hourTotals(): Promise<Map<string, { rows: number; impressions: number }>> {
  const { rows } = await testDb.database.pool.query<{ at: Date; rows: number; impressions: string }>(
    `SELECT time_period AS at, count(*)::int AS rows, sum(impressions) AS impressions FROM ${TABLE} GROUP BY 1 ORDER BY 1`,
  );
  return new Map(rows.map((r) => [r.at.toISOString(), { rows: r.rows, impressions: Number(r.impressions) }]));
}

function expectedHours(...all: GenerateOptions[]): Map<string, { rows: number; impressions: number }> {
  const out = new Map<string, { rows: number; impressions: number }>();
  for (const o of all) {
    for (const [period, t] of expectedTotals(o).byPeriod) out.set(hourToUtc(period), { rows: t.rows, impressions: t.impressions });
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

describe('Hourly reports', () => {
  it('turns "YYYY-MM-DD|H" into the UTC instant of that hour, whatever the report time zone', async () => {
    const o = options();
    const result = await load(o);
    expect(result.rows).toBe(expectedTotals(o).rows);
    const totals = await hourTotals();
    expect(totals).toEqual(expectedHours(o));
    expect(totals.has('2026-10-31T00:00:00.000Z')).toBe(true);
    expect(totals.has('2026-11-01T23:00:00.000Z')).toBe(true);
    expect(totals.size).toBe(48);
  });

  it("replaces only the window's days, as UTC days", async () => {
    const nov1 = options({ from: '2026-11-01', to: '2026-11-01', seed: 'nov1' });
    await load(nov1);
    const oct31 = options({ from: '2026-10-31', to: '2026-10-31', seed: 'oct31-new' });
    await load(oct31);
    expect(await hourTotals()).toEqual(expectedHours(oct31, nov1));
  });

  it('rejects a bad hour, and an hour outside the window', async () => {
    const o = options({ from: '2026-10-31', to: '2026-10-31', seed: 'bad' });
    const before = await hourTotals();
    const rows = [...generateRows(o)].map((r) => [...r.values]);
    const bad = rows.map((r) => [...r]);
    (bad[2] as string[])[0] = '2026-10-31|x';
    const outside = rows.map((r) => [...r]);
    (outside[5] as string[])[0] = '2026-11-01|0';
    for (const [data, reason, text] of [
      [bad, 'bad_value', 'line 4, column TimePeriod: "2026-10-31|x"'],
      [outside, 'outside_window', '1 of'],
    ] as const) {
      const path = join(tmp.dir, `h${zips++}.zip`);
      await writeZip(path, [{ name: 'r.csv', data: csvText([o.columns, ...data]) }]);
      const err = await loadReportZip(testDb.database.pool, target(o), path, LIMITS, noFinish).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReportFileError);
      expect((err as ReportFileError).reason).toBe(reason);
      expect((err as ReportFileError).message).toContain(text);
    }
    expect(await hourTotals()).toEqual(before);
  });
});

describe('Weekly and Monthly reports', () => {
  const pool = () => testDb.database.pool;

  it("replaces from the start of the window's first week (Sunday)", async () => {
    const table = tableName(testReport, 'Weekly');
    // 2026-10-07 is a Wednesday: its week's row carries Sunday 2026-10-04.
    const previous = options({ aggregation: 'Weekly', from: '2026-09-27', to: '2026-10-03', seed: 'w0' });
    const first = options({ aggregation: 'Weekly', from: '2026-10-07', to: '2026-10-20', seed: 'w1' });
    const again = { ...first, seed: 'w2' };
    await load(previous);
    await load(first);
    expect([...(await periodTotals(pool(), table, ACCOUNT, first)).keys()]).toEqual(['2026-10-11', '2026-10-18']);
    await load(again);
    const expected = new Map([...expectedTotals(previous).byPeriod, ...expectedTotals(again).byPeriod]);
    expect(await periodTotals(pool(), table, ACCOUNT)).toEqual(expected);
  });

  it("replaces from the first of the window's first month, and rejects an earlier month", async () => {
    const table = tableName(testReport, 'Monthly');
    const o = options({ aggregation: 'Monthly', from: '2026-10-15', to: '2026-11-10', seed: 'm1' });
    await load(o);
    await load({ ...o, seed: 'm2' });
    expect(await periodTotals(pool(), table, ACCOUNT)).toEqual(expectedTotals({ ...o, seed: 'm2' }).byPeriod);
    const rows = [...generateRows(o)].map((r) => [...r.values]);
    (rows[0] as string[])[0] = '2026-09-01';
    const path = join(tmp.dir, `m${zips++}.zip`);
    await writeZip(path, [{ name: 'r.csv', data: csvText([o.columns, ...rows]) }]);
    const err = await loadReportZip(pool(), target(o), path, LIMITS, noFinish).catch((e: unknown) => e);
    expect((err as ReportFileError).reason).toBe('outside_window');
  });
});
