import type { ReportTarget } from '../jobs/reportJobData.js';
import { acceptsCustomRange } from '../reports/periods.js';
import { windowKind, type Aggregation } from '../reports/aggregations.js';
import { addDays, minDay } from './dates.js';
import { earliestAvailableDay, type Retention } from './retention.js';

/**
 * Provisional windows in the nightly plan. A window is provisional when its file said "Potential
 * Incomplete Data: true" (Microsoft may still change its LAST day) and no later load settled it (the
 * view report_provisional_windows). A later load settles it when it covers that last day and either
 * ends after it or is complete, so the nightly job of such a target is submitted first, and its window
 * is made to cover that last day when the lookback alone does not.
 *
 * Pure: the windows come in as data (the tick reads them with listProvisionalWindows).
 */

export interface ProvisionalWindow {
  accountId: string;
  report: string;
  aggregation: string;
  /** The provisional run's window; `to` is the day Microsoft may still change. */
  from: string;
  to: string;
}

export interface OrderedJobs {
  /** Provisional jobs first, then the rest, each group in the planner's stable order. */
  jobs: ReportTarget[];
  /** jobs[0 .. provisionalJobs) re-pull provisional windows (the tick gives them a higher priority). */
  provisionalJobs: number;
}

const keyOf = (t: { accountId: string; report: string; aggregation: string }) => `${t.accountId}|${t.report}|${t.aggregation}`;

/**
 * Marks, widens and adds jobs for provisional windows, given the nightly jobs in their planner order.
 * Windows are matched by account, report and aggregation, not connection: the planner loads an account
 * through one connection, and that load settles a window whichever connection loaded it. Windows of
 * targets with no nightly job (report disabled, account filtered, connection needing re-authorization)
 * are left alone: there is nothing to re-pull them with tonight.
 */
export function orderProvisional(jobs: readonly ReportTarget[], provisional: readonly ProvisionalWindow[], reports: readonly { report: string; aggregation: string; retention: Retention }[], today: string): OrderedJobs {
  const yesterday = addDays(today, -1);
  const byTarget = new Map<string, ProvisionalWindow[]>();
  // A window ending today or later cannot be settled before tomorrow's window covers that day.
  for (const p of provisional) if (p.to <= yesterday) byTarget.set(keyOf(p), [...(byTarget.get(keyOf(p)) ?? []), p]);

  const first: ReportTarget[] = [];
  const rest: ReportTarget[] = [];
  for (const job of jobs) {
    const windows = byTarget.get(keyOf(job));
    if (!windows) {
      rest.push(job);
      continue;
    }
    const retention = reports.find((r) => r.report === job.report && r.aggregation === job.aggregation)?.retention;
    const repull = coverLastDays(job, windows, earliestAvailableDay(today, retention));
    if (repull) first.push(...repull);
    else rest.push(job);
  }
  return { jobs: [...first, ...rest], provisionalJobs: first.length };
}

/**
 * The jobs that re-pull one target's provisional windows: its nightly job, widened or joined by exact
 * re-pulls for windows whose last day lies before the nightly window.
 *
 * - Dated rows (Hourly, Daily, Weekly …): the nightly window's `from` is widened to the earliest such
 *   last day. One job, so no two jobs of the target replace the same rows at once (a coarse period at
 *   the boundary would be replaced by both), and it ends after every widened-to day, so it settles
 *   them. It costs the days in between once; the next night plans the plain window again.
 * - Snapshot rows (Summary): figures FOR a window; a wider window is other figures and never replaces
 *   the provisional ones. Each such window is re-pulled as exactly itself, a job of its own (snapshot
 *   windows replace only their own rows, so it does not collide with the nightly job).
 * - DayOfWeek / HourOfDay take only Microsoft's predefined periods: an old window cannot be asked for
 *   again, so only a window the nightly period covers is prioritized.
 *
 * Days Microsoft no longer keeps (retention) cannot be re-pulled: such windows stay provisional, and
 * `status` keeps showing them. Undefined when none of the target's windows can be settled tonight:
 * the job then keeps its ordinary place and priority.
 *
 * Job ids stay deterministic: a widened or exact window is a function of the same inputs, and
 * reportJobId is computed from the window as planned.
 */
function coverLastDays(job: ReportTarget, windows: readonly ProvisionalWindow[], earliest: string | undefined): ReportTarget[] | undefined {
  const aggregation = job.aggregation as Aggregation;
  const covered = windows.some((w) => w.to >= job.from && w.to <= job.to);
  const before = acceptsCustomRange(aggregation) ? windows.filter((w) => w.to < job.from && (earliest === undefined || w.to >= earliest)) : [];
  if (before.length === 0) return covered ? [job] : undefined;
  if (windowKind(aggregation) !== 'snapshot') {
    return [{ ...job, from: before.map((w) => w.to).reduce(minDay) }];
  }
  const exact = new Map<string, ReportTarget>();
  for (const w of before) {
    if (earliest !== undefined && w.from < earliest) continue;
    exact.set(`${w.from}|${w.to}`, { ...job, from: w.from, to: w.to });
  }
  if (exact.size === 0) return covered ? [job] : undefined;
  return [job, ...[...exact.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1))];
}
