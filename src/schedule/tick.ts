import type { Queue } from 'bullmq';
import type { Db } from '../db/client.js';
import { listPausedConnections } from '../db/connectionPause.js';
import { recordConnectionsSeen } from '../db/connections.js';
import { listProvisionalWindows } from '../db/provisional.js';
import type { DiscoveryDeps } from '../discovery/discoverAccounts.js';
import { filterAccounts, type AccountFilter } from '../discovery/filters.js';
import { refreshConnections, type RefreshOutcome } from '../discovery/refresh.js';
import { enqueueReports, PRIORITY } from '../jobs/reportQueue.js';
import type { Logger } from '../logger.js';
import type { ConnectionLister } from '../nango/connectionList.js';
import { planNightly, type PlannedReport } from './planner.js';
import { enqueueEntityJobs, type EntityJobData } from '../entities/entityQueue.js';
import type { SelectableEntity } from '../entities/catalog.js';

/**
 * One nightly tick: list the connections in Nango (allow-list applied), leave out the ones an operator
 * paused (connections.paused_at; no discovery, no jobs, named in the summary and the log), discover each connection's
 * accounts (each connection on its own: one failure never blocks another), filter them, plan with the
 * pure planner and enqueue at nightly priority. Job ids are deterministic, so a tick while the last
 * tick's jobs are still waiting or running enqueues nothing new.
 *
 * Jobs re-pulling a provisional window (its last day may still change) are enqueued first and at a
 * priority ahead of the other nightly jobs, so a busy night settles them before anything else.
 */

/**
 * BullMQ runs lower numbers first. Kept between "no priority" (0, which BullMQ runs before every
 * prioritized job) and nightly, so it never overtakes jobs added without a priority.
 */
export const PROVISIONAL_PRIORITY = Math.max(1, PRIORITY.nightly - 5);

export interface TickDeps {
  db: Db;
  lister: ConnectionLister;
  discovery: DiscoveryDeps;
  reportQueue: Queue;
  /** Entity jobs (one per connection × account per night) go here; none when ENTITIES is empty. */
  entityQueue?: Queue | undefined;
  entities?: readonly SelectableEntity[];
  allowList: readonly string[] | undefined;
  filter: AccountFilter;
  reports: readonly PlannedReport[];
  lookbackDays: number;
  /** IANA zone of the report time zone (today is computed there). */
  timeZone: string;
  attempts: number;
  logger: Logger;
  now: () => Date;
}

export interface TickSummary {
  today: string;
  connections: { listed: number; loaded: string[]; needsReauth: string[]; discoveryFailed: string[]; paused: string[] };
  accounts: { discovered: number; filteredOut: number; planned: number };
  jobs: { planned: number; added: number; reAdded: number; alreadyQueued: number };
  /** Entity jobs planned (one per account of a healthy connection) and how many were new. */
  entityJobs: { planned: number; added: number; alreadyQueued: number };
  /** Provisional windows read from the ledger, and the planned jobs re-pulling them (enqueued first). */
  provisional: { windows: number; jobs: number };
  warnings: string[];
}

export async function runTick(deps: TickDeps, signal?: AbortSignal): Promise<TickSummary> {
  const log = deps.logger;
  const listed = await deps.lister.listConnections();
  const allow = deps.allowList ? new Set(deps.allowList) : undefined;
  const connectionIds = listed.map((c) => c.connectionId).filter((id) => !allow || allow.has(id));
  if (allow) {
    const missing = [...allow].filter((id) => !listed.some((c) => c.connectionId === id));
    if (missing.length > 0) log.warn({ missing }, 'CONNECTION_IDS names connections Nango does not list');
  }
  await recordConnectionsSeen(deps.db, connectionIds);

  // A paused connection costs no API call at all: not even discovery, which could mark it needs_reauth.
  const paused = await listPausedConnections(deps.db, connectionIds);
  if (paused.length > 0) {
    log.info({ paused: paused.map((p) => ({ connectionId: p.connectionId, since: p.pausedAt, reason: p.reason })) }, `skipping ${paused.length} paused connection(s)`);
  }
  const pausedIds = new Set(paused.map((p) => p.connectionId));
  const active = connectionIds.filter((id) => !pausedIds.has(id));
  const outcomes = await refreshConnections({ db: deps.db, discovery: deps.discovery }, active, signal);
  return enqueuePlanned(deps, outcomes, listed.length, [...pausedIds]);
}

async function enqueuePlanned(deps: TickDeps, outcomes: RefreshOutcome[], listed: number, paused: string[]): Promise<TickSummary> {
  const discovered = outcomes.flatMap((o) => o.accounts);
  const { kept, dropped } = filterAccounts(discovered, deps.filter);
  const provisional = await listProvisionalWindows(deps.db);
  const plan = planNightly({
    now: deps.now(),
    timeZone: deps.timeZone,
    lookbackDays: deps.lookbackDays,
    connections: outcomes.map((o) => ({ connectionId: o.connectionId, health: o.status === 'needs_reauth' ? 'needs_reauth' : 'ok' })),
    accounts: kept.map((a) => ({ connectionId: a.connectionId, accountId: a.accountId, customerId: a.parentCustomerId })),
    reports: deps.reports,
    provisional,
  });
  for (const w of plan.warnings) deps.logger.warn({ warning: w.kind }, w.message);

  const counts = { planned: plan.jobs.length, added: 0, reAdded: 0, alreadyQueued: 0 };
  // In plan order, in bulk: the provisional jobs reach the queue before the others.
  const results = await enqueueReports(
    deps.reportQueue,
    plan.jobs.map((target, i) => ({ target, priority: i < plan.provisionalJobs ? PROVISIONAL_PRIORITY : PRIORITY.nightly })),
    { attempts: deps.attempts },
  );
  for (const { outcome } of results) {
    if (outcome === 'added') counts.added++;
    else if (outcome === 're-added') counts.reAdded++;
    else counts.alreadyQueued++;
  }
  // One entity job per planned account, beside its report jobs (the same accounts, the same health rules).
  const entityTargets = new Map<string, EntityJobData>();
  const entities = deps.entities ?? [];
  if (deps.entityQueue && entities.length > 0) {
    for (const j of plan.jobs) {
      const key = `${j.connectionId}|${j.accountId}`;
      if (!entityTargets.has(key)) entityTargets.set(key, { connectionId: j.connectionId, customerId: j.customerId, accountId: j.accountId, entities: [...entities] });
    }
  }
  const entityCounts =
    deps.entityQueue && entityTargets.size > 0
      ? await enqueueEntityJobs(deps.entityQueue, [...entityTargets.values()], plan.today, deps.attempts)
      : { added: 0, alreadyQueued: 0 };
  const summary: TickSummary = {
    today: plan.today,
    connections: {
      listed,
      loaded: outcomes.filter((o) => o.status !== 'needs_reauth').map((o) => o.connectionId),
      needsReauth: outcomes.filter((o) => o.status === 'needs_reauth').map((o) => o.connectionId),
      discoveryFailed: outcomes.filter((o) => o.status === 'discovery_failed').map((o) => o.connectionId),
      paused,
    },
    accounts: { discovered: discovered.length, filteredOut: dropped.length, planned: new Set(plan.jobs.map((j) => `${j.connectionId}|${j.accountId}`)).size },
    jobs: counts,
    entityJobs: { planned: entityTargets.size, ...entityCounts },
    provisional: { windows: provisional.length, jobs: plan.provisionalJobs },
    warnings: plan.warnings.map((w) => w.message),
  };
  deps.logger.info(summary, 'nightly tick done');
  return summary;
}
