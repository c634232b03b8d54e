import type { Queue } from 'bullmq';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { failIdleRun, listIdleOpenRuns, withReconcileLock, type OpenRun } from '../db/reconcileRuns.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decideReconcile, type JobView, type ReconcileAction } from '../jobs/reconcile.js';
import { PRIORITY, REPORT_JOB_NAME, reportJobOptions } from '../jobs/reportQueue.js';

/**
 * The reconciler: Postgres is the truth, Redis is the engine. A pass compares every non-final run of the
 * ledger (idle past the grace period) with the queue, and repairs what the queue lost or ended behind the
 * worker's back (src/jobs/reconcile.ts decides, this file reads and applies). The scheduler process runs
 * a pass at start, every RECONCILE_INTERVAL_MS and after every Redis reconnect; `msads-etl reconcile` runs one.
 */

/** A run updated more recently than this is never touched: its worker (or its createRun) may be mid-write. */
export const RECONCILE_GRACE_MS = 2 * 60_000;
/** A foreground run idle for the poll deadline plus this is abandoned (its loads and backoffs fit well inside). */
export const ABANDON_MARGIN_MS = 60 * 60_000;
const PAGE = 500;

export const reconcileCountKeys = [
  'checked',
  /** Left: the job is still in the queue with this run. */
  'alive',
  /** Left: a foreground run not idle long enough to be abandoned. */
  'foreground',
  /** Left: the job completed but the row is not final (reported, see src/jobs/reconcile.ts). */
  'completedNotFinal',
  /** Left: updated within the grace period, or the job vanished mid-read; the next pass looks again. */
  'deferred',
  'reenqueued',
  /** Ended failed: the queue failed the job (stalled too often, or the failure could not be written). */
  'failed',
  /** Ended failed (abandoned): the job id now carries another run. */
  'superseded',
  /** Ended failed (abandoned): a foreground run whose process is gone. */
  'abandoned',
  /** Ended failed: the job is gone and the row does not make a valid job. */
  'invalid',
  /** A write found the run final or freshly updated (a worker got there first): nothing changed. */
  'raced',
  /** A run whose repair threw (Redis or Postgres away mid-pass); the next pass tries again. */
  'errors',
] as const;
export type ReconcileCounts = Record<(typeof reconcileCountKeys)[number], number> & {
  /** false when another process held the reconcile lock: this pass did nothing. */
  ran: boolean;
};

export interface ReconcileDeps {
  database: Pick<Database, 'db' | 'pool'>;
  reportQueue: Queue;
  logger: Logger;
  /** Attempts of a re-enqueued job (JOB_ATTEMPTS). */
  attempts: number;
  graceMs: number;
  abandonAfterMs: number;
  now: () => number;
  metrics?: ReconcileMetrics | undefined;
}

export type ReconcileMetrics = (counts: ReconcileCounts) => void;

/** The reconciler's settings from the configuration. */
export function reconcileSettings(config: Config): { intervalMs: number; graceMs: number; abandonAfterMs: number } {
  return { intervalMs: config.reconcile.intervalMs, graceMs: RECONCILE_GRACE_MS, abandonAfterMs: config.poll.deadlineMs + ABANDON_MARGIN_MS };
}

