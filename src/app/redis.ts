import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * The role of a Redis connection, which decides what it does while Redis is away:
 * - worker: BullMQ's blocking connections. maxRetriesPerRequest must be null (BullMQ refuses anything
 *   else), so commands wait for the reconnect; reconnects for ever.
 * - service: the non-blocking connections of long-running processes (scheduler, dashboard, the worker's
 *   limiter and ops). Reconnects for ever with a capped backoff and never ends, so a Redis restart of any
 *   length is survived; a command issued while Redis is away fails after a couple of reconnect attempts
 *   instead of hanging its caller (a tick, a health check), and the next one works once Redis is back.
 * - producer: short CLI commands. Gives up after a few retries so the command fails fast instead of
 *   hanging while Redis is down.
 */
export type RedisRole = 'worker' | 'service' | 'producer';

/** The longest wait between two reconnect attempts of a worker or service connection. */
const MAX_BACKOFF_MS = 2_000;

function foreverBackoff(times: number): number {
  // Jitter keeps the connections of many processes from reconnecting in lockstep after an outage.
  return Math.min(times * 200, MAX_BACKOFF_MS) + Math.floor(Math.random() * 100);
}

export function createRedis(url: string, role: RedisRole = 'worker'): Redis {
  const redis = new Redis(url, {
    enableReadyCheck: true,
    ...(role === 'worker' ? { maxRetriesPerRequest: null, retryStrategy: foreverBackoff } : {}),
    ...(role === 'service' ? { maxRetriesPerRequest: 2, retryStrategy: foreverBackoff } : {}),
    ...(role === 'producer' ? { maxRetriesPerRequest: 3, retryStrategy: (times: number) => (times > 5 ? null : Math.min(times * 200, 2_000)) } : {}),
  });
  // Connection errors are retried by ioredis (or end a producer connection, whose commands then reject);
  // an 'error' listener keeps them from crashing the process and from printing one stack trace per attempt.
  redis.on('error', () => undefined);
  return redis;
}

/** A Redis URL fit for a log line or an error message: the password replaced by ***. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    // Not a URL we can take apart: say nothing of it rather than risk printing a password.
    return '(unparseable URL)';
  }
}

/** The one line a command prints when Redis cannot be reached: where it looked and how to start Redis. */
export function redisUnreachableMessage(url: string, cause?: unknown): string {
  const reason = cause instanceof Error && cause.message ? ` (${cause.message.split('\n')[0]})` : '';
  return (
    `Redis is unreachable at REDIS_URL=${redactRedisUrl(url)}${reason}. ` +
    'Start it (`redis-server`, or `docker compose up -d redis`) or point REDIS_URL at a running Redis.'
  );
}

/**
 * Logs a long-running process's Redis connection going away and coming back, once each, instead of one
 * line per reconnect attempt. Watch one connection per process (they all see the same outage).
 */
export function logRedisAvailability(redis: Redis, url: string, logger: Logger): void {
  let lost = false;
  let lastError: unknown;
  redis.on('error', (err: unknown) => {
    lastError = err;
  });
  redis.on('reconnecting', () => {
    if (lost) return;
    lost = true;
    logger.warn({ redisUrl: redactRedisUrl(url) }, `${redisUnreachableMessage(url, lastError)} Retrying until it is back.`);
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info({ redisUrl: redactRedisUrl(url) }, 'Redis is reachable again');
  });
}
