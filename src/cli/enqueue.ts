import type { Command } from 'commander';
import { createRedis } from '../app/redis.js';
import { loadConfig } from '../config.js';
import { createReportQueue, enqueueReport, PRIORITY } from '../jobs/reportQueue.js';
import { createNangoTokenSource } from '../nango/tokenSource.js';
import { createReportRegistry } from '../reports/registry.js';
import { addTargetOptions, resolveTargets, type TargetOptions } from './targetOptions.js';

export function registerEnqueue(program: Command): void {
  addTargetOptions(program.command('enqueue').description('add one report job per account to the queue')).action(
    async (options: TargetOptions) => {
      const config = loadConfig();
      const tokens = config.nango.secretKey
        ? createNangoTokenSource({
            secretKey: config.nango.secretKey,
            host: config.nango.host,
            integrationId: config.nango.integrationId,
            timeoutMs: 30_000,
          })
        : null;
      const targets = await resolveTargets(options, tokens, createReportRegistry(config.customReports));
      const connection = createRedis(config.redisUrl, 'producer');
      const queue = createReportQueue(connection, config.queuePrefix, config.queues.reports);
      try {
        for (const target of targets) {
          const { jobId, outcome } = await enqueueReport(queue, target, {
            attempts: config.worker.attempts,
            priority: PRIORITY.manual,
          });
          process.stdout.write(`${outcome}: ${jobId}\n`);
        }
      } finally {
        await queue.close();
        connection.disconnect();
      }
    },
  );
}
