import type { ReportTarget } from '../jobs/reportJobData.js';
import { addDays, daysBetween, isIsoDay, maxDay, minDay, todayIn } from './dates.js';
import { describeRetention, earliestAvailableDay, type Retention } from './retention.js';
import { acceptsCustomRange, ALLOWED_PERIODS, predefinedWindow } from '../reports/periods.js';
import { orderProvisional, type ProvisionalWindow } from './provisional.js';

/**
 * The pure planners: what report jobs a nightly tick or a backfill should enqueue. No I/O and no clock:
 * `now` (or `today`) is a parameter, so the same input always gives the same jobs, and the job ids
 * built from them (reportJobId) are the same too, which is what makes enqueueing idempotent.
 */

/** Types follow the job payload, so the planner never builds a job the worker would refuse. */
type ReportName = ReportTarget['report'];
type Aggregation = ReportTarget['aggregation'];

export interface PlannedReport {
  report: ReportName;
  aggregation: Aggregation;
  /** How far back Microsoft keeps this report at this aggregation (retention.ts). */
  retention: Retention;
}

export interface PlannableConnection {
  connectionId: string;
  health: 'ok' | 'needs_reauth';
}

export interface PlannableAccount {
  connectionId: string;
  accountId: string;
  /** The account's ParentCustomerId: the CustomerId header of its reports. */
  customerId: string;
}

export interface Window {
  from: string;
  to: string;
}

export type PlanWarning =
  | { kind: 'retention_clamped'; report: string; aggregation: Aggregation; requested: Window; planned: Window; message: string }
  | { kind: 'outside_retention'; report: string; aggregation: Aggregation; requested: Window; message: string }
  | { kind: 'duplicate_account'; accountId: string; connectionIds: string[]; message: string };

export interface NightlyInput {
  now: Date;
  /** IANA zone of the report time zone: "today" is the calendar date there. */
  timeZone: string;
  lookbackDays: number;
  connections: readonly PlannableConnection[];
  accounts: readonly PlannableAccount[];
  reports: readonly PlannedReport[];
  /** Loaded windows whose last day Microsoft may still change (provisional.ts); none when omitted. */
  provisional?: readonly ProvisionalWindow[];
}

export interface Plan {
  today: string;
  /** Jobs re-pulling provisional windows first (jobs[0 .. provisionalJobs)), then the rest. */
  jobs: ReportTarget[];
  provisionalJobs: number;
  warnings: PlanWarning[];
  /** Connections left out because they need re-authorization. */
  skippedConnections: string[];
}

/**
 * The nightly plan: for every healthy connection × account × enabled report × aggregation, ONE job for
 * the window [today − lookbackDays, yesterday] (late conversions are re-pulled each night), clamped to
 * what Microsoft retains. Targets with a provisional window come first, their window made to cover its
 * last day (orderProvisional).
 */
export function planNightly(input: NightlyInput): Plan {
  if (!Number.isInteger(input.lookbackDays) || input.lookbackDays < 1) throw new RangeError(`lookbackDays must be a positive integer, got ${input.lookbackDays}`);
  const today = todayIn(input.timeZone, input.now);
  const requested: Window = { from: addDays(today, -input.lookbackDays), to: addDays(today, -1) };
  const { accounts, skippedConnections, warnings } = usableAccounts(input.connections, input.accounts);
  const jobs: ReportTarget[] = [];
  for (const r of input.reports) {
    const clamped = clampWindow(nightlyWindow(r.aggregation, requested, today), r, today);
    if (clamped.warning) warnings.push(clamped.warning);
    if (!clamped.window) continue;
    for (const a of accounts) jobs.push(target(a, r, clamped.window));
  }
  const ordered = orderProvisional(sortJobs(jobs), input.provisional ?? [], input.reports, today);
  const first = interleaveCustomers(ordered.jobs.slice(0, ordered.provisionalJobs));
  const rest = interleaveCustomers(ordered.jobs.slice(ordered.provisionalJobs));
  return { today, jobs: [...first, ...rest], provisionalJobs: ordered.provisionalJobs, warnings, skippedConnections };
}

