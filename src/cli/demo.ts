import { QueueEvents } from 'bullmq';
import type { Command } from 'commander';
import { createProcessObservability } from '../app/observability.js';
import { assertPostgresReachable } from '../app/processOps.js';
import { assertRedisReachable, createRedis, redactUrl } from '../app/redis.js';
import { startWorkerProcess } from '../app/workerProcess.js';
import { loadConfig, type Config } from '../config.js';
import { createReportQueue, enqueueReport, PRIORITY } from '../jobs/reportQueue.js';
import { ENTITY_QUEUE, enqueueEntityJobs, entityJobId } from '../entities/entityQueue.js';
import type { RunSummary } from '../jobs/reportRun.js';
import { Secret } from '../secret.js';
import { demoSimulatorOptions, startSimulator } from '../simulator/index.js';
import { cliLogger } from './output.js';

const DAY_MS = 86_400_000;

/** The last `days` complete days, ending yesterday (UTC). */
function lastDays(days: number, now: number): { from: string; to: string } {
  const yesterday = new Date(now - DAY_MS).toISOString().slice(0, 10);
  const first = new Date(now - days * DAY_MS).toISOString().slice(0, 10);
  return { from: first, to: yesterday };
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('load a week of campaign performance from the local simulator into Postgres, end to end')
    .action(async () => {
      const started = Date.now();
      const base = loadConfig();
      const logger = cliLogger(base.logLevel === 'info' ? 'warn' : base.logLevel);
      // The demo waits for its own jobs: with Postgres or Redis away it could only hang, so it says which
      // one and stops before starting anything.
      await assertPostgresReachable(base.databaseUrl);
      await assertRedisReachable(base.redisUrl);
      const simOptions = demoSimulatorOptions();
      const sim = await startSimulator({ ...simOptions, generationMs: 1_500 });
      // Everything Microsoft- and Nango-facing points at the simulator; Postgres and Redis are the real ones.
      const config: Config = {
        ...base,
        queuePrefix: `${base.queuePrefix}-demo`,
        nango: { ...base.nango, secretKey: new Secret(simOptions.nangoSecretKey), host: sim.urls.nango },
        msads: {
          ...base.msads,
          developerToken: new Secret(simOptions.developerToken),
          // Both adapters point at the simulator; MSADS_API (default rest) picks the one that is used.
          reportingRestUrl: sim.urls.reportingRest,
          customerRestUrl: sim.urls.customerRest,
          bulkRestUrl: sim.urls.bulkRest,
          reportingEndpoint: sim.urls.reporting,
          customerEndpoint: sim.urls.customer,
        },
        // The simulator's URLs replace whatever the environment said, so its endpoint variables do not apply.
        warnings: base.msads.api === 'soap' ? base.warnings.filter((w) => w.startsWith('MSADS_API=soap')) : [],
        poll: { ...base.poll, initialMs: 1_000, maxMs: 5_000 },
        entities: { ...base.entities, pollIntervalMs: 1_000 },
      };
      const api = config.msads.api === 'rest' ? `REST ${sim.urls.reportingRest}` : `SOAP ${sim.urls.reporting}`;
      process.stdout.write(`Simulator: ${api} (MSADS_API=${config.msads.api})\nDatabase:  ${redactUrl(config.databaseUrl)}\nRedis:     ${redactUrl(config.redisUrl)}\n`);

      const obs = createProcessObservability(config, logger);
      const running = await startWorkerProcess(config, logger, { observer: obs.observer, telemetry: obs.telemetry?.bullmq }).catch(async (err: unknown) => {
        await obs.close();
        await sim.close();
        throw err;
      });
      // 'service': a Redis restart during the demo delays it instead of ending it (it was reachable at start).
      const connection = createRedis(config.redisUrl, 'service');
      const queue = createReportQueue(connection, config.queuePrefix, config.queues.reports);
      const eventsConnection = createRedis(config.redisUrl);
      const events = new QueueEvents(config.queues.reports, { connection: eventsConnection, prefix: config.queuePrefix });
      // Without listeners BullMQ prints a stack trace per reconnect attempt; the worker's connection logs an outage once.
      queue.on('error', () => undefined);
      events.on('error', () => undefined);
      try {
        await events.waitUntilReady();
        const window = lastDays(7, Date.now());
        const jobs = [];
        for (const c of simOptions.connections) {
          for (const accountId of c.accountIds) {
            const target = {
              connectionId: c.connectionId,
              customerId: c.customerId,
              accountId,
              report: 'campaign_performance' as const,
              aggregation: 'Daily' as const,
              ...window,
            };
            const { jobId } = await enqueueReport(queue, target, { attempts: config.worker.attempts, priority: PRIORITY.manual });
            jobs.push({ jobId, target });
          }
        }
        process.stdout.write(`Enqueued ${jobs.length} campaign_performance reports for ${window.from}..${window.to}; waiting for the worker…\n`);
        let rows = 0;
        for (const { jobId, target } of jobs) {
          const job = await queue.getJob(jobId);
          if (!job) throw new Error(`job ${jobId} disappeared`);
          const summary = (await job.waitUntilFinished(events, 5 * 60_000)) as RunSummary;
          rows += summary.rows;
          process.stdout.write(
            `  account ${target.accountId}: ${summary.status}, ${summary.rows} rows, ${summary.polls} polls, ReportRequestId ${summary.reportRequestId ?? '-'}\n`,
          );
        }
        // The entities (campaigns, ad groups, keywords, …) of each account from the Bulk service.
        if (config.entities.enabled.length > 0) {
          const entityQueue = createReportQueue(connection, config.queuePrefix, ENTITY_QUEUE);
          const entityEventsConnection = createRedis(config.redisUrl);
          const entityEvents = new QueueEvents(ENTITY_QUEUE, { connection: entityEventsConnection, prefix: config.queuePrefix });
          entityQueue.on('error', () => undefined);
          entityEvents.on('error', () => undefined);
          try {
            await entityEvents.waitUntilReady();
            const day = new Date().toISOString().slice(0, 10);
            const targets = simOptions.connections.flatMap((c) => c.accountIds.map((accountId) => ({ connectionId: c.connectionId, customerId: c.customerId, accountId, entities: [...config.entities.enabled] })));
            // A demo run is manual: a fresh job each time, whatever ran before today.
            for (const t of targets) await (await entityQueue.getJob(entityJobId(t, day)))?.remove().catch(() => undefined);
            await enqueueEntityJobs(entityQueue, targets, day, config.worker.attempts);
            process.stdout.write(`Enqueued ${targets.length} entity downloads (${config.entities.enabled.join(', ')}); waiting…\n`);
            for (const t of targets) {
              const job = await entityQueue.getJob(entityJobId(t, day));
              const result = (await job?.waitUntilFinished(entityEvents, 5 * 60_000)) as { mode: string; tables: Record<string, { inFile: number; changed: number; deleted: number }> } | undefined;
              const counts = Object.entries(result?.tables ?? {}).map(([table, c]) => `${c.inFile} ${table}`).join(', ');
              process.stdout.write(`  account ${t.accountId}: ${result?.mode ?? '?'} download, ${counts || 'nothing changed since the last file'}\n`);
            }
          } finally {
            await entityEvents.close();
            entityEventsConnection.disconnect();
            await entityQueue.close();
          }
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          [
            '',
            `Done: ${jobs.length} reports, ${rows} rows in ${seconds} s.`,
            '',
            'Look at the data:',
            `  psql ${redactUrl(config.databaseUrl)} -c "SELECT time_period, campaign_name, device_type, network, impressions, clicks, spend FROM campaign_performance_daily ORDER BY time_period, campaign_id LIMIT 20"`,
            `  psql ${redactUrl(config.databaseUrl)} -c "SELECT time_period, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(spend) AS spend FROM campaign_performance_daily GROUP BY 1 ORDER BY 1"`,
            `  psql ${redactUrl(config.databaseUrl)} -c "SELECT id, account_id, report, window_start, window_end, status, polls, rows, report_request_id FROM report_runs ORDER BY id DESC LIMIT 10"`,
            `  psql ${redactUrl(config.databaseUrl)} -c "SELECT day, campaign_name, spend, clicks, ctr_percent, cpc FROM bi_campaign_daily ORDER BY day, spend DESC LIMIT 20"   # docs/BI.md`,
            `  psql ${redactUrl(config.databaseUrl)} -c "SELECT c.name, c.status, c.budget, count(k.*) AS keywords FROM campaigns c LEFT JOIN keywords k ON k.account_id = c.account_id AND k.campaign_id = c.id AND NOT k.is_deleted GROUP BY 1, 2, 3 ORDER BY 1"   # entity tables`,
            '',
          ].join('\n'),
        );
      } finally {
        await running.stop(10_000);
        await obs.close();
        await events.close();
        eventsConnection.disconnect();
        await queue.close();
        connection.disconnect();
        await sim.close();
      }
    });
}
