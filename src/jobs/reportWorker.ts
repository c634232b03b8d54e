import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { markFailure } from '../db/reportRuns.js';
import { coerceError } from '../errors.js';
import { classifyError, isRetryable } from './classifyError.js';
import type { ReportRunDeps } from './context.js';
import { advanceRun, type RunSummary } from './reportRun.js';
import { parseReportJobData, type ReportJobData } from './reportJobData.js';
import { REPORT_QUEUE } from './reportQueue.js';

export interface ReportWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Must be the same on every worker: a dead worker's setting governs how soon its jobs are recovered. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  autorun?: boolean;
}

/** Throttle waits beyond this many for one run spend attempts, so a permanently throttled run still ends. */
const MAX_FREE_THROTTLES = 30;

/**
 * The report job processor: parses the job, advances its run, and maps the outcome onto BullMQ. A
 * pending report parks the job in the delayed set (no worker slot held, no attempt spent); so does a
 * throttle. Other failures are recorded in the ledger and either retried with backoff or failed for good.
 */
export function createReportWorker(deps: ReportRunDeps, options: ReportWorkerOptions): Worker {
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<RunSummary> => {
    let data: ReportJobData;
    try {
      data = parseReportJobData(job.data);
    } catch (err) {
      throw new UnrecoverableError(`invalid report job data: ${coerceError(err).message}`);
    }
    const log = deps.logger.child({
      jobId: job.id,
      attempt: job.attemptsMade + 1,
      connectionId: data.connectionId,
      accountId: data.accountId,
      report: data.report,
      window: `${data.from}..${data.to}`,
    });
    const runDeps = { ...deps, logger: log };
    const persist = async (patch: Partial<ReportJobData>) => {
      data = { ...data, ...patch };
      await job.updateData(data);
    };
    const park = async (untilMs: number): Promise<never> => {
      await job.moveToDelayed(untilMs, token);
      throw new DelayedError();
    };

    try {
      const outcome = await advanceRun(runDeps, {
        data,
        jobId: job.id ?? null,
        attempt: job.attemptsMade + 1,
        persist,
        ...(signal ? { signal } : {}),
      });
      if (outcome.kind === 'wait') return await park(outcome.untilMs);
      const durationMs = data.startedAt ? deps.now() - data.startedAt : undefined;
      log.info({ ...outcome.summary, durationMs }, 'report run finished');
      return outcome.summary;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const classified = classifyError(err);
      const error = coerceError(err);
      if (classified.class === 'throttled' && data.throttles < MAX_FREE_THROTTLES) {
        const waitMs = Math.round((classified.waitMs ?? 60_000) * (1 + Math.random() * 0.2));
        log.warn({ code: classified.code, waitMs, throttles: data.throttles + 1 }, 'throttled by Microsoft; waiting');
        await persist({ throttles: data.throttles + 1 });
        return await park(deps.now() + waitMs);
      }
      const retryable = isRetryable(classified.class);
      const attempts = job.opts.attempts ?? 1;
      const final = !retryable || job.attemptsMade + 1 >= attempts;
      if (data.runId !== undefined) {
        await markFailure(deps.database.db, data.runId, {
          final,
          errorClass: classified.class,
          errorCode: classified.code,
          errorName: classified.name,
          message: error.message,
          trackingId: classified.trackingId,
          attempt: job.attemptsMade + 1,
        }).catch((e: unknown) => log.error({ err: coerceError(e) }, 'could not record the failure in the run ledger'));
      }
      log[final ? 'error' : 'warn']({ err: error, errorClass: classified.class, final }, 'report run attempt failed');
      if (!retryable) throw new UnrecoverableError(error.message);
      throw error;
    }
  };

  return new Worker(REPORT_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    autorun: options.autorun ?? true,
  });
}
