import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDeps } from '../../src/app/runDeps.js';
import { loadConfig } from '../../src/config.js';
import { reportTableSpec, type ReportTableSpec } from '../../src/db/reportTableSpec.js';
import type { ReportRunDeps } from '../../src/jobs/context.js';
import { buildRequestSpec } from '../../src/jobs/requestSpec.js';
import { runInForeground } from '../../src/jobs/runInForeground.js';
import type { Aggregation } from '../../src/reports/aggregations.js';
import { reports, type ReportDefinition } from '../../src/reports/catalog.js';
import { addDays, todayIn } from '../../src/reports/periods.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { expectedFigures, expectedRowsPerPeriod, rowsPerPeriod, tableFigures } from '../helpers/tableCheck.js';

/**
 * Every built-in report in every aggregation through the real run path (submit, poll, download, load)
 * against the simulator: each table holds exactly the simulator's rows, with the file's NULLs, sums and
 * percents, and hourly rows at their UTC instants.
 */

let env: E2eEnv;
let deps: ReportRunDeps;
let close: () => Promise<void>;

const ZONE = 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const;
const connection = () => env.simOptions.connections[0]!;
const accountId = () => connection().accountIds[0]!;

beforeAll(async () => {
  env = await startE2e('catalog', { generationMs: 50, shape: { campaigns: 1, adGroupsPerCampaign: 2, keywordsPerAdGroup: 1 } });
  const config = loadConfig({ ...env.env, MSADS_CALLS_PER_MINUTE: '100000', MSADS_MAX_CONCURRENT_REPORTS: '1000', WORKER_CONCURRENCY: '16', POLL_INITIAL_MS: '50', POLL_MAX_MS: '100' });
  ({ deps, close } = await createRunDeps(config, env.logger));
});

afterAll(async () => {
  await close?.();
  await env?.cleanup();
});

interface Case {
  def: ReportDefinition;
  aggregation: Aggregation;
  spec: ReportTableSpec;
  window: { from: string; to: string };
}

/** Windows close to today: Microsoft keeps hourly location data 14 days and hourly search terms one month. */
function cases(): Case[] {
  const today = todayIn(ZONE, Date.now());
  return (Object.values(reports) as ReportDefinition[]).flatMap((def) =>
    def.aggregations.map((aggregation) => ({
      def,
      aggregation,
      spec: reportTableSpec(def, aggregation),
      window: aggregation === 'Hourly' ? { from: addDays(today, -2), to: addDays(today, -2) } : { from: addDays(today, -5), to: addDays(today, -3) },
    })),
  );
}

