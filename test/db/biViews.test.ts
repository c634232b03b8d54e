import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDeps } from '../../src/app/runDeps.js';
import { runInForeground } from '../../src/jobs/runInForeground.js';
import { reports } from '../../src/reports/catalog.js';
import { addDays } from '../../src/schedule/dates.js';
import { simAccount } from '../../src/simulator/customerAccounts.js';
import { generateRows } from '../../src/simulator/generator.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The BI views (src/db/biViews.ts) over reports loaded from the simulator: every figure equals
 * what the simulator served, summed exactly (money in cents, no floating point).
 */

let env: E2eEnv;
let accountId: string;
const DAYS = 3;
let window: { from: string; to: string };

/** Cents of a money or count text as Microsoft writes it ("516.46", "24.74", "--"). */
const cents = (v: string | undefined): number => (v === undefined || v === '' || v === '--' ? 0 : Math.round(Number(v.replace('%', '')) * 100));

function served(report: 'campaign_performance' | 'search_query_performance'): Record<string, string>[] {
  const columns = reports[report].columns;
  const options = env.sim.generateOptions({ accountId, columns, aggregation: 'Daily', ...window });
  return [...generateRows(options)].map((row) => Object.fromEntries(columns.map((c, i) => [c, row.values[i] ?? ''])));
}

function group<T>(rows: Record<string, string>[], key: (r: Record<string, string>) => string, add: (acc: T | undefined, r: Record<string, string>) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of rows) out.set(key(r), add(out.get(key(r)), r));
  return out;
}

beforeAll(async () => {
  env = await startE2e('bi');
  const c = env.simOptions.connections[0]!;
  accountId = c.accountIds[0]!;
  // Recent days, so the 30-day view covers them; "yesterday" as the views see it (the database's time zone).
  const [{ yesterday }] = (await env.db.database.pool.query<{ yesterday: string }>(`SELECT to_char(current_date - 1, 'YYYY-MM-DD') AS yesterday`)).rows as [{ yesterday: string }];
  window = { from: addDays(yesterday, -(DAYS - 1)), to: yesterday };
  const { deps, close } = await createRunDeps(env.config, env.logger);
  try {
    for (const report of ['campaign_performance', 'search_query_performance'] as const) {
      await runInForeground(deps, { connectionId: c.connectionId, customerId: c.customerId, accountId, report, aggregation: 'Daily', ...window }, { attempts: 1, backoffMs: 10 });
    }
  } finally {
    await close();
  }
});

afterAll(async () => {
  await env?.cleanup();
});

const q = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => (await env.db.database.pool.query<T>(text, params)).rows;

