import { accountFilter, reportTimeZoneIanaOf } from '../app/discovery.js';
import type { Config } from '../config.js';
import { listAccountRows } from '../db/accounts.js';
import type { Db } from '../db/client.js';
import { listConnectionRows, type ConnectionRow } from '../db/connections.js';
import { countUnfinishedRuns, listTargetStatus, type TargetStatus } from '../db/runStatus.js';
import { accountFilterReason } from '../discovery/filters.js';
import { addDays, todayIn } from '../schedule/dates.js';
import { enabledReports } from '../schedule/enabledReports.js';
import { judgeConnection, judgeTarget, statusExitCode, type ConnectionState, type StatusPolicy, type TargetProblem, type TargetState } from './statusVerdict.js';

/**
 * Everything `status` shows, read from the ledger and judged by statusVerdict. The targets are the
 * enabled reports (REPORTS) × the discovered accounts the account filters keep, whether or not they
 * ever ran, plus ledger targets of enabled reports whose account was never discovered (run-once of an
 * account given by id). Ledger targets of a report no longer enabled, or of an account removed or
 * filtered out, are not planned any more: they are counted, not judged.
 */

export interface StatusTarget {
  connectionId: string;
  accountId: string;
  accountName: string | null;
  report: string;
  aggregation: string;
  state: TargetState;
  problems: TargetProblem[];
  lastOk: TargetStatus['lastOk'];
  behindDays: number | null;
  lastFailure: TargetStatus['lastFailure'];
  /** Runs of the target not finished yet (queued at Microsoft, loading, retrying). */
  inFlight: number;
  api: string | null;
  provisional: TargetStatus['provisional'];
}

export interface StatusConnection extends ConnectionRow {
  state: ConnectionState;
  accounts: number;
}

export interface StatusReport {
  today: string;
  policy: { freshnessMaxLagDays: number; lookbackDays: number; provisionalExpiresBefore: string };
  connections: StatusConnection[];
  targets: StatusTarget[];
  /** Ledger targets no longer planned (report disabled, account removed or filtered out). */
  unscheduledTargets: number;
  /** Unfinished runs of the ledger by status. */
  inFlight: Record<string, number>;
  exitCode: 0 | 1;
}

const keyOf = (...parts: (string | number)[]) => parts.join('|');

export async function buildStatusReport(db: Db, config: Config, options: { connectionId?: string | undefined; now: Date }): Promise<StatusReport> {
  const policy: StatusPolicy = {
    now: options.now,
    timeZone: reportTimeZoneIanaOf(config),
    maxLagDays: config.alerts.freshnessMaxLagDays,
    lookbackDays: config.schedule.lookbackDays,
  };
  const today = todayIn(policy.timeZone, options.now);
  const connectionRows = await listConnectionRows(db, options.connectionId === undefined ? undefined : [options.connectionId]);
  const allAccounts = await listAccountRows(db, options.connectionId);
  const ledger = await listTargetStatus(db, options.connectionId);
  const inFlight = await countUnfinishedRuns(db, options.connectionId);

  const byConnection = new Map(connectionRows.map((c) => [c.connectionId, c]));
  const accountsByKey = new Map(allAccounts.map((a) => [keyOf(a.connectionId, a.accountId), a]));
  const filter = accountFilter(config);
  const planned = (a: (typeof allAccounts)[number]) =>
    a.removedAt === null && accountFilterReason({ accountId: String(a.accountId), accountName: a.accountName, lifecycleStatus: a.lifecycleStatus }, filter) === undefined;
  const enabled = enabledReports(config);
  const enabledPairs = new Set(enabled.map((r) => keyOf(r.report, r.aggregation)));

  const judge = (connectionId: string, accountId: string, t: TargetStatus | undefined) => {
    const connection = byConnection.get(connectionId);
    return judgeTarget(
      {
        lastLoadedDay: t?.lastOk?.to ?? null,
        failing: t?.failing ?? false,
        connectionNeedsReauth: connection?.health === 'needs_reauth',
        connectionPaused: connection?.pausedAt != null,
        accountNoAccess: accountsByKey.get(keyOf(connectionId, accountId))?.access === 'no_access',
        firstProvisionalDay: t?.provisional?.firstDay ?? null,
      },
      policy,
    );
  };

  const targets: StatusTarget[] = [];
  const seen = new Set<string>();
  let unscheduledTargets = 0;
  for (const t of ledger) {
    const account = accountsByKey.get(keyOf(t.connectionId, t.accountId));
    if (!enabledPairs.has(keyOf(t.report, t.aggregation)) || (account !== undefined && !planned(account))) {
      unscheduledTargets++;
      continue;
    }
    seen.add(keyOf(t.connectionId, t.accountId, t.report, t.aggregation));
    const verdict = judge(t.connectionId, t.accountId, t);
    targets.push({
      connectionId: t.connectionId,
      accountId: t.accountId,
      accountName: account?.accountName ?? null,
      report: t.report,
      aggregation: t.aggregation,
      ...verdict,
      lastOk: t.lastOk,
      lastFailure: t.lastFailure,
      inFlight: t.inFlight,
      api: t.api,
      provisional: t.provisional,
    });
  }
  // Targets the nightly load covers that have no run at all yet: never loaded.
  for (const a of allAccounts.filter(planned)) {
    const accountId = String(a.accountId);
    for (const r of enabled) {
      if (seen.has(keyOf(a.connectionId, accountId, r.report, r.aggregation))) continue;
      const verdict = judge(a.connectionId, accountId, undefined);
      targets.push({ connectionId: a.connectionId, accountId, accountName: a.accountName, report: r.report, aggregation: r.aggregation, ...verdict, lastOk: null, lastFailure: null, inFlight: 0, api: null, provisional: null });
    }
  }
  targets.sort(
    (x, y) => x.connectionId.localeCompare(y.connectionId) || Number(x.accountId) - Number(y.accountId) || x.report.localeCompare(y.report) || x.aggregation.localeCompare(y.aggregation),
  );

  const connections: StatusConnection[] = connectionRows.map((c) => {
    const accounts = allAccounts.filter((a) => a.connectionId === c.connectionId && a.removedAt === null).length;
    const state = judgeConnection({ needsReauth: c.health === 'needs_reauth', paused: c.pausedAt !== null, accounts, discoveryFailed: c.lastDiscoveryError !== null });
    return { ...c, state, accounts };
  });

  return {
    today,
    policy: { freshnessMaxLagDays: policy.maxLagDays, lookbackDays: policy.lookbackDays, provisionalExpiresBefore: addDays(today, -policy.lookbackDays) },
    connections,
    targets,
    unscheduledTargets,
    inFlight,
    exitCode: statusExitCode(targets, connections),
  };
}
