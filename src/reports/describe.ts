import type { Aggregation } from './aggregations.js';
import type { ReportDefinition } from './catalog.js';
import { columnDocs } from './columnDocs.js';
import { columnSpec } from './columnTypes.js';

/**
 * Words for tables and columns: the COMMENTs BI tools show and the lines of docs/SCHEMA.md. The time
 * column's meaning depends on the aggregation, so it is described here rather than in columnDocs.
 */

const TIME_PERIOD: Record<Aggregation, string> = {
  Hourly:
    'Start of the hour as the file delivers it ("YYYY-MM-DD|H"), in the zone the file states (file_time_zone), not converted: bi_campaign_hourly and docs/BI.md give the UTC instant where that zone is known.',
  Daily: 'The day.',
  Weekly: 'The Sunday the week starts on. The current week holds the days reported so far.',
  WeeklyStartingMonday: 'The Monday the week starts on. The current week holds the days reported so far.',
  Monthly: 'The first day of the month. The current month holds the days reported so far.',
  Yearly: 'January 1 of the year (Microsoft reports "YYYY"). The current year holds the days reported so far.',
  DayOfWeek: 'Day of the week, 1 = Sunday … 7 = Saturday: figures summed over that weekday of the window.',
  HourOfDay: 'Hour of the day, 0-23: figures summed over that hour of every day of the window.',
  Summary: 'Not reported with Summary aggregation.',
};

const WINDOW: Record<Aggregation, string> = {
  Hourly: 'one row per hour (as delivered, in file_time_zone) and attribute combination; a run replaces the hours of its days, by the file’s own dates',
  Daily: 'one row per day and attribute combination; a run replaces its days',
  Weekly: 'one row per week (starting Sunday) and attribute combination; a run replaces every week its window touches',
  WeeklyStartingMonday: 'one row per week (starting Monday) and attribute combination; a run replaces every week its window touches',
  Monthly: 'one row per month and attribute combination; a run replaces every month its window touches',
  Yearly: 'one row per year and attribute combination; a run replaces every year its window touches',
  DayOfWeek: 'one row per weekday and attribute combination for each loaded window (window_start..window_end); a run replaces rows of exactly its window',
  HourOfDay: 'one row per hour of the day and attribute combination for each loaded window; a run replaces rows of exactly its window',
  Summary: 'one row per attribute combination for each loaded window (window_start..window_end); a run replaces rows of exactly its window',
};

export function columnDescription(column: string, aggregation: Aggregation): string {
  if (column === 'TimePeriod') return TIME_PERIOD[aggregation];
  const known = columnDocs[column];
  if (known) return known;
  const spec = columnSpec(column);
  const unit = spec.type === 'percent' ? ', in percent (2.13 means 2.13 %)' : '';
  return `Microsoft's ${column} column${unit}.`;
}

export function tableDescription(report: ReportDefinition, aggregation: Aggregation): string {
  const origin = report.custom ? `Custom report (${report.requestType})` : `${report.requestType}`;
  return `${report.description} ${origin}, ${aggregation} aggregation: ${WINDOW[aggregation]}. Money is in the account currency, percents in percent units, '--' and empty values are NULL.`;
}
