import type { Aggregation } from '../reports/aggregations.js';
import { addDays, DEFAULT_REPORT_TIME_ZONE, todayIn } from '../reports/periods.js';
import { statedTimeZoneText } from '../reports/statedTimeZone.js';
import { reportTimeZoneIana, reportTimeZones, type ReportTimeZone } from '../reports/timeZones.js';
import { customerTimeZones } from '../soap/wsdl/customerManagementWsdl.js';

/**
 * The metadata block Microsoft writes at the top of a report file unless ExcludeReportHeader is set:
 * nine `Key: value` lines in a fixed order (REPORTING-FACTS §5.2, the example of guides/reports.md).
 * The simulator states what is true of the file it serves: the requested window, the zone the file is
 * in, its clock's last completed hour, whether the last day may still change and the row count.
 */

export interface HeaderFacts {
  reportName: string;
  /** The window, inclusive, YYYY-MM-DD. */
  from: string;
  to: string;
  aggregation: Aggregation;
  /** The zone the file states (see statedZone). */
  timeZone: ReportTimeZone;
  /** The service's clock when it generated the file (ms since the epoch). */
  now: number;
  /** What the `Rows:` line says; undefined leaves it empty. */
  rows: number | undefined;
}

const HOUR_MS = 3_600_000;
/** Microsoft: "Data is generally considered complete with books closed after 3 hours". */
const COMPLETION_LAG_HOURS = 3;

/** 2026-02-07 → "2/7/2026", as Microsoft writes dates (no leading zeros). */
export function usDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${Number(m)}/${Number(d)}/${y}`;
}

/** An instant as "2/8/2020 10:00:00 PM (GMT)", in UTC (Microsoft: ignore the suffix, the time is UTC). */
export function gmtTime(at: number): string {
  const t = new Date(at);
  const h = t.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${t.getUTCFullYear()} ${h % 12 || 12}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'} (GMT)`;
}

/** The last hour whose data is complete at `now`: three hours back, at the start of the hour. */
export const lastCompletedHour = (now: number): number => Math.floor(now / HOUR_MS) * HOUR_MS - COMPLETION_LAG_HOURS * HOUR_MS;

/** A ReportTimeZone name, also from Customer Management's four other spellings; undefined if unknown. */
export function asReportTimeZone(name: string | undefined): ReportTimeZone | undefined {
  if (name === undefined) return undefined;
  if (Object.hasOwn(reportTimeZoneIana, name)) return name as ReportTimeZone;
  const i = customerTimeZones.indexOf(name);
  return i < 0 ? undefined : reportTimeZones[i];
}

const hourly = (aggregation: Aggregation) => aggregation === 'Hourly' || aggregation === 'HourOfDay';
const isGmt = (zone: ReportTimeZone) => statedTimeZoneText(zone).startsWith('(GMT) ');

/**
 * The zone a file is stated (and its hours written) in. Hourly and HourOfDay files come in the
 * account's zone whatever ReportTimeZone says (users' reports, REPORTING-FACTS §5.4 "Contested"); an
 * account in a GMT zone or an unknown one gets Pacific time, so hourly files are never stated in GMT.
 * Every other aggregation states the request's ReportTimeZone (Pacific when omitted).
 */
export function statedZone(aggregation: Aggregation, requestZone: string | undefined, accountZone: string | undefined): ReportTimeZone {
  if (hourly(aggregation)) {
    const account = asReportTimeZone(accountZone);
    return account === undefined || isGmt(account) ? DEFAULT_REPORT_TIME_ZONE : account;
  }
  return asReportTimeZone(requestZone) ?? DEFAULT_REPORT_TIME_ZONE;
}

/** True when the window's last day is yesterday or later in the stated zone: its data may still change. */
export const potentiallyIncomplete = (to: string, zone: ReportTimeZone, now: number): boolean => to >= addDays(todayIn(zone, now), -1);

/** The nine lines, without quotes or line ends. */
export function headerLines(f: HeaderFacts): string[] {
  const completed = gmtTime(lastCompletedHour(f.now));
  return [
    `Report Name: ${f.reportName}`,
    `Report Time: ${f.from === f.to ? usDate(f.from) : `${usDate(f.from)}, ${usDate(f.to)}`}`,
    `Time Zone: ${statedTimeZoneText(f.timeZone)}`,
    `Last Completed Available Day: ${completed}`,
    `Last Completed Available Hour: ${completed}`,
    `Report Aggregation: ${f.aggregation}`,
    'Report Filter: ',
    `Potential Incomplete Data: ${potentiallyIncomplete(f.to, f.timeZone, f.now)}`,
    `Rows: ${f.rows ?? ''}`,
  ];
}
