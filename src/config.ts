import { selectableEntities, type SelectableEntity } from './entities/catalog.js';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { bundledCustomerManagementWsdl, bundledReportingWsdl } from './paths.js';
import { msadsApis, type MsAdsApi } from './ports/msadsApi.js';
import { Secret } from './secret.js';
import { setupHints } from './setupHints.js';
import { reportTimeZones } from './reports/timeZones.js';
import type { ReportDefinition } from './reports/catalog.js';
import { DEFAULT_REPORTS, loadReportConfig, type ReportSelection } from './reports/reportConfig.js';

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

/** REST base URLs (REST-FACTS §2.1): the clients append `/GenerateReport/Submit|Poll`, `/User/Query`, `/Accounts/Search`. */
export const MICROSOFT_REST_URLS = {
  production: {
    reporting: 'https://reporting.api.bingads.microsoft.com/Reporting/v13',
    customer: 'https://clientcenter.api.bingads.microsoft.com/CustomerManagement/v13',
    bulk: 'https://bulk.api.bingads.microsoft.com/Bulk/v13',
  },
  sandbox: {
    reporting: 'https://reporting.api.sandbox.bingads.microsoft.com/Reporting/v13',
    customer: 'https://clientcenter.api.sandbox.bingads.microsoft.com/CustomerManagement/v13',
    bulk: 'https://bulk.api.sandbox.bingads.microsoft.com/Bulk/v13',
  },
} as const;

/** The day Microsoft switches SOAP off (REST-FACTS §1). */
export const SOAP_SHUTDOWN_DAY = '2027-01-31';

/** Variables only the SOAP adapter reads; set under MSADS_API=rest they are a warning, not silently ignored. */
const SOAP_ONLY_VARIABLES = ['MSADS_REPORTING_ENDPOINT', 'MSADS_REPORTING_WSDL', 'MSADS_CUSTOMER_ENDPOINT', 'MSADS_CUSTOMER_WSDL'] as const;
const REST_ONLY_VARIABLES = ['MSADS_REPORTING_REST_URL', 'MSADS_CUSTOMER_REST_URL'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** host or host:port of a DASHBOARD_PUBLIC_HOSTS entry, lower-cased; undefined when it is not one. */
function publicHostOf(entry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    try {
      return new URL(entry).host.toLowerCase() || undefined;
    } catch {
      return undefined;
    }
  }
  // A bare name: letters, digits, dots and dashes, an IPv6 literal in brackets, then an optional port.
  return /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/i.test(entry) ? entry.toLowerCase() : undefined;
}

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** A TCP port, or not set. */
const optionalPort = optionalText.pipe(z.union([z.undefined(), z.string().regex(/^\d+$/, 'a port number').transform(Number).pipe(z.number().int().min(1).max(65_535))]));

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A comma-separated list (spaces allowed); empty = not set. */
const idList = (what: string) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const ids = v.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = ids.filter((id) => !/^\d{1,19}$/.test(id));
    if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `not numeric ${what} ids: ${bad.join(', ')}` });
    return ids;
  });

