import pg from 'pg';

/**
 * The BI views (docs/BI.md), made at runtime like the report tables they read: a view exists once
 * every table it reads exists (the enabled reports' tables at migrate, any other after its first
 * load), so a database without search_query_performance_daily simply has no bi_search_term_daily.
 * Migrations 0003, 0006 and 0007 made them before; 0009 left those over tables holding rows.
 *
 * A view is written only when its definition differs from the one in the database (compared as
 * Postgres prints both), so a migrate or first load does not lock views BI is reading for nothing.
 * CREATE OR REPLACE VIEW can only append columns: change a column's name, type or position and a
 * migration must drop the view (and the views over it) first; this module then makes it again.
 */

export interface BiView {
  name: string;
  /** Report tables it reads; views it reads come earlier in BI_VIEWS. */
  tables: readonly string[];
  views: readonly string[];
  select: string;
  comment: string;
}

/**
 * One row per account: its current name and currency, from the connection that saw it last (an
 * account reachable through two connections has two rows in accounts; this never doubles a figure).
 */
const CURRENT_ACCOUNT = `(SELECT DISTINCT ON (account_id) account_id, account_name, currency_code
               FROM accounts ORDER BY account_id, removed_at IS NULL DESC, last_seen_at DESC)`;

/** Rows of one account and day always come from one run (a load replaces its account's days), so grouping by its connection never splits a figure. */
const COMPLETE = (day: string) => `bool_and(NOT coalesce(r.potential_incomplete AND ${day} = r.window_end, false)) AS complete`;

export const BI_VIEWS: readonly BiView[] = [
  {
    name: 'bi_campaign_daily',
    tables: ['campaign_performance_daily'],
    views: [],
    select: `SELECT t.time_period AS day,
       t.account_id,
       t.campaign_id,
       max(t.campaign_name) AS campaign_name,
       t.currency_code,
       sum(t.impressions)::bigint AS impressions,
       sum(t.clicks)::bigint AS clicks,
       sum(t.spend) AS spend,
       sum(t.conversions) AS conversions,
       sum(t.revenue) AS revenue,
       round(100.0 * sum(t.clicks) / nullif(sum(t.impressions), 0), 4) AS ctr_percent,
       round(sum(t.spend) / nullif(sum(t.clicks), 0), 4) AS cpc,
       round(sum(t.spend) / nullif(sum(t.conversions), 0), 4) AS cost_per_conversion,
       ${COMPLETE('t.time_period')},
       r.connection_id,
       a.account_name
  FROM campaign_performance_daily t
  LEFT JOIN report_runs r ON r.id = t.run_id
  LEFT JOIN ${CURRENT_ACCOUNT} a ON a.account_id = t.account_id
 GROUP BY t.time_period, t.account_id, t.campaign_id, t.currency_code, r.connection_id, a.account_name`,
    comment:
      'Spend, clicks, impressions, conversions, CTR (percent) and CPC by campaign and day, from campaign_performance_daily (devices, networks and match types summed). Money in currency_code. connection_id: the connection whose run loaded the day; account_name: the account’s current name.',
  },
  {
    name: 'bi_device_daily',
    tables: ['campaign_performance_daily'],
    views: [],
    select: `SELECT t.time_period AS day,
       t.account_id,
       t.device_type,
       t.currency_code,
       sum(t.impressions)::bigint AS impressions,
       sum(t.clicks)::bigint AS clicks,
       sum(t.spend) AS spend,
       sum(t.conversions) AS conversions,
       round(100.0 * sum(t.conversions) / nullif(sum(t.clicks), 0), 4) AS conversion_rate_percent,
       ${COMPLETE('t.time_period')},
       r.connection_id,
       a.account_name
  FROM campaign_performance_daily t
  LEFT JOIN report_runs r ON r.id = t.run_id
  LEFT JOIN ${CURRENT_ACCOUNT} a ON a.account_id = t.account_id
 GROUP BY t.time_period, t.account_id, t.device_type, t.currency_code, r.connection_id, a.account_name`,
    comment: 'Impressions, clicks, spend and conversions by device type and day, from campaign_performance_daily. Money in currency_code.',
  },
  {
    name: 'bi_search_term_daily',
    tables: ['search_query_performance_daily'],
    views: [],
    select: `SELECT t.time_period AS day,
       t.account_id,
       t.campaign_id,
       max(t.campaign_name) AS campaign_name,
       t.search_query,
       sum(t.impressions)::bigint AS impressions,
       sum(t.clicks)::bigint AS clicks,
       sum(t.spend) AS spend,
       sum(t.conversions) AS conversions,
       ${COMPLETE('t.time_period')},
       r.connection_id,
       a.account_name,
       a.currency_code
  FROM search_query_performance_daily t
  LEFT JOIN report_runs r ON r.id = t.run_id
  LEFT JOIN ${CURRENT_ACCOUNT} a ON a.account_id = t.account_id
 GROUP BY t.time_period, t.account_id, t.campaign_id, t.search_query, r.connection_id, a.account_name, a.currency_code`,
    comment:
      'Search terms by campaign and day, from search_query_performance_daily. Money in currency_code, the account’s currency (accounts.currency_code: the report has no CurrencyCode column).',
  },
  {
    name: 'bi_search_terms_without_conversions_30d',
    tables: [],
    views: ['bi_search_term_daily'],
    select: `SELECT s.account_id,
       s.campaign_id,
       max(s.campaign_name) AS campaign_name,
       s.search_query,
       s.currency_code,
       min(s.day) AS first_day,
       max(s.day) AS last_day,
       sum(s.impressions)::bigint AS impressions,
       sum(s.clicks)::bigint AS clicks,
       sum(s.spend) AS spend,
       (array_agg(s.connection_id ORDER BY s.day DESC))[1] AS connection_id,
       s.account_name
  FROM bi_search_term_daily s
 WHERE s.day >= current_date - 30 AND s.day < current_date
 GROUP BY s.account_id, s.campaign_id, s.search_query, s.currency_code, s.account_name
HAVING sum(s.spend) > 0 AND coalesce(sum(s.conversions), 0) = 0`,
    comment:
      'Search terms with spend and no conversion over the last 30 days (to yesterday, database time zone), per campaign; biggest spenders are negative-keyword candidates. connection_id: the connection that loaded the latest of those days.',
  },
  {
    name: 'bi_campaign_hourly',
    tables: ['campaign_performance_hourly'],
    views: [],
    select: `SELECT t.time_period::date AS day,
       extract(hour FROM t.time_period)::smallint AS hour,
       t.time_period AS local_hour_start,
       t.file_time_zone,
       t.time_period AT TIME ZONE r.file_time_zone_iana AS hour_start_utc,
       t.account_id,
       t.campaign_id,
       max(t.campaign_name) AS campaign_name,
       t.currency_code,
       sum(t.impressions)::bigint AS impressions,
       sum(t.clicks)::bigint AS clicks,
       sum(t.spend) AS spend,
       sum(t.conversions) AS conversions,
       ${COMPLETE('t.time_period::date')},
       r.connection_id,
       a.account_name
  FROM campaign_performance_hourly t
  LEFT JOIN report_runs r ON r.id = t.run_id
  LEFT JOIN ${CURRENT_ACCOUNT} a ON a.account_id = t.account_id
 GROUP BY t.time_period, t.file_time_zone, r.file_time_zone_iana, t.account_id, t.campaign_id, t.currency_code, r.connection_id, a.account_name`,
    comment:
      'Campaign figures by hour as Microsoft delivered them (day, hour, in file_time_zone), with hour_start_utc where that zone is known (NULL otherwise); complete is false for the last day of a provisional load. See docs/BI.md.',
  },
  {
    name: 'bi_freshness',
    tables: [],
    views: [],
    select: `SELECT r.connection_id,
       r.account_id,
       r.report,
       r.aggregation,
       max(r.window_end) FILTER (WHERE r.status IN ('succeeded', 'empty')) AS loaded_through,
       max(r.finished_at) FILTER (WHERE r.status IN ('succeeded', 'empty')) AS last_loaded_at,
       (current_date - 1) - max(r.window_end) FILTER (WHERE r.status IN ('succeeded', 'empty')) AS days_behind,
       (array_agg(r.status ORDER BY r.finished_at DESC NULLS LAST, r.id DESC)
          FILTER (WHERE r.status IN ('succeeded', 'empty', 'failed')))[1] AS latest_finished_status,
       count(*) FILTER (WHERE r.status NOT IN ('succeeded', 'empty', 'failed'))::int AS runs_in_flight,
       count(p.run_id)::int AS provisional_windows,
       min(p.window_end) AS first_provisional_day,
       a.account_name,
       a.currency_code
  FROM report_runs r
  LEFT JOIN report_provisional_windows p ON p.run_id = r.id
  LEFT JOIN ${CURRENT_ACCOUNT} a ON a.account_id = r.account_id
 GROUP BY r.connection_id, r.account_id, r.report, r.aggregation, a.account_name, a.currency_code`,
    comment:
      'Per connection, account, report and aggregation: the last day loaded (loaded_through), when, how many days behind yesterday (database time zone), whether the latest finished run failed, runs in flight, and provisional windows (their last day may still change).',
  },
];

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * Creates or replaces each BI view whose tables exist, where it differs; returns what it did. Run under
 * the migration lock, inside a transaction (the comparison uses a temporary view dropped at its end).
 */