/**
 * DayOfWeek and HourOfDay accept only Microsoft's predefined periods, never a custom range: the nightly
 * window becomes the longest allowed complete period inside the lookback (e.g. LastSevenDays, LastMonth),
 * or the shortest complete one when none fits, so such a report is loaded rather than refused.
 */
function nightlyWindow(aggregation: string, requested: Window, today: string): Window {
  if (acceptsCustomRange(aggregation)) return requested;
  const allowed = ALLOWED_PERIODS[aggregation as keyof typeof ALLOWED_PERIODS] ?? [];
  const complete = allowed.map((p) => predefinedWindow(p, today)).filter((w) => w.to < today);
  const span = (w: Window) => daysBetween(w.from, w.to);
  const inside = complete.filter((w) => w.from >= requested.from).sort((a, b) => span(b) - span(a));
  const fallback = [...complete].sort((a, b) => span(a) - span(b));
  return inside[0] ?? fallback[0] ?? requested;
}

export interface BackfillInput {
  today: string;
  from: string;
  to: string;
  /** Days per window; default per aggregation (defaultWindowDays). */
  windowDays?: number;
  accounts: readonly PlannableAccount[];
  reports: readonly PlannedReport[];
}

/** A backfill: the range split into windows (one job per account × report × window), clamped to retention. */
export function planBackfill(input: BackfillInput): { jobs: ReportTarget[]; warnings: PlanWarning[] } {
  for (const [name, day] of [['from', input.from], ['to', input.to]] as const) {
    if (!isIsoDay(day)) throw new RangeError(`--${name} "${day}" is not a YYYY-MM-DD date`);
  }
  if (input.from > input.to) throw new RangeError(`--from ${input.from} is after --to ${input.to}`);
  if (input.to > input.today) throw new RangeError(`--to ${input.to} is in the future (today is ${input.today} in the report time zone)`);
  const warnings: PlanWarning[] = [];
  const jobs: ReportTarget[] = [];
  for (const r of input.reports) {
    const clamped = clampWindow({ from: input.from, to: input.to }, r, input.today);
    if (clamped.warning) warnings.push(clamped.warning);
    if (!clamped.window) continue;
    const windows = splitWindows(clamped.window.from, clamped.window.to, input.windowDays ?? defaultWindowDays(r.aggregation));
    for (const a of input.accounts) for (const w of windows) jobs.push(target(a, r, w));
  }
  return { jobs: interleaveCustomers(sortJobs(jobs)), warnings };
}

/** Default window length of a backfill: a report per month of daily data, per week of hourly data. */
export function defaultWindowDays(aggregation: Aggregation): number {
  switch (aggregation) {
    case 'Hourly':
      return 7;
    case 'Daily':
      return 31;
    default:
      // Weekly and coarser periods are widened to whole periods by the loader, and Summary-like
      // aggregations are figures for their window: keep windows long.
      return 366;
  }
}

/** Consecutive windows of at most `days` days covering [from, to] exactly, in order. */
export function splitWindows(from: string, to: string, days: number): Window[] {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`window length must be a positive number of days, got ${days}`);
  if (from > to) throw new RangeError(`window start ${from} is after its end ${to}`);
  const windows: Window[] = [];
  for (let start = from; start <= to; start = addDays(start, days)) {
    windows.push({ from: start, to: minDay(addDays(start, days - 1), to) });
  }
  return windows;
}