async function runAll(all: Case[], parallel = 16): Promise<void> {
  const queue = [...all];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const target = { connectionId: connection().connectionId, customerId: connection().customerId, accountId: accountId(), report: c.def.name, aggregation: c.aggregation, ...c.window };
      const result = await runInForeground(deps, target, { attempts: 1, backoffMs: 10 });
      expect(result.status, c.spec.name).toBe('succeeded');
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

describe('every built-in report × aggregation, end to end', () => {
  const all = cases();

  it(`loads ${all.length} tables with exactly the simulator's rows, NULLs, sums and percents`, async () => {
    expect(all).toHaveLength(65);
    await runAll(all);
    for (const c of all) {
      // The simulator served the request as built: widened to whole weeks and months.
      const request = buildRequestSpec({ connectionId: 'x', customerId: '1', accountId: accountId(), report: c.def.name, aggregation: c.aggregation, ...c.window }, deps);
      const options = env.sim.generateOptions({ accountId: accountId(), columns: request.columns, aggregation: c.aggregation, from: request.from, to: request.to });
      const pool = env.db.database.pool;
      expect(Object.fromEntries(await rowsPerPeriod(pool, c.spec, accountId())), c.spec.name).toEqual(Object.fromEntries(expectedRowsPerPeriod(options)));
      expect(await tableFigures(pool, c.spec, accountId()), c.spec.name).toEqual(expectedFigures(c.spec, options));
    }
    const runs = await env.db.database.pool.query(`SELECT status, count(*)::int AS n FROM report_runs GROUP BY 1`);
    expect(runs.rows).toEqual([{ status: 'succeeded', n: all.length }]);
  });

  it('types columns honestly: hours as delivered, dates, bigint ids and counts, numeric money and percents', async () => {
    const types = await env.db.database.pool.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND column_name IN ('time_period', 'date', 'campaign_id', 'impressions', 'spend', 'ctr', 'daily_spend')`,
    );
    const typeOf = (table: string, column: string) => types.rows.find((r) => r.table_name === table && r.column_name === column)?.data_type;
    expect(typeOf('keyword_performance_hourly', 'time_period')).toBe('timestamp without time zone');
    expect(typeOf('keyword_performance_weekly', 'time_period')).toBe('date');
    expect(typeOf('budget_summary_daily', 'date')).toBe('date');
    expect(typeOf('budget_summary_daily', 'daily_spend')).toBe('numeric');
    expect(typeOf('ad_group_performance_daily', 'campaign_id')).toBe('bigint');
    expect(typeOf('ad_group_performance_daily', 'impressions')).toBe('bigint');
    expect(typeOf('ad_group_performance_daily', 'spend')).toBe('numeric');
    expect(typeOf('ad_group_performance_daily', 'ctr')).toBe('numeric');
    // Hours are "YYYY-MM-DD|H" as delivered, in the zone the file states (the simulator states a non-UTC one).
    const hours = await env.db.database.pool.query<{ first: string; last: string; n: number; zones: string[] }>(
      `SELECT min(time_period)::text AS first, max(time_period)::text AS last, count(DISTINCT time_period)::int AS n,
              array_agg(DISTINCT coalesce(file_time_zone, 'NULL')) AS zones FROM campaign_performance_hourly`,
    );
    const day = all.find((c) => c.aggregation === 'Hourly')!.window.from;
    expect(hours.rows[0]).toMatchObject({ first: `${day} 00:00:00`, last: `${day} 23:00:00`, n: 24 });
    expect(hours.rows[0]!.zones).toHaveLength(1);
    expect(hours.rows[0]!.zones[0]).toMatch(/^\(GMT[+-]\d\d:\d\d\) /);
    // Scores Microsoft did not compute ("--") are NULL, never 0; so are shares it has no estimate for ("").
    const nulls = await env.db.database.pool.query(
      `SELECT count(*) FILTER (WHERE quality_score IS NULL)::int AS dash, count(*) FILTER (WHERE quality_score = 0)::int AS zero,
              count(*) FILTER (WHERE impression_share_percent IS NULL)::int AS empty, max(impression_share_percent) <= 100 AS percent_units
         FROM campaign_performance_daily`,
    );
    expect(nulls.rows[0].dash).toBeGreaterThan(0);
    expect(nulls.rows[0].zero).toBe(0);
    expect(nulls.rows[0].empty).toBeGreaterThan(0);
    expect(nulls.rows[0].percent_units).toBe(true);
  });

  it('keeps the columns built-ins no longer request (Microsoft refuses them together), NULL in rows loaded since', async () => {
    const pool = env.db.database.pool;
    const product = await pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE impression_share_percent IS NOT NULL OR benchmark_bid IS NOT NULL OR click_share_percent IS NOT NULL)::int AS filled,
              count(*) FILTER (WHERE ad_id IS NOT NULL AND network IS NOT NULL)::int AS with_attributes
         FROM product_dimension_performance_daily`,
    );
    expect(product.rows[0].n).toBeGreaterThan(0);
    expect(product.rows[0]).toEqual({ n: product.rows[0].n, filled: 0, with_attributes: product.rows[0].n });
    const keyword = await pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE top_impression_rate_percent IS NOT NULL OR absolute_top_impression_rate_percent IS NOT NULL)::int AS filled,
              count(*) FILTER (WHERE top_vs_other IS NOT NULL)::int AS split
         FROM keyword_performance_monthly`,
    );
    expect(keyword.rows[0].n).toBeGreaterThan(0);
    expect(keyword.rows[0]).toEqual({ n: keyword.rows[0].n, filled: 0, split: keyword.rows[0].n });
  });

  it('stamps every row with its account, report time zone and run; reports without AccountId get the run’s account', async () => {
    for (const table of ['product_dimension_performance_daily', 'budget_summary_daily', 'search_query_performance_weekly']) {
      const { rows } = await env.db.database.pool.query(
        `SELECT count(*)::int AS n, count(DISTINCT account_id)::int AS accounts, min(report_time_zone) AS zone, count(*) FILTER (WHERE run_id IS NULL)::int AS no_run FROM ${table}`,
      );
      expect(rows[0], table).toEqual({ n: rows[0].n, accounts: 1, zone: ZONE, no_run: 0 });
      expect(rows[0].n).toBeGreaterThan(0);
    }
  });
});