/** Customer Management's AccountLifeCycleStatus values; "Paused" is accepted for Microsoft's "Pause". */
const ACCOUNT_STATUSES = ['Draft', 'Active', 'Inactive', 'Pause', 'Pending', 'Suspended'] as const;

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

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
  NANGO_TOKEN_CACHE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300_000)
    .default(300_000)
    .describe('How long a worker reuses an access token read from Nango, per connection (ms; 0 = ask Nango before every Microsoft call). At most 5 minutes, as Nango advises; a 109 or HTTP 401 from Microsoft always forces a fresh token. A connection deleted or revoked in Nango is noticed within this time.'),
  MSADS_DEVELOPER_TOKEN: optionalText.describe('Microsoft Advertising developer token. Required by worker and run-once.'),
  MSADS_ENVIRONMENT: z
    .enum(['production', 'sandbox'])
    .default('production')
    .describe("Which Microsoft endpoints to call: `production` or `sandbox`."),
  MSADS_API: z
    .enum(msadsApis)
    .default('rest')
    .describe(
      `How Microsoft is called: \`rest\` (JSON, the default) or \`soap\`. Microsoft switches SOAP off on ${SOAP_SHUTDOWN_DAY}; stay on \`soap\` only with an extended SOAP plan from Microsoft.`,
    ),
  MSADS_REPORTING_REST_URL: z
    .string()
    .url()
    .optional()
    .describe('Reporting REST base URL; the client calls `<base>/GenerateReport/Submit` and `/GenerateReport/Poll` (default by MSADS_ENVIRONMENT: https://reporting.api.bingads.microsoft.com/Reporting/v13, sandbox https://reporting.api.sandbox.bingads.microsoft.com/Reporting/v13).'),
  MSADS_CUSTOMER_REST_URL: z
    .string()
    .url()
    .optional()
    .describe('Customer Management REST base URL; the client calls `<base>/User/Query` and `/Accounts/Search` (default by MSADS_ENVIRONMENT: https://clientcenter.api.bingads.microsoft.com/CustomerManagement/v13, sandbox https://clientcenter.api.sandbox.bingads.microsoft.com/CustomerManagement/v13).'),
  MSADS_BULK_REST_URL: z
    .string()
    .url()
    .optional()
    .describe('Bulk service REST base URL; the client calls `<base>/Campaigns/DownloadByAccountIds` and `/BulkDownloadStatus/Query` (default by MSADS_ENVIRONMENT: https://bulk.api.bingads.microsoft.com/Bulk/v13, sandbox https://bulk.api.sandbox.bingads.microsoft.com/Bulk/v13).'),
  ENTITIES: z
    .string()
    .default('campaigns,ad_groups,ads,keywords,asset_groups,labels,budgets')
    .transform((v, ctx) => {
      const names = v.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = names.filter((n) => !(selectableEntities as readonly string[]).includes(n));
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `unknown entities ${bad.join(', ')} (known: ${selectableEntities.join(', ')})` });
      return [...new Set(names)] as SelectableEntity[];
    })
    .describe('Entity tables loaded from the Bulk service, comma-separated; empty turns entity loads off. Label associations come with labels.'),
  BULK_POLL_INTERVAL_MS: int(15_000, 10, 3_600_000).describe('Wait between GetBulkDownloadStatus calls (Microsoft: 15–20 s for accounts well under a million keywords).'),
  BULK_THROTTLE_WAIT_MS: int(900_000, 10, 3_600_000).describe('Wait after the Bulk throttle 4204 BulkServiceNoMoreCallsPermittedForTheTimePeriod (Microsoft: up to 15 minutes).'),
  MSADS_REPORTING_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe('MSADS_API=soap only: override of the ReportingService .svc URL (default: the one of MSADS_ENVIRONMENT).'),
  MSADS_REPORTING_WSDL: optionalText.describe(
    "MSADS_API=soap only: path or URL of the Reporting WSDL to load (default: the project's bundled WSDL).",
  ),
  REPORT_TIME_ZONE: z
    .enum(reportTimeZones)
    .default('GreenwichMeanTimeDublinEdinburghLisbonLondon')
    .describe('ReportTimeZone sent with every report request; it decides which hours make up a day.'),
  WORKER_CONCURRENCY: int(32, 1, 256).describe(
    'Report jobs one worker process runs at once. Submits and polls are short calls; downloads + loads are limited separately by LOAD_CONCURRENCY, so polls never wait behind loads.',
  ),
  LOAD_CONCURRENCY: int(4, 1, 64).describe(
    'Downloads + loads one worker process runs at once (each holds a Postgres connection for its transaction).',
  ),
  LOCK_DURATION_MS: int(60_000, 1_000, 3_600_000).describe(
    'BullMQ job lock duration. Keep it the same on every worker: a dead worker’s setting governs recovery.',
  ),
  STALLED_INTERVAL_MS: int(30_000, 100, 3_600_000).describe(
    'BullMQ stalled-job check interval. Keep it the same on every worker.',
  ),
  JOB_ATTEMPTS: int(5, 1, 100).describe('Attempts of a report job before it fails for good (waits for a pending report cost none).'),
  JOB_BACKOFF_MS: int(30_000, 10, 3_600_000).describe(
    'Base of the exponential backoff (with jitter) between failed attempts: 30 s, 60 s, 120 s …',
  ),
  JOB_MAX_STALLS: int(50, 1, 100_000).describe(
    'Times a report job may be recovered after its worker died or was stopped mid-step before its run fails (class stalled). Deploys and crashes below it never fail a job.',
  ),
  MSADS_CALLS_PER_MINUTE: int(100, 1, 100_000).describe(
    'Microsoft calls per minute allowed per developer token × customer, shared by every worker through Redis.',
  ),
  MSADS_MAX_CONCURRENT_REPORTS: int(20, 1, 1_000).describe(
    'Reports pending at Microsoft at once per developer token × customer to start with. The level then adapts per customer: it grows while Microsoft accepts submits that fill it, backs off on 207 ConcurrentRequestOverLimit and on throttling, and is remembered in Redis for 7 days.',
  ),
  MSADS_MAX_CONCURRENT_REPORTS_CEILING: z.coerce.number().int().min(1).max(1_000).optional().describe(
    'The adaptive concurrency level of a customer never grows above this (default: 100, or MSADS_MAX_CONCURRENT_REPORTS when that is higher).',
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
  CONNECTION_IDS: optionalText
    .transform((v) => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean)))
    .describe('Allow-list of Nango connection ids to load (comma-separated); default: every connection of NANGO_INTEGRATION_ID.'),
  MSADS_CUSTOMER_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe('MSADS_API=soap only: override of the CustomerManagementService .svc URL (default: the one of MSADS_ENVIRONMENT).'),
  MSADS_CUSTOMER_WSDL: optionalText.describe(
    "MSADS_API=soap only: path or URL of the Customer Management WSDL to load (default: the project's bundled WSDL).",
  ),
  ACCOUNT_IDS_INCLUDE: idList('account').describe('Only these account ids are loaded (comma-separated); default: all discovered.'),
  ACCOUNT_IDS_EXCLUDE: idList('account').describe('Account ids never loaded (comma-separated).'),
  ACCOUNT_NAME_PATTERN: optionalText
    .refine((v) => {
      if (v === undefined) return true;
      try {
        new RegExp(v, 'i');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .describe('Only accounts whose name matches this regular expression (case-insensitive) are loaded.'),
  ACCOUNT_STATUSES: z
    .string()
    .default('Active,Paused')
    .transform((v, ctx) => {
      const values = v.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (x.toLowerCase() === 'paused' ? 'Pause' : x));
      const bad = values.filter((x) => !(ACCOUNT_STATUSES as readonly string[]).includes(x));
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `unknown account statuses ${bad.join(', ')} (known: ${ACCOUNT_STATUSES.join(', ')}, Paused)` });
      return [...new Set(values)];
    })
    .describe('Account lifecycle statuses that are loaded (comma-separated): paused accounts still have history.'),
  SCHEDULE_CRON: z
    .string()
    .trim()
    .regex(/^\S+( \S+){4,5}$/, 'a cron pattern of 5 fields (or 6 with seconds first)')
    .default('0 4 * * *')
    .describe('When the nightly load runs (cron, in SCHEDULE_TZ).'),
  SCHEDULE_TZ: z.string().trim().default('UTC').refine(isTimeZone, 'not an IANA time zone').describe('Time zone of SCHEDULE_CRON (IANA name).'),
  LOOKBACK_DAYS: int(30, 1, 1_095).describe(
    'The nightly load re-pulls the window from today minus this many days to yesterday (late conversions).',
  ),
  RECONCILE_INTERVAL_MS: int(300_000, 1_000, 86_400_000).describe(
    'How often `scheduler` compares unfinished runs of the ledger with the queue (also at start and after every Redis reconnect): a run whose job Redis lost is re-enqueued at its step, one whose job the queue failed is ended failed. `msads-etl reconcile` runs one pass.',
  ),
  REPORT_QUEUE_NAME: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('reports').describe('Name of the report job queue (under QUEUE_PREFIX).'),
  SCHEDULER_QUEUE_NAME: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('scheduler').describe('Name of the scheduler tick queue (under QUEUE_PREFIX).'),
  REPORTS: optionalText.describe(
    `Enabled reports as report:aggregation, comma-separated (default: ${DEFAULT_REPORTS.join(',')}). Overrides the "reports" list of REPORTS_FILE.`,
  ),
  REPORTS_FILE: optionalText.describe(
    'JSON file with "reports" (enabled reports, like REPORTS) and "customReports" (name, requestType, columns, aggregation); see docs/SCHEMA.md.',
  ),
  DASHBOARD_HOST: z
    .string()
    .trim()
    .min(1)
    .default('127.0.0.1')
    .describe('Address the dashboard listens on. Anything but a loopback address requires DASHBOARD_PASSWORD or DASHBOARD_TOKEN.'),
  DASHBOARD_PORT: optionalPort.describe(
    'Port of the dashboard (Bull Board, /metrics, /healthz, /readyz). `dashboard` defaults to 3000; set on `worker` to serve the dashboard from the worker too.',
  ),
  DASHBOARD_PUBLIC_HOSTS: optionalText
    .transform((v, ctx) => {
      if (v === undefined) return [];
      const hosts: string[] = [];
      for (const entry of v.split(',').map((x) => x.trim()).filter(Boolean)) {
        const host = publicHostOf(entry);
        if (host === undefined) ctx.addIssue({ code: 'custom', message: `not a host, host:port or URL: ${entry}` });
        else hosts.push(host);
      }
      return [...new Set(hosts)];
    })
    .describe(
      'Host names (host, host:port or URL, comma-separated) the dashboard is reached under besides its listen address, e.g. a reverse proxy’s public name. Requests whose Host, or whose Origin on a change (retry, pause, clean…), is none of these nor the listen address are refused.',
    ),
  DASHBOARD_USER: z.string().trim().min(1).default('admin').describe('User name of the dashboard’s HTTP basic auth (with DASHBOARD_PASSWORD).'),
  DASHBOARD_PASSWORD: optionalText.describe('Password of the dashboard’s HTTP basic auth; also protects /metrics.'),
  DASHBOARD_TOKEN: optionalText.describe('Bearer token accepted by the dashboard and /metrics (`Authorization: Bearer …`), instead of or besides the password.'),
  METRICS_HOST: z.string().trim().min(1).default('0.0.0.0').describe('Address the metrics endpoint of `worker` and `scheduler` listens on (with METRICS_PORT).'),
  METRICS_PORT: optionalPort.describe(
    'When set, `worker` and `scheduler` serve /metrics (this process’s counters), /healthz and /readyz on this port; /metrics asks for the dashboard credentials when they are set.',
  ),
  ALERT_WEBHOOK_URL: optionalText
    .refine((v) => v === undefined || /^https?:\/\//.test(v), 'an http(s) URL')
    .describe('Where alerts are POSTed as JSON with a Slack-compatible `text` field (a Slack incoming webhook works as is). Unset: alerts are only logged.'),
  ALERT_REPEAT_MS: int(6 * 3_600_000, 1_000, 30 * 86_400_000).describe(
    'An alert for the same condition (a connection’s failing runs, its re-authorization, its freshness) is sent at most once per this period, across all processes.',
  ),
  ALERT_CHECK_INTERVAL_MS: int(300_000, 1_000, 86_400_000).describe(
    'How often `dashboard` and `scheduler` check connection health and freshness for alerts.',
  ),
  FRESHNESS_MAX_LAG_DAYS: int(2, 0, 365).describe(
    'A report target is behind when its last loaded day is more than this many days before yesterday (in the report time zone): `status` then exits 1, and a connection whose stalest target is behind raises the freshness alert.',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText
    .refine((v) => v === undefined || /^https?:\/\//.test(v), 'an http(s) URL')
    .describe('OTLP/HTTP endpoint (e.g. http://otel-collector:4318). When set, traces (one span per step) and metrics are exported there.'),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('msads-etl').describe('service.name of the exported traces and metrics.'),
  TMP_DIR: optionalText.describe('Directory for downloaded zips (default: the OS temp directory).'),
  LOG_LEVEL: z.enum(logLevels).default('info').describe('pino log level.'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Queue names under the prefix. */
  queues: { reports: string; scheduler: string };
  nango: { secretKey: Secret | undefined; host: string; integrationId: string; connectionIds: string[] | undefined; tokenCacheMs: number };
  msads: {
    developerToken: Secret | undefined;
    environment: 'production' | 'sandbox';
    /** Which adapter every Microsoft call of the process goes through. */
    api: MsAdsApi;
    /** REST base URLs (MSADS_API=rest). */
    reportingRestUrl: string;
    bulkRestUrl: string;
    customerRestUrl: string;
    /** SOAP endpoints and WSDLs (MSADS_API=soap). */
    reportingEndpoint: string;
    reportingWsdl: string;
    customerEndpoint: string;
    customerWsdl: string;
    reportTimeZone: (typeof reportTimeZones)[number];
  };
  worker: {
    concurrency: number;
    loadConcurrency: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    attempts: number;
    backoffMs: number;
    maxStalls: number;
  };
  throttle: {
    callsPerMinute: number;
    maxConcurrentReports: number;
    maxConcurrentReportsCeiling: number;
    penaltyMs: number;
    callRateWaitMs: number;
    concurrencyWaitMs: number;
  };
  poll: { initialMs: number; maxMs: number; deadlineMs: number };
  /** Entity loads from the Bulk service (ENTITIES, BULK_*). */
  entities: { enabled: SelectableEntity[]; pollIntervalMs: number; throttleWaitMs: number };
  http: { timeoutMs: number };
  limits: { downloadMaxBytes: number; unzippedMaxBytes: number };
  /** Which discovered accounts are loaded. */
  accounts: { includeIds: string[] | undefined; excludeIds: string[]; namePattern: string | undefined; statuses: string[] };
  schedule: { cron: string; timeZone: string; lookbackDays: number };
  /** The scheduler's reconciliation of the run ledger with the queue. */
  reconcile: { intervalMs: number };
  /** Enabled report × aggregation pairs (REPORTS / REPORTS_FILE), built-in and custom: what the scheduler loads. */
  reports: ReportSelection[];
  /** Custom reports declared in REPORTS_FILE; createReportRegistry(customReports) resolves every report name. */
  customReports: ReportDefinition[];
  tmpDir: string | undefined;
  logLevel: (typeof logLevels)[number];
  /** The dashboard server (Bull Board, /metrics, /healthz, /readyz) and its credentials. */
  dashboard: { host: string; port: number | undefined; user: string; password: Secret | undefined; token: Secret | undefined; publicHosts: string[] };
  /** The metrics-only server of worker and scheduler processes. */
  metrics: { host: string; port: number | undefined };
  alerts: { webhookUrl: Secret | undefined; repeatMs: number; checkIntervalMs: number; freshnessMaxLagDays: number };
  otel: { endpoint: string | undefined; serviceName: string };
  /** Settings that are valid but probably not what the user meant; each process logs them at start. */
  warnings: string[];
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
  if (e.MSADS_MAX_CONCURRENT_REPORTS_CEILING !== undefined && e.MSADS_MAX_CONCURRENT_REPORTS > e.MSADS_MAX_CONCURRENT_REPORTS_CEILING) {
    throw new ConfigError('Invalid configuration:\n  MSADS_MAX_CONCURRENT_REPORTS: must not exceed MSADS_MAX_CONCURRENT_REPORTS_CEILING');
  }
  const reportConfig = loadReportConfig(e.REPORTS, e.REPORTS_FILE);
  if ('problems' in reportConfig) throw new ConfigError(`Invalid configuration:\n${reportConfig.problems.map((p) => `  ${p}`).join('\n')}`);
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    queues: { reports: e.REPORT_QUEUE_NAME, scheduler: e.SCHEDULER_QUEUE_NAME },
    nango: {
      secretKey: e.NANGO_SECRET_KEY === undefined ? undefined : new Secret(e.NANGO_SECRET_KEY),
      host: e.NANGO_HOST,
      integrationId: e.NANGO_INTEGRATION_ID,
      connectionIds: e.CONNECTION_IDS,
      tokenCacheMs: e.NANGO_TOKEN_CACHE_MS,
    },
    msads: {
      developerToken: e.MSADS_DEVELOPER_TOKEN === undefined ? undefined : new Secret(e.MSADS_DEVELOPER_TOKEN),
      environment: e.MSADS_ENVIRONMENT,
      api: e.MSADS_API,
      reportingRestUrl: e.MSADS_REPORTING_REST_URL ?? MICROSOFT_REST_URLS[e.MSADS_ENVIRONMENT].reporting,
      bulkRestUrl: e.MSADS_BULK_REST_URL ?? MICROSOFT_REST_URLS[e.MSADS_ENVIRONMENT].bulk,
      customerRestUrl: e.MSADS_CUSTOMER_REST_URL ?? MICROSOFT_REST_URLS[e.MSADS_ENVIRONMENT].customer,
      reportingEndpoint: e.MSADS_REPORTING_ENDPOINT ?? MICROSOFT_ENDPOINTS[e.MSADS_ENVIRONMENT].reporting,
      reportingWsdl: e.MSADS_REPORTING_WSDL ?? bundledReportingWsdl,
      customerEndpoint: e.MSADS_CUSTOMER_ENDPOINT ?? MICROSOFT_ENDPOINTS[e.MSADS_ENVIRONMENT].customer,
      customerWsdl: e.MSADS_CUSTOMER_WSDL ?? bundledCustomerManagementWsdl,
      reportTimeZone: e.REPORT_TIME_ZONE,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      loadConcurrency: e.LOAD_CONCURRENCY,
      lockDurationMs: e.LOCK_DURATION_MS,
      stalledIntervalMs: e.STALLED_INTERVAL_MS,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      maxStalls: e.JOB_MAX_STALLS,
    },
    throttle: {
      callsPerMinute: e.MSADS_CALLS_PER_MINUTE,
      maxConcurrentReports: e.MSADS_MAX_CONCURRENT_REPORTS,
      maxConcurrentReportsCeiling: e.MSADS_MAX_CONCURRENT_REPORTS_CEILING ?? Math.max(100, e.MSADS_MAX_CONCURRENT_REPORTS),
      penaltyMs: e.THROTTLE_PENALTY_MS,
      callRateWaitMs: e.THROTTLE_WAIT_MS,
      concurrencyWaitMs: e.CONCURRENCY_WAIT_MS,
    },
    poll: { initialMs: e.POLL_INITIAL_MS, maxMs: e.POLL_MAX_MS, deadlineMs: e.POLL_DEADLINE_MS },
    entities: { enabled: e.ENTITIES, pollIntervalMs: e.BULK_POLL_INTERVAL_MS, throttleWaitMs: e.BULK_THROTTLE_WAIT_MS },
    http: { timeoutMs: e.HTTP_TIMEOUT_MS },
    limits: { downloadMaxBytes: e.DOWNLOAD_MAX_BYTES, unzippedMaxBytes: e.UNZIPPED_MAX_BYTES },
    accounts: {
      includeIds: e.ACCOUNT_IDS_INCLUDE,
      excludeIds: e.ACCOUNT_IDS_EXCLUDE ?? [],
      namePattern: e.ACCOUNT_NAME_PATTERN,
      statuses: e.ACCOUNT_STATUSES,
    },
    schedule: { cron: e.SCHEDULE_CRON, timeZone: e.SCHEDULE_TZ, lookbackDays: e.LOOKBACK_DAYS },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS },
    reports: reportConfig.reports,
    customReports: reportConfig.customReports,
    tmpDir: e.TMP_DIR,
    logLevel: e.LOG_LEVEL,
    dashboard: {
      host: e.DASHBOARD_HOST,
      port: e.DASHBOARD_PORT,
      user: e.DASHBOARD_USER,
      password: e.DASHBOARD_PASSWORD === undefined ? undefined : new Secret(e.DASHBOARD_PASSWORD),
      token: e.DASHBOARD_TOKEN === undefined ? undefined : new Secret(e.DASHBOARD_TOKEN),
      publicHosts: e.DASHBOARD_PUBLIC_HOSTS,
    },
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT },
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL === undefined ? undefined : new Secret(e.ALERT_WEBHOOK_URL),
      repeatMs: e.ALERT_REPEAT_MS,
      checkIntervalMs: e.ALERT_CHECK_INTERVAL_MS,
      freshnessMaxLagDays: e.FRESHNESS_MAX_LAG_DAYS,
    },
    otel: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
    warnings: configWarnings(env, e.MSADS_API),
  };
}

