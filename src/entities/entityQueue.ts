import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import { z } from 'zod';
import { coerceError } from '../errors.js';
import { selectableEntities } from './catalog.js';
import { advanceEntityRun, type EntityRunDeps } from './entityRun.js';

/**
 * Entity jobs: one per connection × account per night, on their own queue (ENTITY_QUEUE under the
 * prefix) so report job data and entity job data never mix. Same rules as report jobs: ids only in the
 * data (never a token), every wait parks the job in the delayed set, the ledger (entity_runs) is the
 * truth and the job carries only the run id.
 */

export const ENTITY_QUEUE = 'entities';
export const ENTITY_JOB_NAME = 'entities';

const idText = z.string().regex(/^\d{1,19}$/);
export const entityJobDataSchema = z.object({
  connectionId: z.string().min(1),
  customerId: idText,
  accountId: idText,
  entities: z.array(z.enum(selectableEntities)).min(1),
  full: z.boolean().optional(),
  runId: z.number().int().positive().optional(),
});
export type EntityJobData = z.infer<typeof entityJobDataSchema>;

/** The job of a connection × account × night: a second tick the same night adds nothing. */
export function entityJobId(data: Pick<EntityJobData, 'connectionId' | 'accountId'>, day: string): string {
  return `entities|${data.connectionId}|${data.accountId}|${day}`;
}

export async function enqueueEntityJobs(queue: Queue, jobs: readonly EntityJobData[], day: string, attempts: number): Promise<{ added: number; alreadyQueued: number }> {
  let added = 0;
  let alreadyQueued = 0;
  for (let i = 0; i < jobs.length; i += 1_000) {
    const chunk = jobs.slice(i, i + 1_000);
    const ids = chunk.map((j) => entityJobId(j, day));
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    const fresh = chunk.filter((_, k) => states[k] === 'unknown');
    alreadyQueued += chunk.length - fresh.length;
    await queue.addBulk(
      fresh.map((data) => ({
        name: ENTITY_JOB_NAME,
        data,
        opts: { jobId: entityJobId(data, day), attempts, removeOnComplete: { age: 7 * 86_400, count: 20_000 }, removeOnFail: { age: 30 * 86_400, count: 20_000 } },
      })),
    );
    added += fresh.length;
  }
  return { added, alreadyQueued };
}

export function createEntityWorker(deps: EntityRunDeps, options: { connection: ConnectionOptions; prefix: string; queueName?: string; concurrency: number; lockDurationMs: number; stalledIntervalMs: number }): Worker {
  const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    const parsed = entityJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid entity job data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    let data = parsed.data;
    const outcome = await advanceEntityRun(deps, {
      target: data,
      runId: data.runId,
      jobId: job.id ?? null,
      lease: token ?? `job:${job.id ?? '?'}`,
      ...(signal ? { signal } : {}),
      onRun: async (runId) => {
        data = { ...data, runId };
        await job.updateData(data);
      },
    });
    switch (outcome.kind) {
      case 'wait':
        if (data.runId !== outcome.runId) await job.updateData({ ...data, runId: outcome.runId }).catch(() => undefined);
        await job.moveToDelayed(outcome.untilMs, token);
        throw new DelayedError();
      case 'done':
        return { runId: outcome.runId, mode: outcome.mode, bytes: outcome.bytes, tables: outcome.outcome?.tables ?? {} };
      case 'failed':
        throw new UnrecoverableError(coerceError(outcome.error).message);
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
      }
    }
  };
  return new Worker(options.queueName ?? ENTITY_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
  });
}
