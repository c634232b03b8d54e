import { Readable } from 'node:stream';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyComments, desiredComments } from '../../src/db/comments.js';
import { createKeySql, createTableSql } from '../../src/db/customTables.js';
import { runMigrations } from '../../src/db/migrate.js';
import { reportTableSpec } from '../../src/db/reportTableSpec.js';
import { loadReportCsv } from '../../src/load/loadReport.js';
import { reports, requestColumns, type ReportDefinition } from '../../src/reports/catalog.js';
import { customReportDefinition } from '../../src/reports/customReports.js';
import { builtinRegistry, createReportRegistry } from '../../src/reports/registry.js';
import { generateRows } from '../../src/simulator/generator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrateBefore } from '../helpers/migrationsBefore.js';
import { ACCOUNT, csvText, noFinish } from '../load/fixtures.js';

/** What migrate makes of the catalog: comments, the runtime DDL of report tables, the hashed key. */

let testDb: TestDatabase;
/** A database as the release before 0009 left it: every built-in table made by drizzle-kit's migrations. */
let oldDb: TestDatabase;
const pool = () => testDb.database.pool;
const everyBuiltin = builtinRegistry.all().flatMap((def) => def.aggregations.map((aggregation) => ({ report: def.name, aggregation })));

beforeAll(async () => {
  testDb = await createTestDatabase('migrate_catalog');
  // Every built-in enabled: all 68 tables, made by the runtime DDL.
  await runMigrations(pool(), { enabled: everyBuiltin });
  oldDb = await createTestDatabase('migrate_catalog_old', { migrate: false });
  await migrateBefore(oldDb.database.pool, '0009');
});

afterAll(async () => {
  await testDb?.drop();
  await oldDb?.drop();
});

async function columnsOf(table: string, on: pg.Pool = pool()) {
  const { rows } = await on.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name`,
    [table],
  );
  return rows;
}

async function indexDef(index: string, on: pg.Pool = pool()): Promise<string | undefined> {
  const { rows } = await on.query<{ def: string }>(`SELECT pg_get_indexdef(to_regclass($1)) AS def`, [index]);
  return rows[0]?.def ?? undefined;
}

describe('comments', () => {
  it('describes every report table and column, and the run ledger', async () => {
    const { rows } = await pool().query(
      `SELECT obj_description('keyword_performance_hourly'::regclass, 'pg_class') AS table_comment,
              col_description('keyword_performance_hourly'::regclass,
                (SELECT attnum FROM pg_attribute WHERE attrelid = 'keyword_performance_hourly'::regclass AND attname = 'time_period')) AS hour,
              col_description('campaign_performance_daily'::regclass,
                (SELECT attnum FROM pg_attribute WHERE attrelid = 'campaign_performance_daily'::regclass AND attname = 'ctr')) AS ctr,
              obj_description('report_runs'::regclass, 'pg_class') AS ledger`,
    );
    expect(rows[0].table_comment).toMatch(/KeywordPerformanceReportRequest, Hourly aggregation/);
    expect(rows[0].hour).toMatch(/UTC/);
    expect(rows[0].ctr).toMatch(/in percent/);
    expect(rows[0].ledger).toMatch(/run ledger/);
    const missing = await pool().query(
      `SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1)
          AND col_description(c.oid, a.attnum) IS NULL`,
      [Object.values(reports).flatMap((d) => d.aggregations.map((a) => reportTableSpec(d, a).name))],
    );
    expect(missing.rows).toEqual([]);
  });

  it('are idempotent: a second migrate writes none', async () => {
    await runMigrations(pool(), { enabled: everyBuiltin });
    const specs = builtinRegistry.all().flatMap((d) => d.aggregations.map((a) => reportTableSpec(d, a)));
    const client = await pool().connect();
    try {
      expect(await applyComments(client, desiredComments(specs))).toBe(0);
    } finally {
      client.release();
    }
  });
});

describe('table shape', () => {
  it('runtime DDL makes every built-in table exactly as the drizzle-kit migrations before 0009 did, columns and key', async () => {
    for (const def of Object.values(reports)) {
      for (const aggregation of def.aggregations) {
        const spec = reportTableSpec(def, aggregation);
        expect(await columnsOf(spec.name), spec.name).toEqual(await columnsOf(spec.name, oldDb.database.pool));
        expect(await indexDef(spec.key.name), spec.name).toBe(await indexDef(spec.key.name, oldDb.database.pool));
      }
    }
  });

  it('createTableSql and createKeySql alone make the same table under another name', async () => {
    const spec = reportTableSpec(reports.keyword_performance, 'Hourly');
    const copy = { ...spec, name: `copy_${spec.name}`, key: { ...spec.key, name: `copy_${spec.key.name}` } };
    await pool().query(createTableSql(copy));
    await pool().query(createKeySql(copy));
    expect(await columnsOf(copy.name)).toEqual(await columnsOf(spec.name));
    const normalize = (def?: string, name?: string, key?: string) => def?.replace(`${key} ON public.${name}`, 'KEY ON TABLE');
    expect(normalize(await indexDef(copy.key.name), copy.name, copy.key.name)).toBe(normalize(await indexDef(spec.key.name), spec.name, spec.key.name));
    await pool().query(`DROP TABLE ${copy.name}`);
  });

  it('keys URLs and ad text far beyond the btree row limit, and two rows differing only there are two rows', async () => {
    const def = reports.ad_performance;
    const columns = requestColumns(def, 'Daily');
    const options = { columns, aggregation: 'Daily' as const, accountId: ACCOUNT, from: '2026-10-01', to: '2026-10-01', seed: 'long', shape: { campaigns: 1, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 } };
    const [first] = [...generateRows(options)];
    const long = `https://example.com/landing?${'utm_content=x&'.repeat(1_000)}`;
    const a = [...first!.values];
    const b = [...first!.values];
    a[columns.indexOf('FinalUrl')] = `${long}a`;
    b[columns.indexOf('FinalUrl')] = `${long}b`;
    a[columns.indexOf('AdDescription')] = 'd'.repeat(20_000);
    b[columns.indexOf('AdDescription')] = 'd'.repeat(20_000);
    const target = { report: def, aggregation: 'Daily' as const, accountId: ACCOUNT, from: '2026-10-01', to: '2026-10-01', timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const, runId: 1 };
    const result = await loadReportCsv(pool(), target, Readable.from([csvText([columns, a, b])]), noFinish);
    expect(result.rows).toBe(2);
    const { rows } = await pool().query(`SELECT length(final_url) AS n FROM ad_performance_daily WHERE account_id = $1 ORDER BY final_url`, [ACCOUNT]);
    expect(rows.map((r) => r.n)).toEqual([long.length + 1, long.length + 1]);
    // The same long row twice: both kept, told apart by row_ordinal, whatever the key's hash covers.
    const again = await loadReportCsv(pool(), target, Readable.from([csvText([columns, a, a])]), noFinish);
    expect(again).toMatchObject({ rows: 2, repeatedRows: 1 });
    const ordinals = await pool().query(`SELECT row_ordinal FROM ad_performance_daily WHERE account_id = $1 ORDER BY row_ordinal`, [ACCOUNT]);
    expect(ordinals.rows.map((r) => r.row_ordinal)).toEqual([1, 2]);
  });
});

