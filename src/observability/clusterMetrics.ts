import type { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import type { AccountFilter } from '../discovery/filters.js';
import { connectionFreshness, type FreshnessOptions } from './freshness.js';
import { perScrape, type Scraped } from './perScrape.js';
import { targetFreshness } from './targetFreshness.js';

/**
 * Gauges computed at scrape time from what every process shares, Redis and Postgres, so one process
 * (the dashboard) can serve them for the whole deployment: jobs by state and workers per queue, the
 * run ledger's runs by report, status and error class, each connection's freshness, provisional
 * windows, health and pause, and each enabled target's freshness and failure. Scrape them from one
 * place only (they describe the deployment, not the process).
 *
 * A scrape never fails because a source is away: each source is read once per scrape (with a
 * timeout), the gauges it feeds stay empty when it failed, and `msads_scrape_error{source}` says so.
 * Process metrics and the other source's gauges are still served, and no error text reaches the body.
 */

const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;
/** The ledger gauges count runs touched within this window, so a scrape stays cheap on a years-old ledger. */
export const LEDGER_WINDOW_HOURS = 24;
/** Under Prometheus's default scrape timeout (10 s), so an answer with scrape errors arrives in time. */
export const SCRAPE_SOURCE_TIMEOUT_MS = 5_000;

export interface ClusterMetricsDeps {
  queues: readonly Queue[];
  db: Db;
  freshness: Omit<FreshnessOptions, 'now'>;
  /** Accounts the scheduler never plans (ACCOUNT_* filters) get no target series. */
  accountFilter?: AccountFilter | undefined;
  now: () => Date;
  /** A source failed during a scrape (the body only says which one). */
  onSourceError?: (source: 'postgres' | 'redis', err: unknown) => void;
}

type TargetLabels = 'connection_id' | 'account_id' | 'report' | 'aggregation';
const TARGET_LABELS = ['connection_id', 'account_id', 'report', 'aggregation'] as const;

export function registerClusterMetrics(registry: Registry, deps: ClusterMetricsDeps): void {
  const registers = [registry];
  const report = (source: 'postgres' | 'redis') => (err: unknown) => deps.onSourceError?.(source, err);
  const redis = perScrape(SCRAPE_SOURCE_TIMEOUT_MS, readRedis, report('redis'));
  const postgres = perScrape(SCRAPE_SOURCE_TIMEOUT_MS, readPostgres, report('postgres'));

  async function readRedis() {
    return Promise.all(
      deps.queues.map(async (queue) => ({
        queue: queue.name,
        counts: await queue.getJobCounts(...JOB_STATES),
        // CLIENT LIST may be refused (some managed Redis): no worker series then, the counts still count.
        workers: await queue.getWorkersCount().catch(() => undefined),
      })),
    );
  }
  async function readPostgres() {
    const now = deps.now();
    const [ledger, connections, targets, entityRuns, entityAccounts] = await Promise.all([
      deps.db.execute<{ report: string; aggregation: string; status: string; error_class: string | null; runs: string }>(sql`
        SELECT report, aggregation, status, error_class, count(*) AS runs
          FROM report_runs WHERE updated_at > now() - make_interval(hours => ${LEDGER_WINDOW_HOURS})
         GROUP BY 1, 2, 3, 4`),
      connectionFreshness(deps.db, { ...deps.freshness, now }),
      targetFreshness(deps.db, { ...deps.freshness, accountFilter: deps.accountFilter, now }),
      deps.db.execute<{ mode: string; status: string; error_class: string | null; runs: string }>(sql`
        SELECT mode, status, error_class, count(*) AS runs
          FROM entity_runs WHERE updated_at > now() - make_interval(hours => ${LEDGER_WINDOW_HOURS})
         GROUP BY 1, 2, 3`),
      // Per account: its latest finished entity run and the Sync Time the next delta starts from.
      deps.db.execute<{ connection_id: string; account_id: string; status: string; sync_age_s: number | null }>(sql`
        SELECT DISTINCT ON (r.account_id) r.connection_id, r.account_id::text, r.status,
               extract(epoch FROM ${now.toISOString()}::timestamptz - s.last_sync_time) AS sync_age_s
          FROM entity_runs r LEFT JOIN entity_sync_state s ON s.account_id = r.account_id
         WHERE r.status IN ('succeeded', 'failed')
         ORDER BY r.account_id, r.finished_at DESC NULLS LAST, r.id DESC`),
    ]);
    return { ledger: ledger.rows, connections, targets, entityRuns: entityRuns.rows, entityAccounts: entityAccounts.rows };
  }

  /** A gauge filled from one source's snapshot; left empty when that source failed this scrape. */
  function gauge<L extends string, T>(
    name: string,
    help: string,
    labelNames: readonly L[],
    source: () => Promise<Scraped<T>>,
    fill: (set: (labels: Record<L, string>, value: number) => void, value: T) => void,
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const scraped = await source();
        this.reset();
        if (scraped.ok) fill((labels, value) => this.set(labels as never, value), scraped.value);
      },
    });
  }

  gauge('msads_queue_jobs', 'Jobs per queue and state (BullMQ getJobCounts; completed and failed are those still kept).', ['queue', 'state'], redis, (set, queues) => {
    for (const q of queues) for (const state of JOB_STATES) set({ queue: q.queue, state }, q.counts[state] ?? 0);
  });
  gauge('msads_queue_workers', 'Workers connected to each queue now (BullMQ getWorkersCount; 0 = nothing consumes it).', ['queue'], redis, (set, queues) => {
    for (const q of queues) if (q.workers !== undefined) set({ queue: q.queue }, q.workers);
  });
  gauge(
    'msads_ledger_runs',
    `Runs in the run ledger (report_runs) updated in the last ${LEDGER_WINDOW_HOURS} h, by report, status and error class.`,
    ['report', 'aggregation', 'status', 'error_class'],
    postgres,
    (set, pg) => {
      for (const r of pg.ledger) set({ report: r.report, aggregation: r.aggregation, status: r.status, error_class: r.error_class ?? 'none' }, Number(r.runs));
    },
  );

  gauge(
    'msads_entity_runs',
    `Entity runs (entity_runs: Bulk downloads) updated in the last ${LEDGER_WINDOW_HOURS} h, by mode (full, delta), status and error class.`,
    ['mode', 'status', 'error_class'],
    postgres,
    (set, pg) => {
      for (const r of pg.entityRuns) set({ mode: r.mode, status: r.status, error_class: r.error_class ?? 'none' }, Number(r.runs));
    },
  );
  gauge('msads_entity_failing', 'Per account: 1 when its latest finished entity run failed (a later good run clears it).', ['connection_id', 'account_id'], postgres, (set, pg) => {
    for (const a of pg.entityAccounts) set({ connection_id: a.connection_id, account_id: a.account_id }, a.status === 'failed' ? 1 : 0);
  });
  gauge(
    'msads_entity_sync_age_seconds',
    'Per account: seconds since the Sync Time of the last Bulk file loaded (entities are that old at most); a full download is made past 29 days.',
    ['connection_id', 'account_id'],
    postgres,
    (set, pg) => {
      for (const a of pg.entityAccounts) if (a.sync_age_s !== null) set({ connection_id: a.connection_id, account_id: a.account_id }, Number(a.sync_age_s));
    },
  );

  // Per connection: the stalest target, provisional windows, health and pause.
  const perConnection = (name: string, help: string, value: (c: Awaited<ReturnType<typeof connectionFreshness>>[number]) => number | undefined) =>
    gauge(name, help, ['connection_id'], postgres, (set, pg) => {
      for (const c of pg.connections) {
        const v = value(c);
        if (v !== undefined) set({ connection_id: c.connectionId }, v);
      }
    });
  perConnection(
    'msads_connection_oldest_loaded_day_timestamp_seconds',
    'Per connection: the stalest report target’s last loaded day (midnight UTC of that date, as Unix time).',
    (c) => (c.oldestLoadedDay === null ? undefined : Date.parse(`${c.oldestLoadedDay}T00:00:00Z`) / 1000),
  );
  perConnection(
    'msads_connection_freshness_lag_days',
    'Per connection: days between yesterday (report time zone) and its stalest loaded target’s last loaded day (0 = up to date). Never-loaded targets: msads_target_freshness_lag_days.',
    (c) => c.lagDays ?? undefined,
  );
  // Per connection, like the freshness gauges it qualifies: the per-target detail is in `status` and bi_freshness.
  perConnection(
    'msads_connection_provisional_windows',
    'Per connection: loaded windows whose last day Microsoft may still change (report file said Potential Incomplete Data, no later load settled it); 0 = all settled.',
    (c) => c.provisionalWindows,
  );
  perConnection('msads_connection_needs_reauth', 'Per connection: 1 when its credentials are dead and a person must re-authorize it in Nango.', (c) =>
    c.health === 'needs_reauth' ? 1 : 0,
  );
  perConnection('msads_connection_paused', 'Per connection: 1 while an operator has paused it (the scheduler plans nothing for it).', (c) => (c.paused ? 1 : 0));

  // Per enabled target (account × enabled report × aggregation), from its account's discovery on.
  const perTarget = (name: string, help: string, value: (t: Awaited<ReturnType<typeof targetFreshness>>[number]) => number) =>
    gauge<TargetLabels, Awaited<ReturnType<typeof readPostgres>>>(name, help, TARGET_LABELS, postgres, (set, pg) => {
      for (const t of pg.targets) set({ connection_id: t.connectionId, account_id: t.accountId, report: t.report, aggregation: t.aggregation }, value(t));
    });
  perTarget(
    'msads_target_freshness_lag_days',
    'Per enabled target: days between yesterday (report time zone) and its last loaded day; +Inf when it never loaded.',
    (t) => t.lagDays,
  );
  perTarget('msads_target_never_loaded', 'Per enabled target: 1 when no run of it ever loaded (its account was discovered, no window landed yet).', (t) =>
    t.lastLoadedDay === null ? 1 : 0,
  );
  perTarget('msads_target_failing', 'Per enabled target: 1 when its latest final run failed (a later good run clears it).', (t) => (t.failing ? 1 : 0));

  new Gauge({
    name: 'msads_scrape_error',
    help: 'Per source (postgres, redis): 1 when it could not be read for this scrape, so the gauges it feeds are missing from this answer.',
    labelNames: ['source'] as const,
    registers,
    async collect() {
      const [r, p] = await Promise.all([redis(), postgres()]);
      this.set({ source: 'redis' }, r.ok ? 0 : 1);
      this.set({ source: 'postgres' }, p.ok ? 0 : 1);
    },
  });
}
