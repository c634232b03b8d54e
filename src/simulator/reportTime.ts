import { reportTimeZoneIana, type ReportTimeZone } from '../reports/timeZones.js';

/**
 * Report time as the service interprets it: "today" is established in the request's ReportTimeZone
 * (PacificTimeUSCanadaTijuana when omitted), predefined periods resolve to inclusive day windows, and
 * each aggregation accepts only some predefined periods (REPORTING-FACTS §3.3).
 */

export const DEFAULT_REPORT_TIME_ZONE: ReportTimeZone = 'PacificTimeUSCanadaTijuana';

const DAY_MS = 86_400_000;

export interface DayWindow {
  /** Inclusive, YYYY-MM-DD. */
  from: string;
  to: string;
}

/** Today's date (YYYY-MM-DD) in a ReportTimeZone at instant `now`. */
export function todayIn(zone: string | undefined, now: number): string {
  const iana = reportTimeZoneIana[(zone ?? DEFAULT_REPORT_TIME_ZONE) as ReportTimeZone] ?? 'UTC';
  return new Intl.DateTimeFormat('en-CA', { timeZone: iana, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const addDays = (d: string, n: number) => day(ms(d) + n * DAY_MS);
const monthStart = (d: string, back = 0) => {
  const t = new Date(ms(d));
  return day(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - back, 1));
};
/** Start of the week holding `d`; weeks start on Sunday (0) or Monday (1). */
const weekStart = (d: string, firstDay: 0 | 1) => addDays(d, -((new Date(ms(d)).getUTCDay() - firstDay + 7) % 7));

/** A calendar date from Day/Month/Year, or undefined when no such date exists (e.g. 30 February). */
export function calendarDate(dayOfMonth: number, month: number, year: number): string | undefined {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || dayOfMonth < 1) return undefined;
  const t = new Date(Date.UTC(year, month - 1, dayOfMonth));
  if (t.getUTCMonth() !== month - 1 || t.getUTCDate() !== dayOfMonth) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

/** The inclusive window of a ReportTimePeriod relative to `today` (Microsoft's "Last…" periods exclude today). */
export function predefinedWindow(period: string, today: string): DayWindow {
  const yesterday = addDays(today, -1);
  const year = today.slice(0, 4);
  switch (period) {
    case 'Today':
      return { from: today, to: today };
    case 'Yesterday':
      return { from: yesterday, to: yesterday };
    case 'LastSevenDays':
      return { from: addDays(today, -7), to: yesterday };
    case 'Last14Days':
      return { from: addDays(today, -14), to: yesterday };
    case 'Last30Days':
      return { from: addDays(today, -30), to: yesterday };
    case 'ThisWeek':
      return { from: weekStart(today, 0), to: today };
    case 'ThisWeekStartingMonday':
      return { from: weekStart(today, 1), to: today };
    case 'LastWeek':
      return { from: addDays(weekStart(today, 0), -7), to: addDays(weekStart(today, 0), -1) };
    case 'LastWeekStartingMonday':
      return { from: addDays(weekStart(today, 1), -7), to: addDays(weekStart(today, 1), -1) };
    case 'LastFourWeeks':
      return { from: addDays(weekStart(today, 0), -28), to: addDays(weekStart(today, 0), -1) };
    case 'LastFourWeeksStartingMonday':
      return { from: addDays(weekStart(today, 1), -28), to: addDays(weekStart(today, 1), -1) };
    case 'ThisMonth':
      return { from: monthStart(today), to: today };
    case 'LastMonth':
      return { from: monthStart(today, 1), to: addDays(monthStart(today), -1) };
    case 'LastThreeMonths':
      return { from: monthStart(today, 3), to: addDays(monthStart(today), -1) };
    case 'LastSixMonths':
      return { from: monthStart(today, 6), to: addDays(monthStart(today), -1) };
    case 'ThisYear':
      return { from: `${year}-01-01`, to: today };
    case 'LastYear':
      return { from: `${Number(year) - 1}-01-01`, to: `${Number(year) - 1}-12-31` };
    default:
      throw new Error(`unknown ReportTimePeriod ${period}`);
  }
}

/** Predefined periods each aggregation accepts ([DOCS] guides/reports.md#aggregation-time); custom ranges suit all but HourOfDay/DayOfWeek. */
const ALLOWED_PERIODS: Record<string, readonly string[]> = {
  Daily: ['Today', 'Yesterday', 'LastSevenDays', 'ThisMonth', 'LastMonth'],
  DayOfWeek: ['Today', 'Yesterday', 'LastSevenDays', 'ThisMonth', 'LastMonth', 'LastThreeMonths', 'LastSixMonths'],
  Hourly: ['Today', 'Yesterday'],
  HourOfDay: ['Today', 'Yesterday', 'LastSevenDays', 'ThisMonth', 'LastMonth', 'LastThreeMonths', 'LastSixMonths'],
  Monthly: ['ThisMonth', 'LastMonth', 'LastThreeMonths', 'LastSixMonths', 'ThisYear', 'LastYear'],
  Summary: ['Today', 'Yesterday', 'LastSevenDays', 'ThisMonth', 'LastMonth'],
  Weekly: ['ThisWeek', 'LastWeek', 'LastFourWeeks', 'ThisMonth', 'LastMonth', 'ThisYear', 'LastYear'],
  WeeklyStartingMonday: ['ThisWeekStartingMonday', 'LastWeekStartingMonday', 'LastFourWeeksStartingMonday', 'ThisMonth', 'LastMonth', 'ThisYear', 'LastYear'],
  Yearly: ['ThisYear', 'LastYear'],
};

export function aggregationAllowsPeriod(aggregation: string, period: string | undefined): boolean {
  if (period === undefined) return aggregation !== 'HourOfDay' && aggregation !== 'DayOfWeek';
  return ALLOWED_PERIODS[aggregation]?.includes(period) ?? false;
}
