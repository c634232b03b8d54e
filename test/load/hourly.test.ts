import { join } from 'node:path';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportTable } from '../../src/db/reportTables.js';
import { ReportFileError } from '../../src/errors.js';
import { loadReportZip, type LoadTarget } from '../../src/load/loadReport.js';
import { reports, tableName, type ReportDefinition } from '../../src/reports/catalog.js';
import { expectedTotals, generateRows, type GenerateOptions } from '../../src/simulator/generator.js';
import { writeReportZip } from '../../src/simulator/reportFile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, FULL_LAYOUT, csvText, noFinish, tempDir, writeZip } from './fixtures.js';

/** A test-only Hourly report: the catalog has none yet, but the load path must handle one. */
const hourlyReport: ReportDefinition = {
  name: 'test_campaign_hourly',
  requestType: 'CampaignPerformanceReportRequest',
  aggregations: ['Hourly'],
  description: 'Test-only hourly campaign report.',
  columns: ['TimePeriod', 'AccountId', 'CampaignId', 'CampaignName', 'DeviceType', 'Impressions', 'Clicks', 'Ctr', 'Spend', 'QualityScore'],
};
const TABLE = tableName(hourlyReport, 'Hourly');
const LIMITS = { maxUncompressedBytes: 50_000_000 };

let testDb: TestDatabase;
let tmp: ReturnType<typeof tempDir>;
let zips = 0;

beforeAll(async () => {
  testDb = await createTestDatabase('load_hourly');
  tmp = tempDir();
  // The same DDL drizzle-kit would generate for the table, so its shape matches the migrated ones.
  const ddl = await generateMigration(generateDrizzleJson({}), generateDrizzleJson({ t: buildReportTable(hourlyReport, 'Hourly') }));
  for (const statement of ddl) await testDb.database.pool.query(statement);
});

afterAll(async () => {
  await testDb?.drop();
  tmp?.remove();
});

// The window spans the end of US daylight saving time (2026-11-01, 02:00 EDT → 01:00 EST).
const options = (overrides: Partial<GenerateOptions> = {}): GenerateOptions => ({
  columns: hourlyReport.columns,
  aggregation: 'Hourly',
  accountId: ACCOUNT,
  from: '2026-10-31',
  to: '2026-11-01',
  seed: 'hourly',
  shape: { campaigns: 2, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 },
  ...overrides,
});

const target = (o: GenerateOptions): LoadTarget => ({
  report: hourlyReport,
  aggregation: 'Hourly',
  accountId: o.accountId,
  from: o.from,
  to: o.to,
  timeZone: 'EasternTimeUSCanada',
  runId: 7,
});

/**
 * "YYYY-MM-DD|H" in New York → UTC, written out by hand: UTC-4 until 2026-11-01 01:00, which is
 * ambiguous and which Postgres reads as EST like every later hour (UTC-5).
 */
function newYorkHourToUtc(period: string): string {
  const [day, hour] = period.split('|') as [string, string];
  const h = Number(hour);
  const offset = day < '2026-11-01' || (day === '2026-11-01' && h === 0) ? 4 : 5;
  return new Date(Date.parse(`${day}T00:00:00Z`) + (h + offset) * 3_600_000).toISOString();
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
    for (const [period, t] of expectedTotals(o).byPeriod) out.set(newYorkHourToUtc(period), { rows: t.rows, impressions: t.impressions });
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

describe('Hourly reports', () => {
  it('turns "YYYY-MM-DD|H" into the instant of that hour in the report time zone', async () => {
    const o = options();
    const result = await load(o);
    expect(result.rows).toBe(expectedTotals(o).rows);
    const totals = await hourTotals();
    expect(totals).toEqual(expectedHours(o));
    expect(totals.has('2026-10-31T04:00:00.000Z')).toBe(true); // 00:00 EDT
    expect(totals.has('2026-11-02T04:00:00.000Z')).toBe(true); // 23:00 EST on Nov 1
  });

  it("replaces only the window's days, taken in the report time zone", async () => {
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

// Keep the catalog import meaningful: the test report borrows the campaign report's request type.
void reports.campaign_performance;
