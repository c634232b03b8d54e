import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type Telemetry } from 'bullmq';
import { coerceError } from '../errors.js';
import type { ReportRunDeps } from './context.js';
import { advanceRun, type RunSummary } from './reportRun.js';
import { decideOnFailure, runAttributes } from './runFailure.js';
import { parseReportJobData, type ReportJobData } from './reportJobData.js';
import { REPORT_QUEUE } from './reportQueue.js';

export interface ReportWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Must be the same on every worker: a dead worker's setting governs how soon its jobs are recovered. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Base of the exponential backoff between failed attempts (jobs carry type 'msads'). */
  backoffMs: number;
  /** Queue name under the prefix (default REPORT_QUEUE). */
  queueName?: string;
  autorun?: boolean;
  /** OpenTelemetry through bullmq-otel (job spans and BullMQ metrics), when configured. */
  telemetry?: Telemetry | undefined;
}

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
      api: deps.reporting.api,
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
      deps.observer.runEnded(runAttributes(data, deps.reporting.api), outcome.summary.status);
      return outcome.summary;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const decision = await decideOnFailure(runDeps, data, err, {
        number: job.attemptsMade + 1,
        max: job.opts.attempts ?? 1,
      }).catch((e: unknown) => {
        // The ledger or limiter is unreachable (Postgres or Redis down): let the queue retry the attempt.
        log.error({ err: coerceError(e) }, 'could not record the failure');
        throw err;
      });
      const { classified } = decision;
      if (decision.action === 'wait') {
        log.warn({ code: classified.code, waitMs: decision.waitMs, throttles: data.throttles + 1 }, 'throttled by Microsoft; waiting');
        await persist({ throttles: data.throttles + 1 });
        return await park(deps.now() + decision.waitMs);
      }
      const final = decision.action === 'fail';
      if (!final) {
        log.warn({ err: decision.error, errorClass: classified.class, final }, 'report run attempt failed');
        throw decision.error;
      }
      // A run that fails for good ends with the same outcome line as a successful one, with its figures.
      log.error(
        {
          runId: data.runId,
          status: 'failed',
          errorClass: classified.class,
          errorCode: classified.code,
          errorName: classified.name,
          trackingId: classified.trackingId,
          reportRequestId: data.reportRequestId,
          attempts: job.attemptsMade + 1,
          submits: data.submits,
          polls: data.polls,
          throttles: data.throttles,
          durationMs: data.startedAt ? deps.now() - data.startedAt : undefined,
          err: decision.error,
        },
        'report run finished',
      );
      throw new UnrecoverableError(decision.error.message);
    }
  };

  return new Worker(options.queueName ?? REPORT_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    autorun: options.autorun ?? true,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    settings: {
      // Exponential with jitter, read from this worker's settings so operators tune it without re-enqueuing.
      backoffStrategy: (attemptsMade: number) =>
        Math.round(options.backoffMs * 2 ** Math.max(0, attemptsMade - 1) * (0.5 + Math.random() * 0.5)),
    },
  });
}