export async function syncBiViews(client: pg.ClientBase): Promise<string[]> {
  const names = [...new Set(BI_VIEWS.flatMap((v) => [v.name, ...v.tables]))];
  const { rows } = await client.query<{ name: string; definition: string | null; comment: string | null }>(
    `SELECT c.relname AS name, CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END AS definition, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)`,
    [names],
  );
  const found = new Map(rows.map((r) => [r.name, r]));
  const done: string[] = [];
  for (const view of BI_VIEWS) {
    if (!view.tables.every((t) => found.has(t)) || !view.views.every((v) => found.has(v))) continue;
    const current = found.get(view.name);
    if (current?.definition == null || (await printed(client, view)) !== current.definition) {
      await client.query(`CREATE OR REPLACE VIEW ${ident(view.name)} AS\n${view.select}`);
      done.push(`${current ? 'replaced' : 'created'} ${view.name}`);
    }
    if (current?.comment !== view.comment) await client.query(`COMMENT ON VIEW ${ident(view.name)} IS ${pg.escapeLiteral(view.comment)}`);
    found.set(view.name, { name: view.name, definition: '', comment: view.comment });
  }
  return done;
}

/** The view's definition as Postgres prints it, read back from a temporary twin. */
async function printed(client: pg.ClientBase, view: BiView): Promise<string> {
  await client.query(`CREATE TEMPORARY VIEW msads_etl_view_check AS\n${view.select}`);
  try {
    const { rows } = await client.query<{ definition: string }>(`SELECT pg_get_viewdef('pg_temp.msads_etl_view_check'::regclass) AS definition`);
    return rows[0]?.definition ?? '';
  } finally {
    await client.query('DROP VIEW pg_temp.msads_etl_view_check');
  }
}