/** msads_reconciled_runs_total{action}: what the reconciler did, per process (the scheduler's /metrics). */
export function createReconcileMetrics(registry: Registry): ReconcileMetrics {
  const counter = new Counter({
    name: 'msads_reconciled_runs_total',
    help: 'Non-final runs the reconciler looked at, by what it did (reenqueued, failed, superseded, abandoned, alive, …).',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  return (counts) => {
    for (const key of reconcileCountKeys) if (counts[key] > 0) counter.inc({ action: key }, counts[key]);
  };
}

/** One reconciliation pass; safe to run from several processes at once (one of them does the work). */
export async function reconcileRuns(deps: ReconcileDeps): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = { ran: false, ...(Object.fromEntries(reconcileCountKeys.map((k) => [k, 0])) as Record<(typeof reconcileCountKeys)[number], number>) };
  const started = deps.now();
  const outcome = await withReconcileLock(deps.database.pool, async () => {
    let afterId = 0;
    for (;;) {
      const page = await listIdleOpenRuns(deps.database.db, { idleMs: deps.graceMs, afterId, limit: PAGE });
      for (const run of page) {
        counts.checked++;
        try {
          await reconcileOne(deps, run, counts);
        } catch (err) {
          counts.errors++;
          deps.logger.warn({ runId: run.id, jobId: run.jobId, err: coerceError(err) }, 'could not reconcile run');
        }
      }
      if (page.length < PAGE) break;
      afterId = page[page.length - 1]!.id;
    }
  });
  counts.ran = outcome.locked;
  const { ran, ...figures } = counts;
  if (ran) {
    deps.metrics?.(counts);
    deps.logger.info({ ...figures, durationMs: deps.now() - started }, 'reconciled runs with the queue');
  } else {
    deps.logger.info('another process is reconciling; pass skipped');
  }
  return counts;
}

async function reconcileOne(deps: ReconcileDeps, run: OpenRun, counts: ReconcileCounts): Promise<void> {
  const job = run.jobId === null ? undefined : await viewJob(deps.reportQueue, run.jobId);
  const action = decideReconcile(run, job, { now: deps.now(), graceMs: deps.graceMs, abandonAfterMs: deps.abandonAfterMs });
  const log = deps.logger.child({ runId: run.id, jobId: run.jobId, status: run.status });
  await apply(deps, run, action, counts, log);
}

async function apply(deps: ReconcileDeps, run: OpenRun, action: ReconcileAction, counts: ReconcileCounts, log: Logger): Promise<void> {
  switch (action.kind) {
    case 'leave':
      if (action.why === 'alive') counts.alive++;
      else if (action.why === 'foreground') counts.foreground++;
      else if (action.why === 'completed') {
        counts.completedNotFinal++;
        log.warn('job completed but its run is not final in the ledger; left as is (the ledger and the rows commit together, so look at this run)');
      } else counts.deferred++;
      return;
    case 'reenqueue': {
      // Idempotent: the deterministic id makes a second add (another scheduler, a tick) a no-op.
      await deps.reportQueue.add(REPORT_JOB_NAME, action.data, { ...reportJobOptions(deps.attempts), jobId: action.jobId, priority: PRIORITY.nightly });
      counts.reenqueued++;
      log.info({ step: action.data.step, reportRequestId: action.data.reportRequestId }, 'run had no job in the queue; re-enqueued to continue it');
      return;
    }
    case 'fail': {
      const ended = await failIdleRun(deps.database.db, run.id, action.failure, { idleMs: deps.graceMs });
      if (!ended) {
        counts.raced++;
        return;
      }
      counts[action.why === 'job-failed' ? 'failed' : action.why]++;
      log.warn({ errorClass: action.failure.errorClass, reason: action.why, message: action.failure.message }, 'run ended failed by the reconciler');
      return;
    }
  }
}

async function viewJob(queue: Queue, jobId: string): Promise<JobView> {
  const job = await queue.getJob(jobId);
  if (!job) return { state: 'missing' };
  const state = await job.getState();
  const data = (job.data ?? {}) as { runId?: unknown; failure?: unknown };
  const runId = typeof data.runId === 'number' ? data.runId : undefined;
  switch (state) {
    case 'unknown':
      return { state: 'unknown' };
    case 'completed':
      return { state: 'completed', runId };
    case 'failed':
      return { state: 'failed', runId, failedReason: job.failedReason ?? '', failure: data.failure };
    default:
      return { state: 'alive', runId };
  }
}

export interface ReconcileLoop<T> {
  /** A pass now (after the one running, if any); resolves with its result, undefined once stopped or if it threw. */
  runNow(): Promise<T | undefined>;
  /** No more passes; waits for the running one. */
  stop(): Promise<void>;
}

/**
 * Runs pass at once and then intervalMs after each pass ends: passes never overlap, a slow or failing
 * pass (Postgres away) only delays the next one.
 */
export function startReconcileLoop<T>(intervalMs: number, pass: () => Promise<T>, logger: Logger): ReconcileLoop<T> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let tail: Promise<unknown> = Promise.resolve();
  let queued: Promise<T | undefined> | undefined;

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void runNow(), intervalMs);
  };
  const runNow = (): Promise<T | undefined> => {
    if (stopped) return Promise.resolve(undefined);
    // A pass already waiting to start covers this request too.
    if (queued) return queued;
    clearTimeout(timer);
    const next = tail.then(async () => {
      queued = undefined;
      if (stopped) return undefined;
      try {
        return await pass();
      } catch (err) {
        logger.error({ err: coerceError(err) }, 'reconcile pass failed');
        return undefined;
      } finally {
        schedule();
      }
    });
    queued = next;
    tail = next;
    return next;
  };

  void runNow();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await tail;
    },
  };
}
