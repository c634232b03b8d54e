import { pino, type Logger, type LoggerOptions } from 'pino';

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
  /** Where log lines go; default stdout (pretty when stdout is a terminal). */
  destination?: pino.DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { pid: process.pid },
    serializers: { err: pino.stdSerializers.err },
  };
  if (settings.destination) return pino(options, settings.destination);
  if (process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
