import { Redis } from 'ioredis';

/**
 * A Redis connection for BullMQ.
 * - worker: blocking commands need maxRetriesPerRequest: null (BullMQ refuses anything else); commands
 *   then wait for a reconnect instead of failing, which is what a worker wants through a Redis restart.
 * - producer (CLI, scheduler): fail fast instead of hanging when Redis is down.
 */
export function createRedis(url: string, role: 'worker' | 'producer' = 'worker'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableReadyCheck: true,
    ...(role === 'producer' ? { retryStrategy: (times: number) => (times > 5 ? null : Math.min(times * 200, 2_000)) } : {}),
  });
  // Connection errors are retried by ioredis; an 'error' listener keeps them from crashing the process.
  redis.on('error', () => undefined);
  return redis;
}
