import type { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { OperatorDeps } from '../dashboard/operatorRoutes.js';
import { startOpsServer, type OpsServer } from '../dashboard/server.js';
import { createReportQueue } from '../jobs/reportQueue.js';
import { createSchedulerQueue } from '../jobs/schedulerQueue.js';
import type { Logger } from '../logger.js';
import type { AlertMonitor } from '../observability/alertMonitor.js';
import { registerClusterMetrics } from '../observability/clusterMetrics.js';
import { createReportRegistry } from '../reports/registry.js';
import { enabledReports } from '../schedule/enabledReports.js';
import { accountFilter, reportTimeZoneIanaOf } from './discovery.js';
import { createConnectionAlertMonitor, type ProcessObservability } from './observability.js';

/**
 * The dashboard: Bull Board over every queue of the project (reports, scheduler), /metrics with the
 * deployment-wide gauges (queues, run ledger, connection freshness and health) plus this process's own
 * counters, /healthz and /readyz, and the periodic alert check. Runs as `msads-etl dashboard` or inside
 * a worker (DASHBOARD_PORT), whose run counters then appear on the same /metrics.
 */

export const DEFAULT_DASHBOARD_PORT = 3000;

export interface RunningDashboard {
  server: OpsServer;
  queues: Queue[];
  monitor: AlertMonitor | undefined;
  stop(): Promise<void>;
}

export async function startDashboard(
  config: Config,
  logger: Logger,
  obs: ProcessObservability,
  options: { port?: number; host?: string; monitor?: boolean } = {},
): Promise<RunningDashboard> {
  const reportQueue = createReportQueue(obs.redis, config.queuePrefix, config.queues.reports);
  const queues: Queue[] = [reportQueue, createSchedulerQueue(obs.redis, config.queuePrefix, config.queues.scheduler)];
  // A queue re-emits its connection's errors, and BullMQ prints a stack trace for each one nobody
  // listens to: one per reconnect attempt while Redis is away. The connection logs the outage once.
  for (const queue of queues) queue.on('error', () => undefined);
  const cluster = new Registry();
  registerClusterMetrics(cluster, {
    queues,
    db: obs.database.db,
    freshness: { enabled: enabledReports(config), timeZone: reportTimeZoneIanaOf(config) },
    accountFilter: accountFilter(config),
    now: () => new Date(),
    onSourceError: (source, err) => logger.warn({ source, err }, 'a metrics source could not be read; /metrics answers without its gauges'),
  });
  let server: OpsServer;
  try {
    server = await startOpsServer({
      host: options.host ?? config.dashboard.host,
      port: options.port ?? config.dashboard.port ?? DEFAULT_DASHBOARD_PORT,
      credentials: config.dashboard,
      registry: Registry.merge([obs.registry, cluster]),
      readiness: obs.readiness,
      liveness: obs.liveness,
      connections: obs.connections,
      publicHosts: config.dashboard.publicHosts,
      queues,
      operator: operatorDeps(config, logger, obs, reportQueue),
      logger,
    });
  } catch (err) {
    await Promise.allSettled(queues.map((q) => q.close()));
    throw err;
  }
  const monitor = options.monitor === false ? undefined : createConnectionAlertMonitor(config, logger, obs);
  monitor?.start(config.alerts.checkIntervalMs);
  return {
    server,
    queues,
    monitor,
    async stop() {
      await monitor?.stop();
      await server.close();
      await Promise.allSettled(queues.map((q) => q.close()));
    },
  };
}

/** What the operator page reads and where its actions enqueue: the same settings the CLI's backfill uses. */
function operatorDeps(config: Config, logger: Logger, obs: ProcessObservability, reportQueue: Queue): OperatorDeps {
  const registry = createReportRegistry(config.customReports);
  return {
    db: obs.database.db,
    reportQueue,
    attempts: config.worker.attempts,
    registry,
    enabled: enabledReports(config, registry),
    accountFilter: config.accounts,
    timeZone: reportTimeZoneIanaOf(config),
    maxLagDays: config.alerts.freshnessMaxLagDays,
    logger,
    now: () => new Date(),
  };
}
