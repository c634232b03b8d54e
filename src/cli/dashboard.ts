import type { Command } from 'commander';
import { DEFAULT_DASHBOARD_PORT, startDashboard } from '../app/dashboardProcess.js';
import { createProcessObservability } from '../app/observability.js';
import { assertPostgresReachable } from '../app/processOps.js';
import { ConfigError, loadConfig } from '../config.js';
import { assertSafeBinding } from '../dashboard/auth.js';
import { createLogger } from '../logger.js';

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve Bull Board for every queue, /metrics, /healthz and /readyz, and check connection health and freshness for alerts; run until SIGINT/SIGTERM')
    .option('--port <port>', `port (default DASHBOARD_PORT or ${DEFAULT_DASHBOARD_PORT})`)
    .option('--host <address>', 'address to listen on (default DASHBOARD_HOST, 127.0.0.1)')
    .action(async (options: { port?: string; host?: string }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      const host = options.host ?? config.dashboard.host;
      if (options.port !== undefined && !/^\d{1,5}$/.test(options.port)) throw new ConfigError(`Invalid configuration:\n  --port: not a port number: ${options.port}`);
      // Before connecting anywhere: an unauthenticated dashboard off loopback is a configuration error.
      assertSafeBinding(host, config.dashboard);
      // Its gauges and alert checks read Postgres: unreachable at start is one line and exit 1. Redis may
      // be away (the board then shows nothing and /readyz says why until it is back).
      await assertPostgresReachable(config.databaseUrl);
      const obs = createProcessObservability(config, logger, { alerts: false });
      const dashboard = await startDashboard(config, logger, obs, {
        host,
        ...(options.port !== undefined ? { port: Number(options.port) } : {}),
      }).catch(async (err: unknown) => {
        await obs.close();
        throw err;
      });
      process.stdout.write(`Dashboard: ${dashboard.server.url}/   Bull Board: ${dashboard.server.url}/queues   metrics: ${dashboard.server.url}/metrics\n`);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          void dashboard.stop().then(() => obs.close()).then(resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
