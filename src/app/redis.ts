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

/** A connection URL (Redis, Postgres) fit for a log line or an error message: the password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    // Not a URL we can take apart: say nothing of it rather than risk printing a password.
    return '(unparseable URL)';
  }
}

export const redactRedisUrl = redactUrl;

/** The first line of what went wrong with a connection (pg's refused connection is an AggregateError without a message). */
export function connectionErrorText(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.message) return err.message.split('\n')[0];
  const inner = (err as { errors?: unknown[] }).errors?.find((e): e is Error => e instanceof Error && e.message !== '');
  return inner?.message.split('\n')[0] ?? (err as { code?: string }).code;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** Whether an error is a failed TCP connection (optionally: to this port), directly or inside an AggregateError. */
export function isConnectionError(err: unknown, port?: number): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as { code?: string; port?: number; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.some((inner) => isConnectionError(inner, port))) return true;
  if (e.code === undefined || !CONNECTION_CODES.has(e.code)) return false;
  return port === undefined || e.port === undefined || e.port === port;
}

/** Whether an error means Redis could not be reached (a refused connection, or ioredis giving up on it). */
export function isRedisUnreachable(err: unknown, url: string): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.') return true;
  let port = 6379;
  try {
    port = Number(new URL(url).port || 6379);
  } catch {
    // The default port, then.
  }
  return isConnectionError(err, port);
}

/** The one line a command prints when Redis cannot be reached: where it looked and how to start Redis. */
export function redisUnreachableMessage(url: string, cause?: unknown): string {
  const text = connectionErrorText(cause);
  const reason = text ? ` (${text})` : '';
  return (
    `Redis is unreachable at REDIS_URL=${redactUrl(url)}${reason}. ` +
    'Start it (`redis-server`, or `docker compose up -d redis`) or point REDIS_URL at a running Redis.'
  );
}

/** Whether Redis at `url` answers now; rejects with the one-line message when it does not (commands that cannot wait). */
export async function assertRedisReachable(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5_000, enableOfflineQueue: false });
  let lastError: unknown;
  probe.on('error', (err: unknown) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(redisUnreachableMessage(url, lastError ?? err), { cause: err });
  } finally {
    probe.disconnect();
  }
}

/** One outage state per logger and URL: a process watching several connections logs one outage, not one per connection. */
const outages = new WeakMap<Logger, Map<string, { lost: boolean }>>();

/**
 * Logs a long-running process's Redis connection going away and coming back, once each, instead of one
 * line per reconnect attempt. Several connections of one process (same logger) share the lines.
 */
export function logRedisAvailability(redis: Redis, url: string, logger: Logger): void {
  let byUrl = outages.get(logger);
  if (!byUrl) outages.set(logger, (byUrl = new Map()));
  let state = byUrl.get(url);
  if (!state) byUrl.set(url, (state = { lost: false }));
  const shared = state;
  let lastError: unknown;
  redis.on('error', (err: unknown) => {
    lastError = err;
  });
  redis.on('reconnecting', () => {
    if (shared.lost) return;
    shared.lost = true;
    logger.warn({ redisUrl: redactUrl(url) }, `${redisUnreachableMessage(url, lastError)} Retrying until it is back.`);
  });
  redis.on('ready', () => {
    if (!shared.lost) return;
    shared.lost = false;
    logger.info({ redisUrl: redactUrl(url) }, 'Redis is reachable again');
  });
}
