/**
 * Microsoft's ReportAggregation enum (REPORTING-FACTS §3.3) and what each one means for a table: which
 * SQL type its TimePeriod column gets and how a run's window maps onto its rows.
 */

export const aggregations = [
  'Summary',
  'Hourly',
  'Daily',
  'Weekly',
  'WeeklyStartingMonday',
  'Monthly',
  'Yearly',
  'DayOfWeek',
  'HourOfDay',
] as const;
export type Aggregation = (typeof aggregations)[number];

/** The aggregations built-in reports are offered in (where Microsoft supports them). */
export const builtinAggregations = ['Hourly', 'Daily', 'Weekly', 'Monthly'] as const satisfies readonly Aggregation[];

/**
 * How rows relate to the run's window [from, to]:
 * - `instant`: TimePeriod is an hour, "YYYY-MM-DD|H", loaded as the UTC instant the hour starts.
 * - `calendar`: TimePeriod is the first day of a day, week, month or year; the window replaces every
 *   period that overlaps it.
 * - `snapshot`: the rows carry no date (Summary, DayOfWeek, HourOfDay): they are figures *for* the
 *   window, stamped with window_start/window_end, and a run replaces exactly its own window.
 */
export type WindowKind = 'instant' | 'calendar' | 'snapshot';

export function windowKind(aggregation: Aggregation): WindowKind {
  switch (aggregation) {
    case 'Hourly':
      return 'instant';
    case 'Summary':
    case 'DayOfWeek':
    case 'HourOfDay':
      return 'snapshot';
    default:
      return 'calendar';
  }
}

/** Aggregations whose TimePeriod is a small number (1-7 Sunday first, 0-23), not a date. */
export const isOrdinalPeriod = (aggregation: Aggregation): boolean => aggregation === 'DayOfWeek' || aggregation === 'HourOfDay';

/** "WeeklyStartingMonday" → "weekly_starting_monday": the suffix of table names, the CLI's spelling. */
export function aggregationSlug(aggregation: Aggregation): string {
  return aggregation.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Reads an aggregation however it is spelled: "Daily", "daily", "weekly_starting_monday", "dayofweek". */
export function parseAggregation(text: string): Aggregation | undefined {
  const squashed = text.replaceAll('_', '').replaceAll('-', '').toLowerCase();
  return aggregations.find((a) => a.toLowerCase() === squashed);
}