/** Variables of the other API are ignored: say so instead of ignoring them silently. */
function configWarnings(env: NodeJS.ProcessEnv, api: MsAdsApi): string[] {
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  const warnings: string[] = [];
  const ignored = (api === 'rest' ? SOAP_ONLY_VARIABLES : REST_ONLY_VARIABLES).filter(isSet);
  if (ignored.length > 0) {
    warnings.push(
      api === 'rest'
        ? `${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} set but only used with MSADS_API=soap; Microsoft is called over REST (MSADS_API=rest, the default), so ${ignored.length === 1 ? 'it is' : 'they are'} ignored. Set MSADS_REPORTING_REST_URL / MSADS_CUSTOMER_REST_URL to point REST elsewhere.`
        : `${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} set but only used with MSADS_API=rest; Microsoft is called over SOAP (MSADS_API=soap), so ${ignored.length === 1 ? 'it is' : 'they are'} ignored.`,
    );
  }
  if (api === 'soap') {
    warnings.push(`MSADS_API=soap: Microsoft switches its SOAP API off on ${SOAP_SHUTDOWN_DAY}; without an extended SOAP plan from Microsoft, unset MSADS_API to use REST.`);
  }
  return warnings;
}

/** Commands that talk to Nango and Microsoft call this: it names every missing secret at once. */
export function requireCredentials(config: Config): { nangoSecretKey: Secret; developerToken: Secret } {
  const missing: string[] = [];
  if (!config.nango.secretKey) missing.push('  NANGO_SECRET_KEY: required to fetch OAuth tokens from Nango');
  if (!config.msads.developerToken) missing.push(`  ${setupHints.missingDeveloperToken}`);
  if (missing.length > 0 || !config.nango.secretKey || !config.msads.developerToken) {
    throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  }
  return { nangoSecretKey: config.nango.secretKey, developerToken: config.msads.developerToken };
}