describe('custom report tables', () => {
  const base = { name: 'geo_weekday', requestType: 'GeographicPerformanceReportRequest' as const };
  const registryOf = (columns: string[]) => createReportRegistry([customReportDefinition({ ...base, columns, aggregation: ['DayOfWeek'] })]);
  const def = (columns: string[]): ReportDefinition => registryOf(columns).get('geo_weekday');

  it('are created by migrate, then widened when a column is added, keeping the rows loaded before', async () => {
    await runMigrations(pool(), { reports: registryOf(['AccountName', 'Country', 'Impressions']) });
    expect((await columnsOf('geo_weekday_day_of_week')).map((c) => c.column_name)).toEqual(
      ['account_id', 'account_name', 'country', 'currency_code', 'file_time_zone', 'impressions', 'loaded_at', 'report_time_zone', 'row_ordinal', 'run_id', 'time_period', 'window_end', 'window_start'],
    );
    await pool().query(
      `INSERT INTO geo_weekday_day_of_week (account_id, window_start, window_end, time_period, account_name, country, impressions, report_time_zone, run_id)
       VALUES (1, '2026-10-01', '2026-10-07', 1, 'A', 'US', 10, 'tz', 1), (1, '2026-10-01', '2026-10-07', 1, 'A', 'CA', 5, 'tz', 1)`,
    );
    const before = await indexDef('geo_weekday_day_of_week_key');
    await runMigrations(pool(), { reports: registryOf(['AccountName', 'Country', 'City', 'Impressions', 'Clicks']) });
    const columns = await columnsOf('geo_weekday_day_of_week');
    expect(columns.find((c) => c.column_name === 'city')).toMatchObject({ data_type: 'text', is_nullable: 'YES' });
    expect(columns.find((c) => c.column_name === 'clicks')).toMatchObject({ data_type: 'bigint' });
    const after = await indexDef('geo_weekday_day_of_week_key');
    expect(after).not.toBe(before);
    expect(after).toContain('city');
    const { rows } = await pool().query(`SELECT country, impressions::int, city FROM geo_weekday_day_of_week ORDER BY country`);
    expect(rows).toEqual([
      { country: 'CA', impressions: 5, city: null },
      { country: 'US', impressions: 10, city: null },
    ]);
    // A column dropped from the configuration stays, with its values, and stays in the key.
    await runMigrations(pool(), { reports: registryOf(['AccountName', 'City', 'Impressions', 'Clicks']) });
    expect((await pool().query(`SELECT count(DISTINCT country)::int AS n FROM geo_weekday_day_of_week`)).rows[0].n).toBe(2);
    expect(await indexDef('geo_weekday_day_of_week_key')).toContain('country');
    expect(def(['AccountName', 'Country', 'Impressions']).custom).toBe(true);
  });

  it('refuses a column whose type changed, naming it', async () => {
    await pool().query(`ALTER TABLE geo_weekday_day_of_week ALTER COLUMN clicks TYPE text`);
    const err = await runMigrations(pool(), { reports: registryOf(['AccountName', 'City', 'Impressions', 'Clicks']) }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/column clicks is text but the report now makes it bigint/);
    await pool().query(`ALTER TABLE geo_weekday_day_of_week ALTER COLUMN clicks TYPE bigint USING clicks::bigint`);
  });
});
