import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { redisUnreachableMessage } from '../app/redis.js';
import { createReportQueue } from '../jobs/reportQueue.js';

/**
 * The report queue as BullMQ sees it, for `status` and `backfill`: jobs by state and the workers
 * consuming it. Read through a connection that tries once and gives up within a few seconds, so a
 * command reading the ledger still answers (saying the queue is unknown) while Redis is down.
 */

export interface QueueState {
  /** prefix:name, as the keys are in Redis. */
  queue: string;
  /** Waiting to start, prioritized ones included. */
  waiting: number;
  active: number;
  /** Retry backoffs and polls of reports pending at Microsoft wait here. */
  delayed: number;
  failed: number;
  /** Worker connections consuming the queue (CLIENT LIST); null when Redis does not allow listing clients. */
  workers: number | null;
}

export type QueueReading = { ok: true; state: QueueState } | { ok: false; error: string };

export async function readQueueState(config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'queues'>, timeoutMs = 3_000): Promise<QueueReading> {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError: unknown;
  redis.on('error', (err: unknown) => (lastError = err));
  try {
    // Connected before BullMQ sees it: handed a connection that is down, BullMQ waits and retries.
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    return { ok: false, error: redisUnreachableMessage(config.redisUrl, lastError ?? err) };
  }
  const queue = createReportQueue(redis, config.queuePrefix, config.queues.reports);
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed');
    const workers = await queue.getWorkersCount().catch(() => null);
    return {
      ok: true,
      state: {
        queue: `${config.queuePrefix}:${config.queues.reports}`,
        waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0) + (counts['waiting-children'] ?? 0),
        active: counts['active'] ?? 0,
        delayed: counts['delayed'] ?? 0,
        failed: counts['failed'] ?? 0,
        workers,
      },
    };
  } catch (err) {
    return { ok: false, error: redisUnreachableMessage(config.redisUrl, lastError ?? err) };
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

/** "reports queue msads:reports: 3 waiting, 1 running, 2 delayed, 0 failed; 1 worker consuming it". */
export function describeQueue(reading: QueueReading): string {
  if (!reading.ok) return `queue: unknown (${reading.error})`;
  const s = reading.state;
  const workers = s.workers === null ? 'workers unknown (Redis does not list clients)' : s.workers === 0 ? 'NO WORKER consuming it (start `msads-etl worker`)' : `${s.workers} worker connection(s) consuming it`;
  return `queue ${s.queue}: ${s.waiting} waiting, ${s.active} running, ${s.delayed} delayed (backoff or polling), ${s.failed} failed; ${workers}`;
}
