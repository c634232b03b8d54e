import pg from 'pg';
import type { Config } from '../config.js';
import { assertSafeBinding } from '../dashboard/auth.js';
import { startOpsServer } from '../dashboard/server.js';
import type { Logger } from '../logger.js';
import { startDashboard } from './dashboardProcess.js';
import { createConnectionAlertMonitor, type ProcessObservability } from './observability.js';
import { connectionErrorText, isConnectionError, redactUrl } from './redis.js';

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

/** The one line a command prints when Postgres cannot be used at start: where it looked and what to do. */
export function postgresUnreachableMessage(url: string, cause: unknown): string {
  const text = connectionErrorText(cause) ?? 'no answer';
  const where = `DATABASE_URL=${redactUrl(url)}`;
  let port = 5432;
  try {
    port = Number(new URL(url).port || 5432);
  } catch {
    // The default port, then.
  }
  if (isConnectionError(cause, port) || /timeout/i.test(text)) {
    return `Postgres is unreachable at ${where} (${text}). Start it (\`docker compose up -d postgres\`, or your system's postgresql service) or point DATABASE_URL at a running Postgres.`;
  }
  // Reached, but refused (authentication, permissions): the fix is in the URL or the server's roles.
  return `Postgres at ${where} refused the connection: ${text}. Check the user, password and database in DATABASE_URL.`;
}

/**
 * Fails a long-running command at start, with the one line above, when Postgres cannot be used: better
 * than a process that looks started and cannot do anything. A database that does not exist yet is fine
 * (the worker and the scheduler create it).
 */
export async function assertPostgresReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return;
    throw new Error(postgresUnreachableMessage(url, err), { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}
