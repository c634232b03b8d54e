import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type Telemetry } from 'bullmq';
import { coerceError } from '../errors.js';
import type { ReportRunDeps } from './context.js';
import { randomUUID } from 'node:crypto';
import { assertNever } from './classifyError.js';
import { advanceRun, LedgerWriteError, type RunOutcome, type RunSummary } from './reportRun.js';
import { failureOf, progressView, runAttributes } from './runFailure.js';
import { parseReportJobData, type ReportJobData } from './reportJobData.js';
import { backoffDelayMs, QUEUE_MAX_STALLED_COUNT } from './runPolicy.js';
import { REPORT_QUEUE } from './reportQueue.js';
import { limiterKey } from '../throttle/limiter.js';
import { createJobJournal, type JobJournal } from '../observability/jobJournal.js';

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
 * The report job processor: parses the job, advances its run, and maps the outcome onto BullMQ. Every
 * wait — a pending report, a throttle, our limiter, the backoff before the next attempt — parks the job
 * in the delayed set (no worker slot held). A final failure fails the job with the ledger already
 * written; the job keeps the failure's class so the reconciler can write it if Postgres was away.
 * Every processing writes the job's progress and log lines (jobJournal.ts) for Bull Board.
 */
export function createReportWorker(deps: ReportRunDeps, options: ReportWorkerOptions): Worker {
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<RunSummary> => {
    let data: ReportJobData;
    try {
      data = parseReportJobData(job.data);
    } catch (err) {
      const reason = `invalid report job data: ${coerceError(err).message}`;
      await job.log(reason).catch(() => undefined);
      throw new UnrecoverableError(reason);
    }
    const journal = createJobJournal(job, deps.observer, {
      start: { step: data.step, polls: data.polls },
      secrets: [deps.developerToken.reveal()],
      onError: (err) => deps.logger.warn({ jobId: job.id, err: coerceError(err) }, 'could not write the job log or progress (Redis)'),
    });
    if (data.runId === undefined) {
      journal.log(`started: ${data.report} ${data.aggregation} ${data.from}..${data.to}, account ${data.accountId}, connection ${data.connectionId}, api ${deps.reporting.api}`);
    }
    try {
      return await processRun(job, data, journal, token, signal);
    } finally {
      await journal.flush();
    }
  };

  const processRun = async (job: Job, data: ReportJobData, journal: JobJournal, token?: string, signal?: AbortSignal): Promise<RunSummary> => {
    const log = deps.logger.child({
      jobId: job.id,
      connectionId: data.connectionId,
      accountId: data.accountId,
      report: data.report,
      window: `${data.from}..${data.to}`,
      api: deps.reporting.api,
    });
    const runDeps = { ...deps, logger: log, observer: journal.observer };
    const persist = async (patch: Partial<ReportJobData>) => {
      data = { ...data, ...patch };
      await job.updateData(data);
    };

    let outcome: RunOutcome;
    try {
      outcome = await advanceRun(runDeps, {
        target: data,
        runId: data.runId,
        jobId: job.id ?? null,
        // The lock token of this fetch fences the run's ledger writes; a worker that lost its lock stops.
        lease: token ?? `job:${job.id ?? '?'}:${randomUUID()}`,
        stalls: job.stalledCounter ?? 0,
        onRun: (runId) => persist({ runId, startedAt: data.startedAt ?? deps.now() }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (err instanceof LedgerWriteError) {
        // Postgres is away: keep the failure in the job (the reconciler writes it when Postgres is back).
        await persist({ failure: failureOf(err.failure) }).catch(() => undefined);
        journal.log(`could not record the run's outcome in the ledger (${err.failure.class}: ${err.failure.message}); ${err.final ? 'the reconciler writes it when Postgres is back' : 'retried by the queue'}`);
        log.error({ err, errorClass: err.failure.class, final: err.final }, 'could not record the run outcome in the ledger');
        if (err.final) throw new UnrecoverableError(err.failure.message);
      } else {
        journal.log(`attempt failed outside the run policy (retried by the queue): ${coerceError(err).message}`);
        log.error({ err: coerceError(err) }, 'report run attempt failed outside the run policy (retried by the queue)');
      }
      throw err;
    }

    journal.outcome(outcome, deps.now());
    switch (outcome.kind) {
      case 'wait': {
        const view = progressView(outcome.progress, outcome.runId);
        await persist(view).catch(() => undefined);
        await job.moveToDelayed(outcome.untilMs, token);
        if (outcome.reason === 'slot') {
          // A slot may have been handed to this run between the limiter's answer and the park, when the
          // job could not be woken yet: it wakes itself.
          const key = limiterKey(deps.developerToken, data.customerId);
          if (await deps.limiter.holdsReportSlot(key, outcome.runId).catch(() => false)) await job.promote().catch(() => undefined);
        }
        throw new DelayedError();
      }
      case 'lost':
        // Not a run failure: the run belongs to another worker (or is final). BullMQ refuses this stale
        // attempt's completion ("Missing lock"), which is what we want.
        throw new Error(`run ${outcome.runId} lost to another worker; this attempt stopped without writing`);
      case 'done': {
        const durationMs = data.startedAt ? deps.now() - data.startedAt : undefined;
        log.info({ ...outcome.summary, durationMs }, 'report run finished');
        deps.observer.runEnded(runAttributes(data, deps.reporting.api), outcome.summary.status);
        return outcome.summary;
      }
      case 'failed': {
        const { failure, progress } = outcome;
        await persist({ ...progressView(progress, outcome.runId), failure: failureOf(failure) }).catch(() => undefined);
        // A run that fails for good ends with the same outcome line as a successful one, with its figures.
        log.error(
          {
            runId: outcome.runId,
            status: 'failed',
            errorClass: failure.class,
            scope: failure.scope,
            errorCode: failure.code,
            errorName: failure.name,
            trackingId: failure.trackingId,
            reportRequestId: progress.reportRequestId,
            attempts: progress.attempt,
            submits: progress.submits,
            polls: progress.polls,
            throttles: progress.throttles,
            durationMs: data.startedAt ? deps.now() - data.startedAt : undefined,
            err: outcome.error,
          },
          'report run finished',
        );
        deps.observer.runEnded(runAttributes({ ...data, runId: outcome.runId }, deps.reporting.api), 'failed', failure.class);
        throw new UnrecoverableError(outcome.error.message);
      }
      default:
        return assertNever(outcome);
    }
  };

  return new Worker(options.queueName ?? REPORT_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    autorun: options.autorun ?? true,
    // BullMQ would fail a job that stalled more than maxStalledCount times without running it, behind the
    // ledger's back; the run policy's maxStalls (checked in the processor, written to the ledger) decides.
    maxStalledCount: QUEUE_MAX_STALLED_COUNT,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    settings: {
      // Only for attempts that fail outside the run policy (the ledger unreachable): the policy's own
      // retries park the job themselves. Same curve, read from this worker's settings.
      backoffStrategy: (attemptsMade: number) => backoffDelayMs({ backoffMs: options.backoffMs }, attemptsMade),
    },
  });
}
