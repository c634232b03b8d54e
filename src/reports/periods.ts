import type { Aggregation } from './aggregations.js';
import { reportTimeZoneIana, type ReportTimeZone } from './timeZones.js';

/**
 * Calendar arithmetic on YYYY-MM-DD days, shared by request building, validation and the simulator:
 * "today" in a ReportTimeZone, Microsoft's predefined periods, period starts and retention spans.
 * Pure functions; the clock is always an argument.
 */

export const DEFAULT_REPORT_TIME_ZONE: ReportTimeZone = 'PacificTimeUSCanadaTijuana';

const DAY_MS = 86_400_000;

export interface DayWindow {
  /** Inclusive, YYYY-MM-DD. */
  from: string;
  to: string;
}

const ms = (d: string) => Date.parse(`${d}T00:00:00Z`);
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export const addDays = (d: string, n: number): string => day(ms(d) + n * DAY_MS);

/** The same day of the month `n` months later (earlier if negative), clamped to the month's last day. */
export function addMonths(d: string, n: number): string {
  const t = new Date(ms(d));
  const first = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return day(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(t.getUTCDate(), last)));
}

export const monthStart = (d: string, back = 0): string => {
  const t = new Date(ms(d));
  return day(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - back, 1));
};

/** Start of the week holding `d`; weeks start on Sunday (0) or Monday (1). */
export const weekStart = (d: string, firstDay: 0 | 1): string => addDays(d, -((new Date(ms(d)).getUTCDay() - firstDay + 7) % 7));

/** 1 = Sunday … 7 = Saturday, Microsoft's DayOfWeek numbering. */
export const dayOfWeek = (d: string): number => new Date(ms(d)).getUTCDay() + 1;

/** Today's date (YYYY-MM-DD) in a ReportTimeZone at instant `now`. */
export function todayIn(zone: string | undefined, now: number): string {
  const iana = reportTimeZoneIana[(zone ?? DEFAULT_REPORT_TIME_ZONE) as ReportTimeZone] ?? 'UTC';
  let format = dayFormats.get(iana);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: iana, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(iana, format);
  }
  return format.format(now);
}

/** One formatter per zone (a few dozen at most): making one per call cost a worker ~3 % of its CPU at night. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A calendar date from Day/Month/Year, or undefined when no such date exists (e.g. 30 February). */
export function calendarDate(dayOfMonth: number, month: number, year: number): string | undefined {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || dayOfMonth < 1) return undefined;
  const t = new Date(Date.UTC(year, month - 1, dayOfMonth));
  if (t.getUTCMonth() !== month - 1 || t.getUTCDate() !== dayOfMonth) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

/** Microsoft's ReportTimePeriod enum. */
export const predefinedPeriods = [
  'Today',
  'Yesterday',
  'LastSevenDays',
  'ThisWeek',
  'LastWeek',
  'Last14Days',
  'Last30Days',
  'LastFourWeeks',
  'ThisMonth',
  'LastMonth',
  'LastThreeMonths',
  'LastSixMonths',
  'ThisYear',
  'LastYear',
  'ThisWeekStartingMonday',
  'LastWeekStartingMonday',
  'LastFourWeeksStartingMonday',
] as const;
export type PredefinedPeriod = (typeof predefinedPeriods)[number];

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

/** Predefined periods each aggregation accepts ([DOCS] guides/reports.md#aggregation-time). */
export const ALLOWED_PERIODS: Record<Aggregation, readonly PredefinedPeriod[]> = {
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

/** HourOfDay and DayOfWeek accept only predefined periods; every other aggregation also takes a custom range. */
export const acceptsCustomRange = (aggregation: string): boolean => aggregation !== 'HourOfDay' && aggregation !== 'DayOfWeek';

export function aggregationAllowsPeriod(aggregation: string, period: string | undefined): boolean {
  if (period === undefined) return acceptsCustomRange(aggregation);
  return (ALLOWED_PERIODS as Record<string, readonly string[]>)[aggregation]?.includes(period) ?? false;
}

/** The predefined period an aggregation accepts whose window is exactly [from, to] today, if any. */
export function predefinedPeriodFor(aggregation: Aggregation, window: DayWindow, today: string): PredefinedPeriod | undefined {
  return ALLOWED_PERIODS[aggregation].find((p) => {
    const w = predefinedWindow(p, today);
    return w.from === window.from && w.to === window.to;
  });
}

/**
 * The first day of the period of `aggregation` holding `d` (the value Microsoft puts in TimePeriod):
 * the day itself for Daily, the Sunday or Monday of its week, the first of its month or year.
 */
export function periodStart(aggregation: Aggregation, d: string): string {
  switch (aggregation) {
    case 'Weekly':
      return weekStart(d, 0);
    case 'WeeklyStartingMonday':
      return weekStart(d, 1);
    case 'Monthly':
      return monthStart(d);
    case 'Yearly':
      return `${d.slice(0, 4)}-01-01`;
    default:
      return d;
  }
}

/** The last day of the period of `aggregation` holding `d`. */
export function periodEnd(aggregation: Aggregation, d: string): string {
  switch (aggregation) {
    case 'Weekly':
      return addDays(weekStart(d, 0), 6);
    case 'WeeklyStartingMonday':
      return addDays(weekStart(d, 1), 6);
    case 'Monthly':
      return addDays(monthStart(addMonths(monthStart(d), 1)), -1);
    case 'Yearly':
      return `${d.slice(0, 4)}-12-31`;
    default:
      return d;
  }
}
