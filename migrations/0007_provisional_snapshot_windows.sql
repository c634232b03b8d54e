-- A Summary, DayOfWeek or HourOfDay load replaces exactly its own window (its rows are figures *for*
-- that window), so only a later load of the same window settles a provisional one; a wider or shifted
-- window is other figures and leaves the provisional rows as they were. Calendar and hourly loads
-- replace days, so a later load covering the last day settles it, as before.
CREATE OR REPLACE VIEW "report_provisional_windows" AS
SELECT r.id AS run_id,
       r.connection_id,
       r.customer_id,
       r.account_id,
       r.report,
       r.aggregation,
       r.window_start,
       r.window_end,
       r.finished_at,
       r.last_completed_day
  FROM report_runs r
 WHERE r.status = 'succeeded'
   AND r.potential_incomplete
   AND NOT EXISTS (
         SELECT 1
           FROM report_runs later
          WHERE later.account_id = r.account_id
            AND later.report = r.report
            AND later.aggregation = r.aggregation
            AND later.status IN ('succeeded', 'empty')
            AND (later.finished_at, later.id) > (r.finished_at, r.id)
            AND later.window_start <= r.window_end
            AND later.window_end >= r.window_end
            AND (r.aggregation NOT IN ('Summary', 'DayOfWeek', 'HourOfDay')
                 OR (later.window_start = r.window_start AND later.window_end = r.window_end))
            AND (later.window_end > r.window_end OR NOT coalesce(later.potential_incomplete, false)));
