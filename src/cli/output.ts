import { postgresUnreachableMessage } from '../app/processOps.js';
import { connectionErrorText, isConnectionError, isRedisUnreachable, redisUnreachableMessage } from '../app/redis.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';

/** A command was asked for something that does not exist or makes no sense (an unknown id, a bad date): exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** CLI commands print their results on stdout; their logs go to stderr so the two never mix (pretty on a terminal). */
export function cliLogger(level: string): Logger {
  return createLogger({ level, fd: 2 });
}

/**
 * What a failed command prints after its name: one line where one problem says it all (an invalid
 * variable, an unreachable Redis or Postgres named by its variable), never a stack trace.
 */
export function failureLine(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  if (err instanceof ConfigError) {
    const [head, ...problems] = err.message.split('\n');
    // One problem: on the same line as its heading. Several keep a line each, each naming its variable.
    return problems.length === 1 ? `${head} ${problems[0]!.trim()}` : err.message;
  }
  const urls = configuredUrls();
  if (urls && isRedisUnreachable(err, urls.redisUrl) && !isConnectionError(err, portOf(urls.databaseUrl, 5432))) {
    return redisUnreachableMessage(urls.redisUrl, err);
  }
  if (urls && isConnectionError(err, portOf(urls.databaseUrl, 5432))) return postgresUnreachableMessage(urls.databaseUrl, err);
  // pg's refused connection is an AggregateError with an empty message: take its first inner one.
  const message = err instanceof Error ? err.message || (connectionErrorText(err) ?? err.name) : String(err);
  return `failed: ${message}`;
}

function configuredUrls(): { redisUrl: string; databaseUrl: string } | undefined {
  try {
    const config = loadConfig();
    return { redisUrl: config.redisUrl, databaseUrl: config.databaseUrl };
  } catch {
    return undefined;
  }
}

function portOf(url: string, fallback: number): number {
  try {
    return Number(new URL(url).port || fallback);
  } catch {
    return fallback;
  }
}
