-- Views for the questions BI users ask first (docs/BI.md). They read the report tables and the run
-- ledger and hold no data of their own; CREATE OR REPLACE keeps a later migration free to widen them.

-- Spend, traffic and conversions by campaign and day (all devices, networks and match types together).
CREATE OR REPLACE VIEW "bi_campaign_daily" AS
SELECT t.time_period AS day,
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
       round(sum(t.spend) / nullif(sum(t.conversions), 0), 4) AS cost_per_conversion
  FROM campaign_performance_daily t
 GROUP BY t.time_period, t.account_id, t.campaign_id, t.currency_code;
--> statement-breakpoint
COMMENT ON VIEW "bi_campaign_daily" IS 'Spend, clicks, impressions, conversions, CTR (percent) and CPC by campaign and day, from campaign_performance_daily (devices, networks and match types summed). Money in currency_code.';
--> statement-breakpoint

-- Conversions by device and day.
CREATE OR REPLACE VIEW "bi_device_daily" AS
SELECT t.time_period AS day,
       t.account_id,
       t.device_type,
       t.currency_code,
       sum(t.impressions)::bigint AS impressions,
       sum(t.clicks)::bigint AS clicks,
       sum(t.spend) AS spend,
       sum(t.conversions) AS conversions,
       round(100.0 * sum(t.conversions) / nullif(sum(t.clicks), 0), 4) AS conversion_rate_percent
  FROM campaign_performance_daily t
 GROUP BY t.time_period, t.account_id, t.device_type, t.currency_code;
--> statement-breakpoint
COMMENT ON VIEW "bi_device_daily" IS 'Impressions, clicks, spend and conversions by device type and day, from campaign_performance_daily. Money in currency_code.';
--> statement-breakpoint

-- Search terms by day (all ad groups, keywords, devices and match types of a campaign together).
CREATE OR REPLACE VIEW "bi_search_term_daily" AS
SELECT t.time_period AS day,
       t.account_id,
       t.campaign_id,
       max(t.campaign_name) AS campaign_name,
       t.search_query,
       sum(t.impressions)::bigint AS impressions,
       sum(t.clicks)::bigint AS clicks,
       sum(t.spend) AS spend,
       sum(t.conversions) AS conversions
  FROM search_query_performance_daily t
 GROUP BY t.time_period, t.account_id, t.campaign_id, t.search_query;
--> statement-breakpoint
COMMENT ON VIEW "bi_search_term_daily" IS 'Search terms by campaign and day, from search_query_performance_daily. Money in the account currency (accounts.currency_code).';
--> statement-breakpoint

-- Search terms that spent over the last 30 days (up to yesterday, in the database's time zone) without a conversion.
CREATE OR REPLACE VIEW "bi_search_terms_without_conversions_30d" AS
SELECT s.account_id,
       s.campaign_id,
       max(s.campaign_name) AS campaign_name,
       s.search_query,
       cur.currency_code,
       min(s.day) AS first_day,
       max(s.day) AS last_day,
       sum(s.impressions)::bigint AS impressions,
       sum(s.clicks)::bigint AS clicks,
       sum(s.spend) AS spend
  FROM bi_search_term_daily s
  LEFT JOIN (SELECT DISTINCT ON (account_id) account_id, currency_code
               FROM accounts ORDER BY account_id, last_seen_at DESC) cur USING (account_id)
 WHERE s.day >= current_date - 30 AND s.day < current_date
 GROUP BY s.account_id, s.campaign_id, s.search_query, cur.currency_code
HAVING sum(s.spend) > 0 AND coalesce(sum(s.conversions), 0) = 0;
--> statement-breakpoint
COMMENT ON VIEW "bi_search_terms_without_conversions_30d" IS 'Search terms with spend and no conversion over the last 30 days (to yesterday, database time zone), per campaign; biggest spenders are negative-keyword candidates.';
--> statement-breakpoint

-- Freshness of every report target, from the run ledger.
CREATE OR REPLACE VIEW "bi_freshness" AS
SELECT r.connection_id,
       r.account_id,
       r.report,
       r.aggregation,
       max(r.window_end) FILTER (WHERE r.status IN ('succeeded', 'empty')) AS loaded_through,
       max(r.finished_at) FILTER (WHERE r.status IN ('succeeded', 'empty')) AS last_loaded_at,
       (current_date - 1) - max(r.window_end) FILTER (WHERE r.status IN ('succeeded', 'empty')) AS days_behind,
       (array_agg(r.status ORDER BY r.finished_at DESC NULLS LAST, r.id DESC)
          FILTER (WHERE r.status IN ('succeeded', 'empty', 'failed')))[1] AS latest_finished_status,
       count(*) FILTER (WHERE r.status NOT IN ('succeeded', 'empty', 'failed'))::int AS runs_in_flight
  FROM report_runs r
 GROUP BY r.connection_id, r.account_id, r.report, r.aggregation;
--> statement-breakpoint
COMMENT ON VIEW "bi_freshness" IS 'Per connection, account, report and aggregation: the last day loaded (loaded_through), when, how many days behind yesterday (database time zone), whether the latest finished run failed, and runs in flight.';
