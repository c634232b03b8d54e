import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BI_VIEWS } from '../../src/db/biViews.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The BI views carry connection_id (the connection of the run that loaded the rows), account_id,
 * account_name (the account's current name) and currency_code; an account reachable through two
 * connections has two rows in accounts and must not double a single figure.
 *
 * Account 111 is reached by conn-a (seen yesterday, under its old name) and conn-b (seen now): its
 * first day was loaded through conn-a, its second through conn-b. Account 222 has a third, removed
 * row seen later than its live one: the live row's name is the current one.
 */

let testDb: TestDatabase;
const q = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => (await testDb.database.pool.query<T>(text, params)).rows;
let day1: string;
let day2: string;

beforeAll(async () => {
  testDb = await createTestDatabase('bi_view_columns', { migrate: false });
  await runMigrations(testDb.database.pool, {
    enabled: [
      { report: 'campaign_performance', aggregation: 'Daily' },
      { report: 'campaign_performance', aggregation: 'Hourly' },
      { report: 'search_query_performance', aggregation: 'Daily' },
    ],
  });
  [{ day1, day2 }] = (await q<{ day1: string; day2: string }>(`SELECT to_char(current_date - 2, 'YYYY-MM-DD') AS day1, to_char(current_date - 1, 'YYYY-MM-DD') AS day2`)) as [{ day1: string; day2: string }];
  await q(`
    INSERT INTO accounts (connection_id, account_id, account_name, parent_customer_id, currency_code, last_seen_at, removed_at) VALUES
      ('conn-a', 111, 'Old name', 1000, 'EUR', now() - interval '1 day', NULL),
      ('conn-b', 111, 'Shop', 1000, 'EUR', now(), NULL),
      ('conn-a', 222, 'Other', 2000, 'GBP', now() - interval '1 day', NULL),
      ('conn-c', 222, 'Gone name', 2000, 'GBP', now(), now())`);
  const run = (id: number, connection: string, account: number, report: string, aggregation: string, day: string) =>
    q(
      `INSERT INTO report_runs (id, connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, finished_at)
       VALUES ($1, $2, 1000, $3, $4, $5, $6, $6, 'succeeded', 'rest', now())`,
      [id, connection, account, report, aggregation, day],
    );
  await run(1, 'conn-a', 111, 'campaign_performance', 'Daily', day1);
  await run(2, 'conn-b', 111, 'campaign_performance', 'Daily', day2);
  await run(3, 'conn-a', 222, 'campaign_performance', 'Daily', day2);
  await run(4, 'conn-a', 111, 'search_query_performance', 'Daily', day1);
  await run(5, 'conn-b', 111, 'search_query_performance', 'Daily', day2);
  await run(6, 'conn-b', 111, 'campaign_performance', 'Hourly', day2);
  // Two devices a day for account 111 (summed by bi_campaign_daily), one for 222.
  await q(
    `INSERT INTO campaign_performance_daily (time_period, account_id, campaign_id, campaign_name, currency_code, device_type, impressions, clicks, spend, conversions, revenue, report_time_zone, run_id) VALUES
      ($1, 111, 7, 'Brand', 'EUR', 'Computer', 100, 10, 5.00, 1, 20, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 1),
      ($1, 111, 7, 'Brand', 'EUR', 'Smartphone', 50, 5, 2.50, 0, 0, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 1),
      ($2, 111, 7, 'Brand', 'EUR', 'Computer', 200, 20, 10.00, 2, 40, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 2),
      ($2, 111, 7, 'Brand', 'EUR', 'Smartphone', 60, 6, 3.00, 0, 0, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 2),
      ($2, 222, 9, 'Generic', 'GBP', 'Computer', 10, 1, 0.50, 0, 0, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 3)`,
    [day1, day2],
  );
  await q(
    `INSERT INTO search_query_performance_daily (time_period, account_id, campaign_id, campaign_name, search_query, device_type, impressions, clicks, spend, conversions, report_time_zone, run_id) VALUES
      ($1, 111, 7, 'Brand', 'red shoes', 'Computer', 30, 3, 1.50, 0, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 4),
      ($1, 111, 7, 'Brand', 'red shoes', 'Smartphone', 10, 1, 0.50, 0, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 4),
      ($2, 111, 7, 'Brand', 'red shoes', 'Computer', 20, 2, 1.00, 0, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', 5)`,
    [day1, day2],
  );
  await q(
    `INSERT INTO campaign_performance_hourly (time_period, account_id, campaign_id, campaign_name, currency_code, device_type, impressions, clicks, spend, report_time_zone, file_time_zone, run_id) VALUES
      ($1::date + interval '9 hours', 111, 7, 'Brand', 'EUR', 'Computer', 40, 4, 2.00, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', NULL, 6),
      ($1::date + interval '9 hours', 111, 7, 'Brand', 'EUR', 'Tablet', 5, 1, 0.50, 'GreenwichMeanTimeDublinEdinburghLisbonLondon', NULL, 6)`,
    [day2],
  );
});

afterAll(async () => {
  await testDb?.drop();
});

describe('BI view columns', () => {
  it('every view has connection_id, account_id, account_name and currency_code; new columns come after the old ones', async () => {
    const rows = await q<{ view: string; columns: string[] }>(
      `SELECT table_name AS view, array_agg(column_name::text ORDER BY ordinal_position) AS columns
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name LIKE 'bi\\_%' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => r.view)).toEqual(BI_VIEWS.map((v) => v.name).sort());
    for (const r of rows) expect(r.columns, r.view).toEqual(expect.arrayContaining(['connection_id', 'account_id', 'account_name', 'currency_code']));
    // CREATE OR REPLACE VIEW only appends: the columns BI tools already know keep their positions.
    const daily = rows.find((r) => r.view === 'bi_campaign_daily')!.columns;
    expect(daily.slice(0, 2)).toEqual(['day', 'account_id']);
    expect(daily.slice(-3)).toEqual(['complete', 'connection_id', 'account_name']);
    expect(rows.find((r) => r.view === 'bi_freshness')!.columns.slice(-2)).toEqual(['account_name', 'currency_code']);
  });

  it('bi_campaign_daily: one row per day and campaign, the connection that loaded the day, the current name, no figure doubled', async () => {
    expect(
      await q(`SELECT to_char(day, 'YYYY-MM-DD') AS day, account_id::int, connection_id, account_name, currency_code, impressions::int, spend::text FROM bi_campaign_daily ORDER BY day, account_id`),
    ).toEqual([
      { day: day1, account_id: 111, connection_id: 'conn-a', account_name: 'Shop', currency_code: 'EUR', impressions: 150, spend: '7.50' },
      { day: day2, account_id: 111, connection_id: 'conn-b', account_name: 'Shop', currency_code: 'EUR', impressions: 260, spend: '13.00' },
      { day: day2, account_id: 222, connection_id: 'conn-a', account_name: 'Other', currency_code: 'GBP', impressions: 10, spend: '0.50' },
    ]);
  });

  it('bi_device_daily: per device, with the same four columns', async () => {
    expect(
      await q(`SELECT to_char(day, 'YYYY-MM-DD') AS day, device_type, connection_id, account_name, currency_code, clicks::int FROM bi_device_daily WHERE account_id = 111 ORDER BY day, device_type`),
    ).toEqual([
      { day: day1, device_type: 'Computer', connection_id: 'conn-a', account_name: 'Shop', currency_code: 'EUR', clicks: 10 },
      { day: day1, device_type: 'Smartphone', connection_id: 'conn-a', account_name: 'Shop', currency_code: 'EUR', clicks: 5 },
      { day: day2, device_type: 'Computer', connection_id: 'conn-b', account_name: 'Shop', currency_code: 'EUR', clicks: 20 },
      { day: day2, device_type: 'Smartphone', connection_id: 'conn-b', account_name: 'Shop', currency_code: 'EUR', clicks: 6 },
    ]);
  });

  it("bi_search_term_daily and the 30-day view: the account's currency (the report has none), the latest day's connection", async () => {
    expect(
      await q(`SELECT to_char(day, 'YYYY-MM-DD') AS day, search_query, connection_id, account_name, currency_code, spend::text FROM bi_search_term_daily ORDER BY day`),
    ).toEqual([
      { day: day1, search_query: 'red shoes', connection_id: 'conn-a', account_name: 'Shop', currency_code: 'EUR', spend: '2.00' },
      { day: day2, search_query: 'red shoes', connection_id: 'conn-b', account_name: 'Shop', currency_code: 'EUR', spend: '1.00' },
    ]);
    expect(await q(`SELECT account_id::int, search_query, connection_id, account_name, currency_code, spend::text, clicks::int FROM bi_search_terms_without_conversions_30d`)).toEqual([
      { account_id: 111, search_query: 'red shoes', connection_id: 'conn-b', account_name: 'Shop', currency_code: 'EUR', spend: '3.00', clicks: 6 },
    ]);
  });

  it('bi_campaign_hourly: per hour, with the four columns', async () => {
    expect(await q(`SELECT hour, connection_id, account_name, currency_code, impressions::int FROM bi_campaign_hourly`)).toEqual([
      { hour: 9, connection_id: 'conn-b', account_name: 'Shop', currency_code: 'EUR', impressions: 45 },
    ]);
  });

  it('bi_freshness: one row per connection and target, the account named once', async () => {
    expect(
      await q(`SELECT connection_id, account_id::int, report, aggregation, account_name, currency_code FROM bi_freshness ORDER BY account_id, report, aggregation, connection_id`),
    ).toEqual([
      { connection_id: 'conn-a', account_id: 111, report: 'campaign_performance', aggregation: 'Daily', account_name: 'Shop', currency_code: 'EUR' },
      { connection_id: 'conn-b', account_id: 111, report: 'campaign_performance', aggregation: 'Daily', account_name: 'Shop', currency_code: 'EUR' },
      { connection_id: 'conn-b', account_id: 111, report: 'campaign_performance', aggregation: 'Hourly', account_name: 'Shop', currency_code: 'EUR' },
      { connection_id: 'conn-a', account_id: 111, report: 'search_query_performance', aggregation: 'Daily', account_name: 'Shop', currency_code: 'EUR' },
      { connection_id: 'conn-b', account_id: 111, report: 'search_query_performance', aggregation: 'Daily', account_name: 'Shop', currency_code: 'EUR' },
      { connection_id: 'conn-a', account_id: 222, report: 'campaign_performance', aggregation: 'Daily', account_name: 'Other', currency_code: 'GBP' },
    ]);
  });
});
