import type { Config } from '../config.js';
import { assertSafeBinding } from '../dashboard/auth.js';
import { startOpsServer } from '../dashboard/server.js';
import type { Logger } from '../logger.js';
import { startDashboard } from './dashboardProcess.js';
import { createConnectionAlertMonitor, type ProcessObservability } from './observability.js';

/**
 * The HTTP side of a long-running process (worker, scheduler): the full dashboard when DASHBOARD_PORT
 * is set, else /metrics + /healthz + /readyz when METRICS_PORT is set, else nothing; and, when asked
 * (the scheduler), the periodic connection alert check.
 */
export async function startProcessOps(
  config: Config,
  logger: Logger,
  obs: ProcessObservability,
  options: { alertMonitor?: boolean } = {},
): Promise<{ url: string | undefined; stop(): Promise<void> }> {
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  if (config.dashboard.port !== undefined) {
    assertSafeBinding(config.dashboard.host, config.dashboard);
    const dashboard = await startDashboard(config, logger, obs, { monitor: options.alertMonitor ?? false });
    stops.push(() => dashboard.stop());
    url = dashboard.server.url;
  } else {
    if (config.metrics.port !== undefined) {
      const server = await startOpsServer({
        host: config.metrics.host,
        port: config.metrics.port,
        credentials: config.dashboard,
        registry: obs.registry,
        readiness: obs.readiness,
        liveness: obs.liveness,
        connections: obs.connections,
        publicHosts: config.dashboard.publicHosts,
        logger,
      });
      stops.push(() => server.close());
      url = server.url;
    }
    if (options.alertMonitor) {
      const monitor = createConnectionAlertMonitor(config, logger, obs);
      monitor.start(config.alerts.checkIntervalMs);
      stops.push(() => monitor.stop());
    }
  }
  return {
    url,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => logger.warn({ err }, 'stopping the ops server failed'));
    },
  };
}
