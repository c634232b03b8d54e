import { resolveStatedTimeZone, type StatedTimeZone } from '../reports/statedTimeZone.js';

/**
 * The report header block: what Microsoft states about one file, line by line "Key: value"
 * (guides/reports.md#reportschema, REPORTING-FACTS §5.2). It is the only place that says how many
 * records the file holds (Rows), whether its last day may still change (Potential Incomplete Data),
 * how far Microsoft's processing has got (Last Completed Available Day/Hour, always UTC whatever the
 * "(GMT)" suffix says) and which zone its dates and hours are in (Time Zone).
 */

export interface ReportMetadata {
  reportName: string | null;
  /** Report Time: one day, or "start, end"; ISO dates. */
  reportTime: { from: string; to: string } | null;
  timeZone: StatedTimeZone | null;
  lastCompletedAvailableDay: Date | null;
  lastCompletedAvailableHour: Date | null;
  aggregation: string | null;
  potentialIncompleteData: boolean | null;
  /** Record count of the data, excluding blank lines, header, column names and footer. */
  rows: number | null;
  /** What could not be read, in words, for the run's warnings. */
  problems: string[];
}

const KEYS = [
  'Report Name',
  'Report Time',
  'Time Zone',
  'Last Completed Available Day',
  'Last Completed Available Hour',
  'Report Aggregation',
  'Report Filter',
  'Potential Incomplete Data',
  'Rows',
] as const;
type Key = (typeof KEYS)[number];

const LINE = new RegExp(`^(${KEYS.join('|')}):\\s?(.*)$`);

const pad = (n: number) => String(n).padStart(2, '0');

/** "2/7/2020" → "2020-02-07"; null if it is not a real M/D/YYYY date. */
export function usDate(text: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** "2/8/2020 10:15:00 PM (GMT)" → that instant in UTC (Microsoft: "always reported relative to UTC"). */
export function usDateTime(text: string): Date | null {
  const m = /^(\d{1,2}\/\d{1,2}\/\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?\s*(?:\(.*\))?\s*$/i.exec(text.trim());
  if (!m) return null;
  const day = usDate(m[1] as string);
  let hour = Number(m[2]);
  const [minute, second] = [Number(m[3]), Number(m[4] ?? 0)];
  const half = m[5]?.toUpperCase();
  if (half !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (half === 'PM' ? 12 : 0);
  }
  if (day === null || hour > 23 || minute > 59 || second > 59) return null;
  return new Date(`${day}T${pad(hour)}:${pad(minute)}:${pad(second)}Z`);
}

/** The metadata of a header block given its lines' texts (each line one CSV field), or null when empty. */
export function parseReportMetadata(lines: readonly string[]): ReportMetadata | null {
  if (lines.length === 0) return null;
  const meta: ReportMetadata = {
    reportName: null,
    reportTime: null,
    timeZone: null,
    lastCompletedAvailableDay: null,
    lastCompletedAvailableHour: null,
    aggregation: null,
    potentialIncompleteData: null,
    rows: null,
    problems: [],
  };
  const seen = new Set<Key>();
  for (const raw of lines) {
    const text = raw.replace(/^\uFEFF/, '').trim();
    const m = LINE.exec(text);
    if (!m) {
      meta.problems.push(`report header line not understood: "${text.slice(0, 120)}"`);
      continue;
    }
    const key = m[1] as Key;
    const value = (m[2] as string).trim();
    if (seen.has(key)) meta.problems.push(`report header states ${key} twice; the first is used`);
    if (seen.has(key)) continue;
    seen.add(key);
    const unreadable = () => meta.problems.push(`report header ${key} not understood: "${value.slice(0, 120)}"`);
    switch (key) {
      case 'Report Name':
        meta.reportName = value;
        break;
      case 'Report Time': {
        const parts = value.split(',').map((p) => usDate(p));
        const [from, to] = [parts[0], parts[parts.length - 1]];
        if (parts.length > 2 || !from || !to || from > to) unreadable();
        else meta.reportTime = { from, to };
        break;
      }
      case 'Time Zone':
        if (value === '') unreadable();
        else meta.timeZone = resolveStatedTimeZone(value);
        break;
      case 'Last Completed Available Day':
      case 'Last Completed Available Hour': {
        const at = usDateTime(value);
        if (at === null) {
          if (value !== '') unreadable();
        } else if (key === 'Last Completed Available Day') meta.lastCompletedAvailableDay = at;
        else meta.lastCompletedAvailableHour = at;
        break;
      }
      case 'Report Aggregation':
        meta.aggregation = value === '' ? null : value;
        break;
      case 'Report Filter':
        break;
      case 'Potential Incomplete Data':
        if (/^true$/i.test(value)) meta.potentialIncompleteData = true;
        else if (/^false$/i.test(value)) meta.potentialIncompleteData = false;
        else unreadable();
        break;
      case 'Rows': {
        // FormatVersion 1.0 groups thousands with commas; 2.0 (what we request) does not.
        const digits = value.replaceAll(',', '');
        if (/^\d+$/.test(digits)) meta.rows = Number(digits);
        else if (value !== '') unreadable();
        break;
      }
    }
  }
  return meta;
}