describe('BI views', () => {
  it('exist once their tables do, with comments', async () => {
    const views = await q<{ viewname: string; comment: string | null }>(
      `SELECT viewname, obj_description(format('%I', viewname)::regclass, 'pg_class') AS comment FROM pg_views WHERE viewname LIKE 'bi\\_%' ORDER BY 1`,
    );
    // Nothing loaded campaign_performance_hourly, so it and bi_campaign_hourly do not exist (yet).
    expect(views.map((v) => v.viewname)).toEqual(['bi_campaign_daily', 'bi_device_daily', 'bi_freshness', 'bi_search_term_daily', 'bi_search_terms_without_conversions_30d']);
    for (const v of views) expect(v.comment, v.viewname).toBeTruthy();
  });

  it('bi_campaign_daily: spend, clicks, impressions, conversions, CTR and CPC by campaign and day', async () => {
    const expected = group<{ impressions: number; clicks: number; spend: number; conversions: number }>(
      served('campaign_performance'),
      (r) => `${r['TimePeriod']}|${r['CampaignId']}`,
      (acc, r) => ({
        impressions: (acc?.impressions ?? 0) + Number(r['Impressions']),
        clicks: (acc?.clicks ?? 0) + Number(r['Clicks']),
        spend: (acc?.spend ?? 0) + cents(r['Spend']),
        conversions: (acc?.conversions ?? 0) + cents(r['Conversions']),
      }),
    );
    const rows = await q<{ day: string; campaign_id: number; impressions: number; clicks: number; spend_cents: number; conv_cents: number; ctr_percent: string | null; cpc: string | null; currency_code: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, campaign_id, impressions, clicks, (spend * 100)::bigint AS spend_cents,
              (conversions * 100)::bigint AS conv_cents, ctr_percent, cpc, currency_code
         FROM bi_campaign_daily WHERE account_id = $1 ORDER BY 1, 2`,
      [accountId],
    );
    expect(rows).toHaveLength(expected.size);
    for (const r of rows) {
      const e = expected.get(`${r.day}|${r.campaign_id}`)!;
      expect({ impressions: r.impressions, clicks: r.clicks, spend: r.spend_cents, conversions: r.conv_cents }).toEqual(e);
      // The account's own currency, as Customer Management reports it (the demo data agrees with itself).
      expect(r.currency_code).toBe(simAccount(accountId, '0').currencyCode);
      expect(r.ctr_percent === null ? null : Number(r.ctr_percent)).toBe(e.impressions === 0 ? null : Math.round((1_000_000 * e.clicks) / e.impressions) / 10_000);
      expect(r.cpc === null ? null : Number(r.cpc)).toBe(e.clicks === 0 ? null : Math.round((100 * e.spend) / e.clicks) / 10_000);
    }
    // The view's days are the window's days.
    expect(new Set(rows.map((r) => r.day)).size).toBe(DAYS);
  });

  it('bi_device_daily: conversions by device', async () => {
    const expected = group<{ clicks: number; conversions: number }>(
      served('campaign_performance'),
      (r) => `${r['TimePeriod']}|${r['DeviceType']}`,
      (acc, r) => ({ clicks: (acc?.clicks ?? 0) + Number(r['Clicks']), conversions: (acc?.conversions ?? 0) + cents(r['Conversions']) }),
    );
    const rows = await q<{ day: string; device_type: string; clicks: number; conv_cents: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, device_type, clicks, (conversions * 100)::bigint AS conv_cents FROM bi_device_daily WHERE account_id = $1`,
      [accountId],
    );
    expect(new Map(rows.map((r) => [`${r.day}|${r.device_type}`, { clicks: r.clicks, conversions: r.conv_cents }]))).toEqual(expected);
  });

  it('bi_search_terms_without_conversions_30d: terms with spend and no conversion', async () => {
    // The simulator's search terms all convert a little: make three of them convert nothing, in the
    // table and in the expectation alike.
    const servedRows = served('search_query_performance');
    const zeroed = [...new Set(servedRows.map((r) => r['SearchQuery'] as string))].slice(0, 3);
    await q(`UPDATE search_query_performance_daily SET conversions = 0 WHERE account_id = $1 AND search_query = ANY($2)`, [accountId, zeroed]);
    for (const r of servedRows) if (zeroed.includes(r['SearchQuery'] as string)) r['Conversions'] = '0';
    const expected = group<{ spend: number; conversions: number; clicks: number }>(
      servedRows,
      (r) => `${r['CampaignId']}|${r['SearchQuery']}`,
      (acc, r) => ({ spend: (acc?.spend ?? 0) + cents(r['Spend']), conversions: (acc?.conversions ?? 0) + cents(r['Conversions']), clicks: (acc?.clicks ?? 0) + Number(r['Clicks']) }),
    );
    const wasted = [...expected].filter(([, v]) => v.spend > 0 && v.conversions === 0);
    expect(wasted.length).toBeGreaterThan(0);
    const rows = await q<{ campaign_id: number; search_query: string; spend_cents: number; clicks: number }>(
      `SELECT campaign_id, search_query, (spend * 100)::bigint AS spend_cents, clicks FROM bi_search_terms_without_conversions_30d WHERE account_id = $1`,
      [accountId],
    );
    expect(new Map(rows.map((r) => [`${r.campaign_id}|${r.search_query}`, { spend: r.spend_cents, conversions: 0, clicks: r.clicks }]))).toEqual(new Map(wasted));
    // And every term of the daily view adds up to what was served.
    const daily = await q<{ terms: number; spend_cents: number }>(
      `SELECT count(DISTINCT (campaign_id, search_query))::int AS terms, (sum(spend) * 100)::bigint AS spend_cents FROM bi_search_term_daily WHERE account_id = $1`,
      [accountId],
    );
    expect(daily[0]).toEqual({ terms: expected.size, spend_cents: [...expected.values()].reduce((s, v) => s + v.spend, 0) });
  });

  it('bi_freshness: loaded through the window end, 0 days behind, latest run succeeded', async () => {
    const rows = await q(`SELECT report, aggregation, to_char(loaded_through, 'YYYY-MM-DD') AS loaded_through, days_behind, latest_finished_status, runs_in_flight FROM bi_freshness WHERE account_id = $1 ORDER BY report`, [accountId]);
    expect(rows).toEqual([
      { report: 'campaign_performance', aggregation: 'Daily', loaded_through: window.to, days_behind: 0, latest_finished_status: 'succeeded', runs_in_flight: 0 },
      { report: 'search_query_performance', aggregation: 'Daily', loaded_through: window.to, days_behind: 0, latest_finished_status: 'succeeded', runs_in_flight: 0 },
    ]);
  });
});
