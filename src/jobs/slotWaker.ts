import { Job, type Queue } from 'bullmq';
import type { HandoverWaker } from '../throttle/limiter.js';

/**
 * Wakes report jobs the limiter handed a concurrency slot to: each is parked in the delayed set (its
 * delay only a safety net) and is promoted to run now. A job that is not delayed is running or due
 * already (it checks for the slot itself right after parking, reportWorker.ts). A job that no longer
 * exists, or has finished, is reported back so the limiter gives the slot to the next in line.
 */
export function createSlotWaker(queue: Queue): HandoverWaker {
  return async (jobIds) => {
    const gone: string[] = [];
    await Promise.all(
      jobIds.map(async (id) => {
        const job = await Job.fromId(queue, id);
        if (!job || job.finishedOn !== undefined) {
          gone.push(id);
          return;
        }
        await job.promote().catch(() => undefined);
      }),
    );
    return gone;
  };
}
