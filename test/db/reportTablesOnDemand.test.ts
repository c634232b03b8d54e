import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { reportTableSpec } from '../../src/db/reportTableSpec.js';
import { loadReportCsv } from '../../src/load/loadReport.js';
import type { Aggregation } from '../../src/reports/aggregations.js';
import { reports, requestColumns, type ReportDefinition } from '../../src/reports/catalog.js';
import { generateRows } from '../../src/simulator/generator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrateBefore } from '../helpers/migrationsBefore.js';
import { csvText, noFinish } from '../load/fixtures.js';

/**
 * Report tables exist for what is enabled or loaded, not for the whole catalog: migrate makes the
 * enabled reports' tables, a first load makes its own, and a database migrated before keeps every
 * table that holds rows, as it was.
 */

const builtinTables = Object.values(reports).flatMap((def) => def.aggregations.map((a) => reportTableSpec(def, a).name));
const dbs: TestDatabase[] = [];

async function freshDb(label: string, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(label, options);
  dbs.push(db);
  return db;
}

afterAll(async () => {
  for (const db of dbs) await db.drop();
});

async function relations(db: TestDatabase, kind: 'r' | 'v'): Promise<string[]> {
  const { rows } = await db.database.pool.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = $1 ORDER BY 1`,
    [kind],
  );
  return rows.map((r) => r.name);
}
const reportTablesOf = async (db: TestDatabase) => (await relations(db, 'r')).filter((t) => builtinTables.includes(t));

function csvOf(def: ReportDefinition, aggregation: Aggregation, accountId: string, day: string): string {
  const columns = requestColumns(def, aggregation);
  const rows = [...generateRows({ columns, aggregation, accountId, from: day, to: day, seed: 'on-demand', shape: { campaigns: 1, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 } })];
  return csvText([columns, ...rows.map((r) => r.values)]);
}

function load(db: TestDatabase, def: ReportDefinition, aggregation: Aggregation, accountId: string, day: string) {
  const target = { report: def, aggregation, accountId, from: day, to: day, timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const, runId: 1 };
  return loadReportCsv(db.database.pool, target, Readable.from([csvOf(def, aggregation, accountId, day)]), noFinish);
}

describe('a new database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDb('on_demand_new', { migrate: false });
    await runMigrations(db.database.pool, { enabled: [{ report: 'campaign_performance', aggregation: 'Daily' }] });
  });

  it('with REPORTS=campaign_performance:daily holds that report table only, and the BI views over it', async () => {
    expect(await reportTablesOf(db)).toEqual(['campaign_performance_daily']);
    expect((await relations(db, 'v')).filter((v) => v.startsWith('bi_'))).toEqual(['bi_campaign_daily', 'bi_device_daily', 'bi_freshness']);
  });

  it('makes a table on its first load, with its key, comments and the BI views it completes, and loads it', async () => {
    const result = await load(db, reports.search_query_performance, 'Daily', '150000001', '2026-11-01');
    expect(result.rows).toBeGreaterThan(0);
    expect(await reportTablesOf(db)).toEqual(['campaign_performance_daily', 'search_query_performance_daily']);
    const { rows } = await db.database.pool.query<{ n: number; key: string | null; comment: string | null }>(
      `SELECT (SELECT count(*)::int FROM search_query_performance_daily) AS n,
              obj_description('search_query_performance_daily_key'::regclass, 'pg_class') AS key,
              obj_description('search_query_performance_daily'::regclass, 'pg_class') AS comment`,
    );
    expect(rows[0]).toMatchObject({ n: result.rows, key: expect.stringMatching(/^msads-etl key: /), comment: expect.stringMatching(/SearchQueryPerformanceReportRequest/) });
    expect((await relations(db, 'v')).filter((v) => v.startsWith('bi_'))).toEqual([
      'bi_campaign_daily',
      'bi_device_daily',
      'bi_freshness',
      'bi_search_term_daily',
      'bi_search_terms_without_conversions_30d',
    ]);
    // A second load finds the table and makes nothing; a later migrate keeps it (it exists now).
    await load(db, reports.search_query_performance, 'Daily', '150000001', '2026-11-02');
    const { tables } = await runMigrations(db.database.pool, { enabled: [{ report: 'campaign_performance', aggregation: 'Daily' }] });
    expect(tables).toEqual([]);
    expect(await reportTablesOf(db)).toEqual(['campaign_performance_daily', 'search_query_performance_daily']);
  });

  it('two first loads of one table at once both load; the table is made once', async () => {
    const results = await Promise.all(['150000001', '150000002', '150000003'].map((a) => load(db, reports.ad_group_performance, 'Hourly', a, '2026-11-01')));
    const { rows } = await db.database.pool.query<{ accounts: number; n: number }>(
      `SELECT count(DISTINCT account_id)::int AS accounts, count(*)::int AS n FROM ad_group_performance_hourly`,
    );
    expect(rows[0]).toEqual({ accounts: 3, n: results.reduce((s, r) => s + r.rows, 0) });
  });

  it('a first load that fails still leaves the table made (the load rolls back, not the table)', async () => {
    const target = { report: reports.keyword_performance, aggregation: 'Weekly' as const, accountId: '150000001', from: '2026-11-02', to: '2026-11-08', timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const, runId: 1 };
    const bad = csvText([requestColumns(reports.keyword_performance, 'Weekly'), ['x']]);
    await expect(loadReportCsv(db.database.pool, target, Readable.from([bad]), noFinish)).rejects.toThrow();
    const { rows } = await db.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM keyword_performance_weekly`);
    expect(rows[0]?.n).toBe(0);
  });
});

