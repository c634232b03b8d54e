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

/** Jobs per round trip of enqueueReports: big enough to amortise, small enough to keep Redis responsive. */
const BULK_CHUNK = 1_000;

/**
 * enqueueReport for many jobs at once, with the same rules and the same deterministic ids: every job's
 * state read concurrently (one stream of replies per chunk), the finished ones removed (concurrently),
 * then one addBulk per chunk. A night of 50,000 jobs costs ~150 round trips instead of ~150,000.
 * Jobs reach the queue in the order given (a chunk at a time). An id that appears between the read and
 * the add is left as it is: addBulk keeps an existing job id and adds nothing for it.
 */
export async function enqueueReports(
  queue: Queue,
  jobs: readonly { target: ReportTarget; priority?: number }[],
  options: { attempts: number },
): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = [];
  for (let start = 0; start < jobs.length; start += BULK_CHUNK) {
    const chunk = jobs.slice(start, start + BULK_CHUNK).map((j) => ({ ...j, jobId: reportJobId(j.target) }));
    // Sent at once: the replies come back in one stream rather than one round trip each.
    const states = await Promise.all(chunk.map((j) => queue.getJobState(j.jobId)));
    const outcomes = states.map((state): EnqueueResult['outcome'] =>
      state === 'unknown' ? 'added' : state === 'completed' || state === 'failed' ? 're-added' : 'already-queued',
    );
    await Promise.all(chunk.map((j, i) => (outcomes[i] === 're-added' ? queue.remove(j.jobId) : undefined)));
    const toAdd = chunk.filter((_, i) => outcomes[i] !== 'already-queued');
    if (toAdd.length > 0) {
      await queue.addBulk(
        toAdd.map((j) => {
          const { connectionId, customerId, accountId, report, aggregation, from, to } = j.target;
          return {
            name: REPORT_JOB_NAME,
            data: { connectionId, customerId, accountId, report, aggregation, from, to },
            opts: { ...reportJobOptions(options.attempts), jobId: j.jobId, ...(j.priority ? { priority: j.priority } : {}) },
          };
        }),
      );
    }
    chunk.forEach((j, i) => results.push({ jobId: j.jobId, outcome: outcomes[i] as EnqueueResult['outcome'] }));
  }
  return results;
}
