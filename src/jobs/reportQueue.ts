import { Queue, type ConnectionOptions, type JobsOptions, type Telemetry } from 'bullmq';
import { reportJobId, type ReportTarget } from './reportJobData.js';

/** Queue name of report jobs (under the configured Redis key prefix). */
export const REPORT_QUEUE = 'reports';

/** Job names: one kind of job today, named so the dashboard and logs say what a job is. */
export const REPORT_JOB_NAME = 'report';

/** Priorities (BullMQ: lower runs first). Nightly work goes before hand-enqueued backfills. */
export const PRIORITY = { nightly: 10, manual: 20, backfill: 50 } as const;

export function reportJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    // Transient failures back off exponentially with jitter (the worker's backoffStrategy, JOB_BACKOFF_MS);
    // throttles and pending reports do not come through here: they park the job without an attempt.
    backoff: { type: 'msads' },
    // A finished job keeps its id taken for a while (BullMQ refuses a re-add of the same id); enqueue
    // removes a finished job first, so this only bounds Redis memory.
    removeOnComplete: { age: 7 * 86_400, count: 20_000 },
    removeOnFail: { age: 30 * 86_400, count: 20_000 },
  };
}

export function createReportQueue(connection: ConnectionOptions, prefix: string, name: string = REPORT_QUEUE, telemetry?: Telemetry): Queue {
  const queue = new Queue(name, { connection, prefix, ...(telemetry ? { telemetry } : {}) });
  // Without a listener BullMQ prints every connection error with its stack; callers report Redis
  // outages themselves in one line (src/app/redis.ts), and a failed command still rejects.
  queue.on('error', () => undefined);
  return queue;
}

export type EnqueueResult = { jobId: string; outcome: 'added' | 'already-queued' | 're-added' };

/**
 * Adds the job for a window unless the same window is already waiting or running. A finished job of
 * the same window is removed first: asking again means "load it again".
 */
export async function enqueueReport(
  queue: Queue,
  target: ReportTarget,
  options: { attempts: number; priority?: number },
): Promise<EnqueueResult> {
  const jobId = reportJobId(target);
  const existing = await queue.getJob(jobId);
  let outcome: EnqueueResult['outcome'] = 'added';
  if (existing) {
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed') return { jobId, outcome: 'already-queued' };
    await existing.remove();
    outcome = 're-added';
  }
  const { connectionId, customerId, accountId, report, aggregation, from, to } = target;
  await queue.add(
    REPORT_JOB_NAME,
    { connectionId, customerId, accountId, report, aggregation, from, to },
    { ...reportJobOptions(options.attempts), jobId, ...(options.priority ? { priority: options.priority } : {}) },
  );
  return { jobId, outcome };
}