describe('a database migrated before 0009', () => {
  let db: TestDatabase;
  const keyOids = async () =>
    (await db.database.pool.query<{ name: string; oid: number }>(`SELECT relname AS name, oid::int AS oid FROM pg_class WHERE relname LIKE '%\\_key' ORDER BY 1`)).rows;

  beforeAll(async () => {
    db = await freshDb('on_demand_old', { migrate: false });
    await migrateBefore(db.database.pool, '0009');
    expect(await reportTablesOf(db)).toHaveLength(builtinTables.length);
  });

  it('keeps every table holding rows as it was (rows, key index), drops the empty ones, and makes the enabled ones', async () => {
    await load(db, reports.keyword_performance, 'Weekly', '150000001', '2026-11-02');
    await load(db, reports.campaign_performance, 'Hourly', '150000001', '2026-11-01');
    // An analyst's own view over an empty table keeps it (dropping would take their view with it).
    await db.database.pool.query(`CREATE VIEW my_ads AS SELECT ad_id FROM ad_performance_monthly`);
    const before = await db.database.pool.query<{ t: string; n: number }>(
      `SELECT 'kw' AS t, count(*)::int AS n FROM keyword_performance_weekly UNION ALL SELECT 'hourly', count(*)::int FROM campaign_performance_hourly`,
    );
    const oids = (await keyOids()).filter((k) => ['keyword_performance_weekly_key', 'campaign_performance_hourly_key', 'ad_performance_monthly_key'].includes(k.name));
    expect(oids).toHaveLength(3);

    await runMigrations(db.database.pool, { enabled: [{ report: 'campaign_performance', aggregation: 'Daily' }] });

    expect(await reportTablesOf(db)).toEqual(['ad_performance_monthly', 'campaign_performance_daily', 'campaign_performance_hourly', 'keyword_performance_weekly']);
    const after = await db.database.pool.query<{ t: string; n: number }>(
      `SELECT 'kw' AS t, count(*)::int AS n FROM keyword_performance_weekly UNION ALL SELECT 'hourly', count(*)::int FROM campaign_performance_hourly`,
    );
    expect(after.rows).toEqual(before.rows);
    expect(before.rows.every((r) => r.n > 0)).toBe(true);
    // The same key indexes: not rebuilt (0009 gave them the signature the runtime DDL compares).
    expect((await keyOids()).filter((k) => oids.some((o) => o.name === k.name))).toEqual(oids);
    expect((await relations(db, 'v')).filter((v) => v.startsWith('bi_'))).toEqual(['bi_campaign_daily', 'bi_campaign_hourly', 'bi_device_daily', 'bi_freshness']);
    // The kept hourly view has the new columns.
    const { rows } = await db.database.pool.query<{ connection_id: string | null; account_name: string | null }>(`SELECT connection_id, account_name FROM bi_campaign_hourly LIMIT 1`);
    expect(rows).toHaveLength(1);
  });
});
