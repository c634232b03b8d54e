import type { Command } from 'commander';
import { createProcessObservability } from '../app/observability.js';
import { startProcessOps } from '../app/processOps.js';
import { startWorkerProcess } from '../app/workerProcess.js';
import { loadConfig } from '../config.js';
import { assertSafeBinding } from '../dashboard/auth.js';
import { createLogger } from '../logger.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run report workers until SIGINT/SIGTERM, then shut down gracefully')
    .option('--grace <seconds>', 'how long running jobs may take to finish on shutdown', '30')
    .action(async (options: { grace: string }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      if (config.dashboard.port !== undefined) assertSafeBinding(config.dashboard.host, config.dashboard);
      // Metrics, OpenTelemetry and alerts of this process's runs; DASHBOARD_PORT / METRICS_PORT serve them.
      const obs = createProcessObservability(config, logger);
      // A start that fails (configuration, Postgres) closes what it opened; the command then exits at once.
      const started = await (async () => {
        const running = await startWorkerProcess(config, logger, { observer: obs.observer, telemetry: obs.telemetry?.bullmq });
        try {
          return { running, ops: await startProcessOps(config, logger, obs) };
        } catch (err) {
          await running.stop(0);
          throw err;
        }
      })().catch(async (err: unknown) => {
        await obs.close();
        throw err;
      });
      const { running, ops } = started;
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          void running
            .stop(Number(options.grace) * 1000)
            .then(() => ops.stop())
            .then(() => obs.close())
            .then(resolve, resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      // Everything is closed or abandoned on purpose (a load past the grace period rolls back when its
      // connection closes): leave now rather than wait for sockets that may never drain.
      process.exit(0);
    });
}
