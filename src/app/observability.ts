import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createDatabase, type Database } from '../db/client.js';
import { noopObserver, type RunObserver } from '../jobs/observer.js';
import type { Logger } from '../logger.js';
import { createAlertMonitor, type AlertMonitor } from '../observability/alertMonitor.js';
import { createAlertObserver } from '../observability/alertObserver.js';
import { createAlertSender, type AlertSender } from '../observability/alerts.js';
import { fanOut } from '../observability/fanOut.js';
import { createRunMetrics } from '../observability/runMetrics.js';
import { startTelemetry, type Telemetry } from '../observability/telemetry.js';
import { enabledReports } from '../schedule/enabledReports.js';
import { reportTimeZoneIanaOf } from './discovery.js';
import { createRedis, logRedisAvailability, redactRedisUrl } from './redis.js';

/**
 * What a process reports about its work, built once in its composition root: a Prometheus registry of
 * this process's counters, OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set, and alerts for runs
 * that fail for good, all behind one RunObserver. It keeps its own small Redis and Postgres connections
 * (alert deduplication, the failed run's message, readiness checks), so it never competes with the
 * worker's blocking connection or its load pool.
 */
export interface ProcessObservability {
  registry: Registry;
  observer: RunObserver;
  telemetry: Telemetry | undefined;
  alerts: AlertSender;
  redis: Redis;
  database: Database;
  /** Readiness checks for /readyz: Postgres and Redis answer now. */
  readiness: Record<string, () => Promise<unknown>>;
  /** Liveness checks for /healthz: what only a restart cures (a Redis connection that gave up). */
  liveness: Record<string, () => string | undefined>;
  /** The state of this process's Redis connection, shown by /healthz. */
  connections(): Record<string, string>;
  /** Resolves when alert deliveries in flight are done (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createProcessObservability(config: Config, logger: Logger, options: { alerts?: boolean; processMetrics?: boolean } = {}): ProcessObservability {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Busy share of the event loop between two scrapes (prom-client's defaults have lag, not this):
    // near 1 means the process itself, not Redis, Postgres or Microsoft, is the bottleneck.
    let last = performance.eventLoopUtilization();
    new Gauge({
      name: 'msads_event_loop_utilization',
      help: 'Share of time the event loop was busy since the previous scrape (0–1; perf_hooks eventLoopUtilization).',
      registers: [registry],
      collect() {
        const now = performance.eventLoopUtilization();
        this.set(performance.eventLoopUtilization(now, last).utilization);
        last = now;
      },
    });
  }
  // The configured threshold, so the shipped alert rules compare lags with FRESHNESS_MAX_LAG_DAYS
  // rather than a number copied into them.
  new Gauge({
    name: 'msads_freshness_max_lag_days',
    help: 'FRESHNESS_MAX_LAG_DAYS: how many days a target may lag before it counts as behind (status, alerts).',
    registers: [registry],
  }).set(config.alerts.freshnessMaxLagDays);
  const telemetry = config.otel.endpoint ? startTelemetry({ serviceName: config.otel.serviceName, endpoint: config.otel.endpoint }) : undefined;
  // The 'service' role: reconnects for ever (these processes outlive any Redis restart) and fails a
  // command fast while Redis is away, so readiness and alert claims answer instead of hanging. This is
  // the connection that logs the outage, once when it starts and once when it ends.
  const redis = createRedis(config.redisUrl, 'service');
  logRedisAvailability(redis, config.redisUrl, logger);
  let closing = false;
  const database = createDatabase(config.databaseUrl, { max: 2, applicationName: 'msads-etl ops' });
  const alerts = createAlertSender({
    webhookUrl: config.alerts.webhookUrl,
    redis,
    prefix: config.queuePrefix,
    repeatMs: config.alerts.repeatMs,
    logger,
  });
  const alertObserver = options.alerts === false ? undefined : createAlertObserver({ sender: alerts, db: database.db, repeatMs: config.alerts.repeatMs, logger });
  const observers = [createRunMetrics(registry), telemetry?.observer, alertObserver].filter((o): o is RunObserver => o !== undefined);
  const observer = observers.length > 0 ? fanOut(observers, (err) => logger.warn({ err }, 'observer failed')) : noopObserver;
  if (telemetry) logger.info({ endpoint: config.otel.endpoint, service: config.otel.serviceName }, 'OpenTelemetry export on');
  return {
    registry,
    observer,
    telemetry,
    alerts,
    redis,
    database,
    readiness: {
      postgres: () => database.pool.query('SELECT 1'),
      // Not connected: say so at once rather than queue a PING behind the reconnect attempts.
      redis: async () => {
        if (redis.status !== 'ready') throw new Error(`not connected (${redis.status}) to REDIS_URL=${redactRedisUrl(config.redisUrl)}`);
        return redis.ping();
      },
    },
    liveness: {
      redis: () => (redis.status === 'end' && !closing ? 'the Redis connection gave up; restart the process' : undefined),
    },
    connections: () => ({ redis: redis.status }),
    idle: async () => alertObserver?.idle(),
    async close() {
      closing = true;
      await alertObserver?.idle();
      await telemetry?.shutdown();
      redis.disconnect();
      await database.close();
    },
  };
}

/** The periodic connection health and freshness check that raises alerts (dashboard and scheduler run one). */
export function createConnectionAlertMonitor(config: Config, logger: Logger, obs: Pick<ProcessObservability, 'alerts' | 'database'>): AlertMonitor {
  return createAlertMonitor({
    db: obs.database.db,
    sender: obs.alerts,
    freshness: { enabled: enabledReports(config), timeZone: reportTimeZoneIanaOf(config) },
    maxLagDays: config.alerts.freshnessMaxLagDays,
    integrationId: config.nango.integrationId,
    logger,
    now: () => new Date(),
  });
}
