import type { Command } from 'commander';
import { createConnectionAlertMonitor, createProcessObservability } from '../app/observability.js';
import { assertPostgresReachable, startProcessOps } from '../app/processOps.js';
import { runTickOnce, startSchedulerProcess } from '../app/schedulerProcess.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';

export function registerScheduler(program: Command): void {
  program
    .command('scheduler')
    .description('register the nightly schedule (SCHEDULE_CRON in SCHEDULE_TZ) and plan + enqueue each night’s report jobs; run until SIGINT/SIGTERM')
    .option('--tick-now', 'also run a tick right away')
    .option('--once', 'run one tick in this process and exit (for an external cron), printing its summary')
    .option('--grace <seconds>', 'how long a running tick may take to finish on shutdown', '30')
    .action(async (options: { tickNow?: boolean; once?: boolean; grace: string }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      if (options.once) {
        const summary = await runTickOnce(config, logger);
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      // Postgres first: a scheduler that cannot reach it exits now with one line, instead of looking started.
      await assertPostgresReachable(config.databaseUrl);
      // /metrics, /healthz, /readyz on METRICS_PORT, served before the scheduler starts: a start that
      // waits for Redis shows as not ready.
      const obs = createProcessObservability(config, logger, { alerts: false });
      const ops = await startProcessOps(config, logger, obs).catch(async (err: unknown) => {
        await obs.close();
        throw err;
      });
      // The reconciler counts msads_reconciled_runs_total{action} into this process's /metrics registry.
      const running = await startSchedulerProcess(config, logger, { tickNow: options.tickNow ?? false, registry: obs.registry }).catch(async (err: unknown) => {
        await ops.stop();
        await obs.close();
        throw err;
      });
      // The periodic connection health and freshness alerts, once the scheduler has migrated the database.
      const monitor = createConnectionAlertMonitor(config, logger, obs);
      monitor.start(config.alerts.checkIntervalMs);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          void running
            .stop(Number(options.grace) * 1000)
            .then(() => monitor.stop())
            .then(() => ops.stop())
            .then(() => obs.close())
            .then(resolve, resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
