import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { migrationsFolder } from '../../src/paths.js';
import { customReportDefinition } from '../../src/reports/customReports.js';
import { createReportRegistry } from '../../src/reports/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Migration 0006 turns hourly time_period from the UTC instant of the file's date and hour into that
 * date and hour as delivered. A database migrated up to 0005 with rows in it must keep every row, with
 * exactly the hour the file said, and nothing invented about its zone.
 */

let testDb: TestDatabase;
let oldMigrations: string;
const pool = () => testDb.database.pool;

beforeAll(async () => {
  testDb = await createTestDatabase('migrate_hours', { migrate: false });
  // The migrations as they were before 0006: the same files, the journal cut after 0005.
  oldMigrations = mkdtempSync(join(tmpdir(), 'msads-migrations-'));
  cpSync(migrationsFolder, oldMigrations, { recursive: true });
  const journalPath = join(oldMigrations, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < '0006');
  writeFileSync(journalPath, JSON.stringify(journal));
  const client = await pool().connect();
  try {
    await migrate(drizzle(client), { migrationsFolder: oldMigrations });
  } finally {
    client.release();
  }
});

afterAll(async () => {
  await testDb?.drop();
  if (oldMigrations) rmSync(oldMigrations, { recursive: true, force: true });
});

describe('hourly tables loaded before 0006', () => {
  it('keep every row, with the hour the file stated, and an unknown zone', async () => {
    const before = await pool().query<{ data_type: string }>(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'campaign_performance_hourly' AND column_name = 'time_period'`,
    );
    expect(before.rows[0]?.data_type).toBe('timestamp with time zone');
    // As the old loader wrote "2026-10-01|0" … "2026-10-01|23": the UTC instant of that date and hour.
    await pool().query(`SET TIME ZONE 'America/New_York'`); // the session zone must not matter
    await pool().query(
      `INSERT INTO campaign_performance_hourly (account_id, time_period, campaign_id, impressions, report_time_zone, run_id)
       SELECT 42, ('2026-10-01'::date + h * interval '1 hour') AT TIME ZONE 'UTC', 7, h * 10, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 1
         FROM generate_series(0, 23) AS h`,
    );
    await runMigrations(pool());
    const after = await pool().query<{ data_type: string }>(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'campaign_performance_hourly' AND column_name = 'time_period'`,
    );
    expect(after.rows[0]?.data_type).toBe('timestamp without time zone');
    const { rows } = await pool().query<{ hour: string; impressions: string; file_time_zone: string | null; row_ordinal: number }>(
      `SELECT time_period::text AS hour, impressions::text, file_time_zone, row_ordinal FROM campaign_performance_hourly ORDER BY time_period`,
    );
    expect(rows).toHaveLength(24);
    rows.forEach((r, h) => {
      expect(r).toEqual({ hour: `2026-10-01 ${String(h).padStart(2, '0')}:00:00`, impressions: String(h * 10), file_time_zone: null, row_ordinal: 1 });
    });
  });

  it('custom hourly tables convert the same way at migrate', async () => {
    const registry = createReportRegistry([
      customReportDefinition({ name: 'hourly_geo', requestType: 'GeographicPerformanceReportRequest', columns: ['AccountName', 'Country', 'Impressions'], aggregation: ['Hourly'] }),
    ]);
    // The table as the runtime DDL made it before: time_period timestamptz, no file_time_zone or row_ordinal.
    await pool().query(
      `CREATE TABLE hourly_geo_hourly (account_id bigint NOT NULL, time_period timestamp with time zone NOT NULL, account_name text, country text,
         currency_code text, impressions bigint, report_time_zone text NOT NULL, run_id bigint NOT NULL, loaded_at timestamp with time zone DEFAULT now() NOT NULL)`,
    );
    await pool().query(
      `INSERT INTO hourly_geo_hourly (account_id, time_period, account_name, country, impressions, report_time_zone, run_id)
       VALUES (1, '2026-10-01 05:00:00+00', 'A', 'US', 3, 'tz', 1), (1, '2026-10-01 23:00:00+00', 'A', 'US', 4, 'tz', 1)`,
    );
    const { customTables } = await runMigrations(pool(), { reports: registry });
    expect(customTables).toContain('kept hourly_geo_hourly.time_period as delivered (was UTC)');
    const { rows } = await pool().query(`SELECT time_period::text AS hour, impressions::int, row_ordinal FROM hourly_geo_hourly ORDER BY time_period`);
    expect(rows).toEqual([
      { hour: '2026-10-01 05:00:00', impressions: 3, row_ordinal: 1 },
      { hour: '2026-10-01 23:00:00', impressions: 4, row_ordinal: 1 },
    ]);
  });
});