/**
 * Variables whose values are credentials: `config` never prints them, and loadConfig wraps each in a
 * Secret. URLs elsewhere (DATABASE_URL, REDIS_URL …) are printed with their password replaced.
 */
export const SECRET_VARIABLES = ['NANGO_SECRET_KEY', 'MSADS_DEVELOPER_TOKEN', 'DASHBOARD_PASSWORD', 'DASHBOARD_TOKEN', 'ALERT_WEBHOOK_URL'] as const satisfies readonly (keyof Env)[];

/** What loading a .env file did: which variables came from it, and which the environment kept. */
export interface EnvFileOutcome {
  path: string;
  /** False when there is no such file (not an error: .env is optional). */
  found: boolean;
  /** Variables the file set (the environment had none of them). */
  fromFile: string[];
  /** Variables the file defines that the environment already had: the environment wins. */
  shadowed: string[];
  /** Why an existing file could not be read. */
  error?: string;
}

/**
 * Reads a .env file into process.env with Node's own process.loadEnvFile, which never overwrites a
 * variable the environment already has. Node's parseEnv on the same text tells which variables the
 * file supplied, so `config` can say where each value came from. Called once, by the CLI's entry.
 */
export function loadEnvFile(path: string): EnvFileOutcome {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return { path, found: false, fromFile: [], shadowed: [] };
    return { path, found: true, fromFile: [], shadowed: [], error: err instanceof Error ? err.message : String(err) };
  }
  const defined = Object.keys(parseEnv(text));
  const shadowed = defined.filter((k) => process.env[k] !== undefined);
  process.loadEnvFile(path);
  return { path, found: true, fromFile: defined.filter((k) => !shadowed.includes(k)), shadowed };
}
