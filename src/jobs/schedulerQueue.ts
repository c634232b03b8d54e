import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/**
 * The scheduler queue: a BullMQ job scheduler puts one `nightly` tick job on it per cron occurrence;
 * whichever scheduler process takes the job plans and enqueues the night's report jobs.
 */

export const SCHEDULER_QUEUE = 'scheduler';
/** The job scheduler's id: one per queue, so upserting it from every boot and every machine is idempotent. */
export const NIGHTLY_SCHEDULER_ID = 'nightly';
export const TICK_JOB_NAME = 'tick';

export interface TickJobData {
  /** What started the tick: the cron schedule, or an operator (`scheduler --tick-now`). */
  trigger: 'schedule' | 'manual';
}

const tickJobOptions: Omit<JobsOptions, 'jobId' | 'repeat' | 'delay' | 'deduplication'> = {
  // A tick that fails (Nango unreachable) is retried; it enqueues nothing twice (deterministic job ids).
  attempts: 3,
  backoff: { type: 'exponential', delay: 60_000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};

export function createSchedulerQueue(connection: ConnectionOptions, prefix: string, name: string = SCHEDULER_QUEUE): Queue<TickJobData> {
  return new Queue<TickJobData>(name, { connection, prefix });
}

/**
 * Registers (or updates) the nightly job scheduler. BullMQ 6 ignores the `repeat` option of add();
 * upsertJobScheduler is the way (STACK-NOTES §1.5). Same id, same pattern: calling it again changes
 * nothing, so every scheduler process calls it at start.
 */
export async function registerNightlySchedule(queue: Queue<TickJobData>, schedule: { cron: string; timeZone: string }): Promise<void> {
  await queue.upsertJobScheduler(
    NIGHTLY_SCHEDULER_ID,
    { pattern: schedule.cron, tz: schedule.timeZone },
    { name: TICK_JOB_NAME, data: { trigger: 'schedule' }, opts: tickJobOptions },
  );
}

/** An extra tick now (an operator's `--tick-now`); ticks are idempotent, so one more is harmless. */
export async function enqueueTickNow(queue: Queue<TickJobData>, now: number): Promise<string> {
  const job = await queue.add(TICK_JOB_NAME, { trigger: 'manual' }, { ...tickJobOptions, jobId: `tick|manual|${Math.floor(now)}` });
  return job.id ?? '';
}
