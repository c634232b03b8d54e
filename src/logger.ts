import { pino, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line, wherever they sit in the logged object. Secrets are also
 * wrapped in Secret (which prints as "[redacted]"), so this list is the second line of defence.
 */
export const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'AuthenticationToken',
  'DeveloperToken',
  'developerToken',
  'secretKey',
  'apiKey',
  'password',
  'Password',
  'downloadUrl',
  'ReportDownloadUrl',
];

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerSettings {
  level: LoggerOptions['level'];
  /** An explicit stream (tests, a file): JSON lines, whatever it is connected to. */
  destination?: pino.DestinationStream;
  /** The descriptor logs go to when no destination is given: 1 (stdout, the default) or 2 (stderr, CLI commands). */
  fd?: 1 | 2;
  /** Where NO_COLOR, FORCE_COLOR and TERM are read; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether text for a terminal gets ANSI colours. FORCE_COLOR, when set, decides (0 or false: no; anything
 * else, the empty string too: yes), as in Node's own tty.getColorDepth; otherwise a non-empty NO_COLOR
 * (https://no-color.org) or TERM=dumb turns colour off, and colour is on only on a terminal.
 */
export function colourEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

/** Whether a descriptor is a terminal (stdout/stderr of this process). */
export function isTerminal(fd: 1 | 2): boolean {
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

/**
 * JSON lines for machines (a pipe, a file, a container log driver); pino-pretty's readable lines when
 * the descriptor is a terminal. Pretty printing runs in this thread and synchronously, so the last
 * lines before an exit are not lost, as they can be with a transport's worker thread.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { pid: process.pid },
    serializers: { err: pino.stdSerializers.err },
  };
  if (settings.destination) return pino(options, settings.destination);
  const fd = settings.fd ?? 1;
  if (isTerminal(fd)) {
    const colorize = colourEnabled(true, settings.env ?? process.env);
    return pino(options, pinoPretty({ destination: fd, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  // stderr synchronously, as CLI commands always wrote it: their lines interleave with their output.
  return fd === 2 ? pino(options, pino.destination({ fd: 2, sync: true })) : pino(options);
}
