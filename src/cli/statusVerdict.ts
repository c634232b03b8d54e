import { addDays, daysBetween, todayIn } from '../schedule/dates.js';

/**
 * What `status` decides, as pure functions of the facts and `now`: each report target's state and
 * problems, each connection's, and the exit code. A target is an enabled report × aggregation of a
 * discovered account the account filters keep (or one the ledger has runs of for an enabled report).
 *
 * Problems, most serious first; any of them makes status exit 1:
 * - NEEDS_REAUTH: the connection's credential is dead (nothing of it loads until re-authorized);
 * - NO_ACCESS: Microsoft refuses the account to the connection's user;
 * - FAILING: the latest finished run failed;
 * - NEVER_LOADED: no run ever loaded it (its first one may be queued or running);
 * - BEHIND: its last loaded day is more than FRESHNESS_MAX_LAG_DAYS before yesterday;
 * - PROVISIONAL_EXPIRED: a provisional window's last day is older than today − LOOKBACK_DAYS. The nightly
 *   window no longer covers it; the tick widens dated windows back to it while Microsoft keeps the day,
 *   so one still unsettled this late is stuck (a period Microsoft only offers predefined, a day past
 *   retention, or re-pulls that keep failing) and needs a look, not another night.
 * A paused connection's targets are `paused`: an operator chose it, so they are shown but do not fail.
 */

export const targetProblems = ['NEEDS_REAUTH', 'NO_ACCESS', 'FAILING', 'NEVER_LOADED', 'BEHIND', 'PROVISIONAL_EXPIRED'] as const;
export type TargetProblem = (typeof targetProblems)[number];
export type TargetState = TargetProblem | 'ok' | 'paused';

export const connectionProblems = ['NEEDS_REAUTH', 'DISCOVERY_FAILED'] as const;
export type ConnectionProblem = (typeof connectionProblems)[number];
export type ConnectionState = ConnectionProblem | 'ok' | 'paused';

export interface StatusPolicy {
  now: Date;
  /** IANA zone of REPORT_TIME_ZONE: today and yesterday are calendar days there. */
  timeZone: string;
  /** FRESHNESS_MAX_LAG_DAYS */
  maxLagDays: number;
  /** LOOKBACK_DAYS */
  lookbackDays: number;
}

export interface TargetFacts {
  /** Last day of the latest successfully loaded window; null when none ever loaded. */
  lastLoadedDay: string | null;
  /** The latest finished run failed. */
  failing: boolean;
  connectionNeedsReauth: boolean;
  connectionPaused: boolean;
  accountNoAccess: boolean;
  /** Earliest last day of the target's unsettled provisional windows; null when none. */
  firstProvisionalDay: string | null;
}

export interface TargetVerdict {
  state: TargetState;
  /** Every problem, most serious first (state is the first, or ok / paused). */
  problems: TargetProblem[];
  /** Days the last loaded day is before yesterday (0 = up to date); null before the first load. */
  behindDays: number | null;
}

export function judgeTarget(facts: TargetFacts, policy: StatusPolicy): TargetVerdict {
  const today = todayIn(policy.timeZone, policy.now);
  const yesterday = addDays(today, -1);
  const behindDays = facts.lastLoadedDay === null ? null : Math.max(0, daysBetween(facts.lastLoadedDay, yesterday));
  const found: Record<TargetProblem, boolean> = {
    NEEDS_REAUTH: facts.connectionNeedsReauth,
    NO_ACCESS: facts.accountNoAccess,
    FAILING: facts.failing,
    NEVER_LOADED: facts.lastLoadedDay === null,
    BEHIND: behindDays !== null && behindDays > policy.maxLagDays,
    // The nightly window starts at today − LOOKBACK_DAYS: a last day before it is never re-pulled.
    PROVISIONAL_EXPIRED: facts.firstProvisionalDay !== null && facts.firstProvisionalDay < addDays(today, -policy.lookbackDays),
  };
  const problems = targetProblems.filter((p) => found[p]);
  if (facts.connectionPaused) return { state: 'paused', problems: [], behindDays };
  return { state: problems[0] ?? 'ok', problems, behindDays };
}

export interface ConnectionFacts {
  needsReauth: boolean;
  paused: boolean;
  /** Accounts discovered and not removed. */
  accounts: number;
  /** The last discovery failed (for a reason other than a dead credential). */
  discoveryFailed: boolean;
}

/** A connection fails on its own when its credential is dead, or when discovery fails and no account is known (it loads nothing). */
export function judgeConnection(facts: ConnectionFacts): ConnectionState {
  if (facts.paused) return 'paused';
  if (facts.needsReauth) return 'NEEDS_REAUTH';
  if (facts.discoveryFailed && facts.accounts === 0) return 'DISCOVERY_FAILED';
  return 'ok';
}

/** Exit codes of `status` (2, a usage or configuration error, is decided before any of this). */
export const STATUS_EXIT = { ok: 0, attention: 1, usage: 2 } as const;

/** No target at all is not "all ok": nothing is being loaded (no connection discovered, or no account kept). */
export function statusExitCode(targets: readonly { state: TargetState }[], connections: readonly { state: ConnectionState }[]): 0 | 1 {
  const bad = (s: string) => s !== 'ok' && s !== 'paused';
  if (targets.length === 0) return STATUS_EXIT.attention;
  return targets.some((t) => bad(t.state)) || connections.some((c) => bad(c.state)) ? STATUS_EXIT.attention : STATUS_EXIT.ok;
}
