import type { Command } from 'commander';
import { startWorkerProcess } from '../app/workerProcess.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run report workers until SIGINT/SIGTERM, then shut down gracefully')
    .option('--grace <seconds>', 'how long running jobs may take to finish on shutdown', '30')
    .action(async (options: { grace: string }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      const running = await startWorkerProcess(config, logger);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          void running.stop(Number(options.grace) * 1000).then(resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      // Everything is closed or abandoned on purpose (a load past the grace period rolls back when its
      // connection closes): leave now rather than wait for sockets that may never drain.
      process.exit(0);
    });
}
