import type { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import { connectionFreshness, type FreshnessOptions } from './freshness.js';

/**
 * Gauges computed at scrape time from what every process shares, Redis and Postgres, so one process
 * (the dashboard) can serve them for the whole deployment: jobs by state per queue, the run ledger's
 * runs by report, status and error class, and each connection's freshness, provisional windows and
 * health. Scrape them from one place only (they describe the deployment, not the process).
 */

const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;
/** The ledger gauges count runs touched within this window, so a scrape stays cheap on a years-old ledger. */
export const LEDGER_WINDOW_HOURS = 24;

export interface ClusterMetricsDeps {
  queues: readonly Queue[];
  db: Db;
  freshness: Omit<FreshnessOptions, 'now'>;
  now: () => Date;
}

export function registerClusterMetrics(registry: Registry, deps: ClusterMetricsDeps): void {
  const registers = [registry];
  new Gauge({
    name: 'msads_queue_jobs',
    help: 'Jobs per queue and state (BullMQ getJobCounts; completed and failed are those still kept).',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      for (const queue of deps.queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'msads_ledger_runs',
    help: `Runs in the run ledger (report_runs) updated in the last ${LEDGER_WINDOW_HOURS} h, by report, status and error class.`,
    labelNames: ['report', 'aggregation', 'status', 'error_class'] as const,
    registers,
    async collect() {
      const result = await deps.db.execute<{ report: string; aggregation: string; status: string; error_class: string | null; runs: string }>(sql`
        SELECT report, aggregation, status, error_class, count(*) AS runs
          FROM report_runs WHERE updated_at > now() - make_interval(hours => ${LEDGER_WINDOW_HOURS})
         GROUP BY 1, 2, 3, 4`);
      this.reset();
      for (const r of result.rows) {
        this.set({ report: r.report, aggregation: r.aggregation, status: r.status, error_class: r.error_class ?? 'none' }, Number(r.runs));
      }
    },
  });

  // The four connection gauges share one query per scrape.
  let pending: Promise<Awaited<ReturnType<typeof connectionFreshness>>> | undefined;
  const freshness = () => {
    pending ??= connectionFreshness(deps.db, { ...deps.freshness, now: deps.now() }).finally(() => {
      setTimeout(() => (pending = undefined), 0);
    });
    return pending;
  };
  new Gauge({
    name: 'msads_connection_oldest_loaded_day_timestamp_seconds',
    help: 'Per connection: the stalest report target’s last loaded day (midnight UTC of that date, as Unix time).',
    labelNames: ['connection_id'] as const,
    registers,
    async collect() {
      this.reset();
      for (const c of await freshness()) {
        if (c.oldestLoadedDay !== null) this.set({ connection_id: c.connectionId }, Date.parse(`${c.oldestLoadedDay}T00:00:00Z`) / 1000);
      }
    },
  });
  new Gauge({
    name: 'msads_connection_freshness_lag_days',
    help: 'Per connection: days between yesterday (report time zone) and its stalest target’s last loaded day (0 = up to date).',
    labelNames: ['connection_id'] as const,
    registers,
    async collect() {
      this.reset();
      for (const c of await freshness()) if (c.lagDays !== null) this.set({ connection_id: c.connectionId }, c.lagDays);
    },
  });
  // Per connection, like the freshness gauges it qualifies: per account × report labels would grow
  // with every account a connection reaches; the per-target detail is in `status` and bi_freshness.
  new Gauge({
    name: 'msads_connection_provisional_windows',
    help: 'Per connection: loaded windows whose last day Microsoft may still change (report file said Potential Incomplete Data, no later load settled it); 0 = all settled.',
    labelNames: ['connection_id'] as const,
    registers,
    async collect() {
      this.reset();
      for (const c of await freshness()) this.set({ connection_id: c.connectionId }, c.provisionalWindows);
    },
  });
  new Gauge({
    name: 'msads_connection_needs_reauth',
    help: 'Per connection: 1 when its credentials are dead and a person must re-authorize it in Nango.',
    labelNames: ['connection_id'] as const,
    registers,
    async collect() {
      this.reset();
      for (const c of await freshness()) this.set({ connection_id: c.connectionId }, c.health === 'needs_reauth' ? 1 : 0);
    },
  });
}
