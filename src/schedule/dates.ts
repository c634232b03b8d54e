/**
 * Calendar days as 'YYYY-MM-DD' strings. Pure: the clock is always a parameter. Arithmetic happens on
 * UTC midnights, where every day has 24 hours, so daylight-saving changes never shift a date.
 */

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDay(day: string): boolean {
  const m = ISO_DAY.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

function toUtc(day: string): number {
  if (!isIsoDay(day)) throw new RangeError(`"${day}" is not a YYYY-MM-DD calendar date`);
  return Date.parse(`${day}T00:00:00Z`);
}

const fromUtc = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The calendar date at `now` in an IANA time zone (e.g. 'UTC', 'America/Los_Angeles'). */
export function todayIn(timeZone: string, now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(day: string, days: number): string {
  return fromUtc(toUtc(day) + days * DAY_MS);
}

/** Adds calendar months; a day past the end of the target month becomes its last day (03-31 − 1 month = 02-28/29). */
export function addMonths(day: string, months: number): string {
  const d = new Date(toUtc(day));
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return fromUtc(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)));
}

/** Days from `a` to `b` (b − a); 0 for the same day. */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtc(b) - toUtc(a)) / DAY_MS);
}

export const minDay = (a: string, b: string): string => (a <= b ? a : b);
export const maxDay = (a: string, b: string): string => (a >= b ? a : b);
