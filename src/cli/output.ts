import { pino } from 'pino';
import { createLogger, type Logger } from '../logger.js';

/** CLI commands print their results on stdout; their logs go to stderr so the two never mix. */
export function cliLogger(level: string): Logger {
  return createLogger({ level, destination: pino.destination({ fd: 2, sync: true }) });
}