/** Clamps a window to Microsoft's retention on `today`, saying what changed. */
export function clampWindow(window: Window, r: PlannedReport, today: string): { window: Window | null; warning?: PlanWarning } {
  const base = { report: r.report, aggregation: r.aggregation, requested: window };
  if (r.retention === null) {
    return { window: null, warning: { kind: 'outside_retention', ...base, message: `${r.report} ${r.aggregation}: Microsoft does not offer this aggregation; nothing planned` } };
  }
  const earliest = earliestAvailableDay(today, r.retention);
  if (earliest === undefined) return { window };
  if (window.to < earliest) {
    return {
      window: null,
      warning: { kind: 'outside_retention', ...base, message: `${r.report} ${r.aggregation} ${window.from}..${window.to}: older than Microsoft keeps (${describeRetention(r.retention)}, earliest ${earliest}); nothing planned` },
    };
  }
  if (window.from >= earliest) return { window };
  const planned = { from: maxDay(window.from, earliest), to: window.to };
  return {
    window: planned,
    warning: {
      kind: 'retention_clamped',
      ...base,
      planned,
      message: `${r.report} ${r.aggregation}: ${window.from}..${window.to} starts ${daysBetween(window.from, earliest)} days before what Microsoft keeps (${describeRetention(r.retention)}); planned ${planned.from}..${planned.to}`,
    },
  };
}

/**
 * Accounts of healthy connections, each account once: an account two connections reach is loaded
 * through the first (by connection id), or two jobs would replace the same rows at the same time.
 */
function usableAccounts(
  connections: readonly PlannableConnection[],
  accounts: readonly PlannableAccount[],
): { accounts: PlannableAccount[]; skippedConnections: string[]; warnings: PlanWarning[] } {
  const healthy = new Set(connections.filter((c) => c.health === 'ok').map((c) => c.connectionId));
  const skippedConnections = connections.filter((c) => c.health !== 'ok').map((c) => c.connectionId).sort();
  const byAccount = new Map<string, PlannableAccount[]>();
  for (const a of [...accounts].sort((x, y) => x.connectionId.localeCompare(y.connectionId))) {
    if (!healthy.has(a.connectionId)) continue;
    const list = byAccount.get(a.accountId) ?? [];
    if (!list.some((x) => x.connectionId === a.connectionId)) list.push(a);
    byAccount.set(a.accountId, list);
  }
  const warnings: PlanWarning[] = [];
  const chosen: PlannableAccount[] = [];
  for (const [accountId, list] of byAccount) {
    chosen.push(list[0] as PlannableAccount);
    if (list.length > 1) {
      const ids = list.map((x) => x.connectionId);
      warnings.push({ kind: 'duplicate_account', accountId, connectionIds: ids, message: `account ${accountId} is reachable through ${ids.join(', ')}; loading it through ${ids[0]}` });
    }
  }
  return { accounts: chosen, skippedConnections, warnings };
}

function target(a: PlannableAccount, r: PlannedReport, w: Window): ReportTarget {
  return { connectionId: a.connectionId, customerId: a.customerId, accountId: a.accountId, report: r.report, aggregation: r.aggregation, from: w.from, to: w.to };
}

function sortJobs(jobs: ReportTarget[]): ReportTarget[] {
  const key = (j: ReportTarget) => [j.connectionId, j.accountId.padStart(20, '0'), j.report, j.aggregation, j.from].join('|');
  return jobs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Round-robin over customers, each customer's jobs in their own order. Microsoft's concurrency limit is
 * per developer token × customer, so a plan ordered by connection would fill one customer's slots while
 * every other customer waits for its turn in the queue; interleaved, every customer's first slots fill
 * in the first seconds of a night.
 */
export function interleaveCustomers(jobs: readonly ReportTarget[]): ReportTarget[] {
  const groups = new Map<string, ReportTarget[]>();
  for (const j of jobs) {
    const list = groups.get(j.customerId);
    if (list) list.push(j);
    else groups.set(j.customerId, [j]);
  }
  const lists = [...groups.values()];
  const out: ReportTarget[] = [];
  for (let i = 0; out.length < jobs.length; i++) {
    for (const list of lists) {
      const j = list[i];
      if (j !== undefined) out.push(j);
    }
  }
  return out;
}
