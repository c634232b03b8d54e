import { z } from 'zod';
import { bundledReportingWsdl } from './paths.js';
import { Secret } from './secret.js';
import { reportTimeZones } from './reports/timeZones.js';

/**
 * The only reader of process.env. Every process calls loadConfig() once in its composition root and
 * passes typed slices down; a bad value fails at start with every problem listed at once.
 */

export const MICROSOFT_ENDPOINTS = {
  production: {
    reporting: 'https://reporting.api.bingads.microsoft.com/Api/Advertiser/Reporting/v13/ReportingService.svc',
    customer: 'https://clientcenter.api.bingads.microsoft.com/Api/CustomerManagement/v13/CustomerManagementService.svc',
  },
  sandbox: {
    reporting: 'https://reporting.api.sandbox.bingads.microsoft.com/Api/Advertiser/Reporting/v13/ReportingService.svc',
    customer:
      'https://clientcenter.api.sandbox.bingads.microsoft.com/Api/CustomerManagement/v13/CustomerManagementService.svc',
  },
} as const;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The environment variables, their defaults and what they mean (docs/CONFIGURATION.md is generated from this). */
export const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .default('postgres://postgres@127.0.0.1:5432/msads')
    .describe('PostgreSQL connection URL. `migrate` creates the database if it does not exist.'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379').describe('Redis connection URL for the queues.'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, _ . - { } only')
    .default('msads')
    .describe('Redis key prefix of every queue; a hash-tagged prefix such as {msads} works on Redis Cluster.'),
  NANGO_SECRET_KEY: optionalText.describe('Nango secret key (environment API key). Required by worker and run-once.'),
  NANGO_HOST: z.string().url().default('https://api.nango.dev').describe('Nango API base URL (self-hosted or cloud).'),
  NANGO_INTEGRATION_ID: z
    .string()
    .min(1)
    .default('microsoft-ads')
    .describe('Nango integration id (provider config key) of the Microsoft Advertising integration.'),
  MSADS_DEVELOPER_TOKEN: optionalText.describe('Microsoft Advertising developer token. Required by worker and run-once.'),
  MSADS_ENVIRONMENT: z
    .enum(['production', 'sandbox'])
    .default('production')
    .describe("Which Microsoft endpoints to call: `production` or `sandbox`."),
  MSADS_REPORTING_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe('Override of the ReportingService .svc URL (default: the one of MSADS_ENVIRONMENT).'),
  MSADS_REPORTING_WSDL: optionalText.describe(
    "Path or URL of the Reporting WSDL to load (default: the project's bundled WSDL).",
  ),
  REPORT_TIME_ZONE: z
    .enum(reportTimeZones)
    .default('GreenwichMeanTimeDublinEdinburghLisbonLondon')
    .describe('ReportTimeZone sent with every report request; it decides which hours make up a day.'),
  WORKER_CONCURRENCY: int(4, 1, 256).describe('Report jobs one worker process runs at once.'),
  LOCK_DURATION_MS: int(60_000, 5_000, 3_600_000).describe(
    'BullMQ job lock duration. Keep it the same on every worker: a dead worker’s setting governs recovery.',
  ),
  STALLED_INTERVAL_MS: int(30_000, 1_000, 3_600_000).describe(
    'BullMQ stalled-job check interval. Keep it the same on every worker.',
  ),
  JOB_ATTEMPTS: int(5, 1, 100).describe('Attempts of a report job before it fails for good (waits for a pending report cost none).'),
  JOB_BACKOFF_MS: int(30_000, 10, 3_600_000).describe(
    'Base of the exponential backoff (with jitter) between failed attempts: 30 s, 60 s, 120 s …',
  ),
  MSADS_CALLS_PER_MINUTE: int(100, 1, 100_000).describe(
    'Microsoft calls per minute allowed per developer token × customer, shared by every worker through Redis.',
  ),
  MSADS_MAX_CONCURRENT_REPORTS: int(10, 1, 1_000).describe(
    'Reports pending at Microsoft at once per developer token × customer (error 207 beyond Microsoft’s own limit).',
  ),
  THROTTLE_WAIT_MS: int(60_000, 10, 3_600_000).describe(
    'How long every worker on a developer token × customer waits after 117 CallRateExceeded (Microsoft: 60 s).',
  ),
  CONCURRENCY_WAIT_MS: int(30_000, 10, 3_600_000).describe(
    'How long new submits on a developer token × customer wait after 207 ConcurrentRequestOverLimit.',
  ),
  THROTTLE_PENALTY_MS: int(600_000, 1_000, 86_400_000).describe(
    'After a 117 CallRateExceeded the key’s rate is halved (down to 1/8 on repeats) for this long.',
  ),
  POLL_INITIAL_MS: int(2_000, 10, 600_000).describe('First wait between PollGenerateReport calls.'),
  POLL_MAX_MS: int(60_000, 10, 3_600_000).describe('Longest wait between PollGenerateReport calls.'),
  POLL_DEADLINE_MS: int(4 * 3_600_000, 1_000, 23 * 3_600_000).describe(
    'How long a report may stay Pending before the run fails (Microsoft keeps a request id about a day).',
  ),
  HTTP_TIMEOUT_MS: int(120_000, 1_000, 3_600_000).describe('Timeout of one SOAP call or report download.'),
  DOWNLOAD_MAX_BYTES: int(2 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER).describe('Largest zip download accepted.'),
  UNZIPPED_MAX_BYTES: int(20 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER).describe(
    'Largest uncompressed CSV accepted (guards against zip bombs).',
  ),
  TMP_DIR: optionalText.describe('Directory for downloaded zips (default: the OS temp directory).'),
  LOG_LEVEL: z.enum(logLevels).default('info').describe('pino log level.'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  nango: { secretKey: Secret | undefined; host: string; integrationId: string };
  msads: {
    developerToken: Secret | undefined;
    environment: 'production' | 'sandbox';
    reportingEndpoint: string;
    reportingWsdl: string;
    reportTimeZone: (typeof reportTimeZones)[number];
  };
  worker: {
    concurrency: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    attempts: number;
    backoffMs: number;
  };
  throttle: {
    callsPerMinute: number;
    maxConcurrentReports: number;
    penaltyMs: number;
    callRateWaitMs: number;
    concurrencyWaitMs: number;
  };
  poll: { initialMs: number; maxMs: number; deadlineMs: number };
  http: { timeoutMs: number };
  limits: { downloadMaxBytes: number; unzippedMaxBytes: number };
  tmpDir: string | undefined;
  logLevel: (typeof logLevels)[number];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  if (e.POLL_INITIAL_MS > e.POLL_MAX_MS) {
    throw new ConfigError('Invalid configuration:\n  POLL_INITIAL_MS: must not exceed POLL_MAX_MS');
  }
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    nango: {
      secretKey: e.NANGO_SECRET_KEY === undefined ? undefined : new Secret(e.NANGO_SECRET_KEY),
      host: e.NANGO_HOST,
      integrationId: e.NANGO_INTEGRATION_ID,
    },
    msads: {
      developerToken: e.MSADS_DEVELOPER_TOKEN === undefined ? undefined : new Secret(e.MSADS_DEVELOPER_TOKEN),
      environment: e.MSADS_ENVIRONMENT,
      reportingEndpoint: e.MSADS_REPORTING_ENDPOINT ?? MICROSOFT_ENDPOINTS[e.MSADS_ENVIRONMENT].reporting,
      reportingWsdl: e.MSADS_REPORTING_WSDL ?? bundledReportingWsdl,
      reportTimeZone: e.REPORT_TIME_ZONE,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      lockDurationMs: e.LOCK_DURATION_MS,
      stalledIntervalMs: e.STALLED_INTERVAL_MS,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
    },
    throttle: {
      callsPerMinute: e.MSADS_CALLS_PER_MINUTE,
      maxConcurrentReports: e.MSADS_MAX_CONCURRENT_REPORTS,
      penaltyMs: e.THROTTLE_PENALTY_MS,
      callRateWaitMs: e.THROTTLE_WAIT_MS,
      concurrencyWaitMs: e.CONCURRENCY_WAIT_MS,
    },
    poll: { initialMs: e.POLL_INITIAL_MS, maxMs: e.POLL_MAX_MS, deadlineMs: e.POLL_DEADLINE_MS },
    http: { timeoutMs: e.HTTP_TIMEOUT_MS },
    limits: { downloadMaxBytes: e.DOWNLOAD_MAX_BYTES, unzippedMaxBytes: e.UNZIPPED_MAX_BYTES },
    tmpDir: e.TMP_DIR,
    logLevel: e.LOG_LEVEL,
  };
}

/** Commands that talk to Nango and Microsoft call this: it names every missing secret at once. */
export function requireCredentials(config: Config): { nangoSecretKey: Secret; developerToken: Secret } {
  const missing: string[] = [];
  if (!config.nango.secretKey) missing.push('  NANGO_SECRET_KEY: required to fetch OAuth tokens from Nango');
  if (!config.msads.developerToken) missing.push('  MSADS_DEVELOPER_TOKEN: required by every Microsoft Advertising call');
  if (missing.length > 0 || !config.nango.secretKey || !config.msads.developerToken) {
    throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  }
  return { nangoSecretKey: config.nango.secretKey, developerToken: config.msads.developerToken };
}
