import type { Command } from 'commander';
import { reconcileCountKeys, reconcileRuns, reconcileSettings } from '../app/reconciler.js';
import { createRedis } from '../app/redis.js';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { createReportQueue } from '../jobs/reportQueue.js';
import { cliLogger } from './output.js';

/**
 * `reconcile`: one pass of the scheduler's reconciler (src/app/reconciler.ts) and its counts. It does not
 * register the nightly schedule (a deployment on `scheduler --once` from cron has none). Exit 1 when a
 * run could not be reconciled.
 */
export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('compare unfinished runs of the ledger with the queue once: re-enqueue runs whose job is gone, end runs the queue failed; print the counts')
    .option('--json', 'print the counts as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const logger = cliLogger(config.logLevel);
      await ensureDatabase(config.databaseUrl);
      const database = createDatabase(config.databaseUrl, { max: 2, applicationName: 'msads-etl reconcile' });
      const producer = createRedis(config.redisUrl, 'producer');
      const reportQueue = createReportQueue(producer, config.queuePrefix, config.queues.reports);
      try {
        await runMigrations(database.pool);
        const settings = reconcileSettings(config);
        const counts = await reconcileRuns({
          database,
          reportQueue,
          logger,
          attempts: config.worker.attempts,
          graceMs: settings.graceMs,
          abandonAfterMs: settings.abandonAfterMs,
          now: () => Date.now(),
        });
        if (options.json) process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
        else if (!counts.ran) process.stdout.write('another process is reconciling right now; nothing done\n');
        else {
          const width = Math.max(...reconcileCountKeys.map((k) => k.length));
          for (const key of reconcileCountKeys) process.stdout.write(`${key.padEnd(width)}  ${counts[key]}\n`);
        }
        if (counts.errors > 0) process.exitCode = 1;
      } finally {
        await reportQueue.close();
        producer.disconnect();
        await database.close();
      }
    });
}
