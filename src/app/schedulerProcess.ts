import { Worker, type Job } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { coerceError } from '../errors.js';
import { createReportQueue } from '../jobs/reportQueue.js';
import { ENTITY_QUEUE } from '../entities/entityQueue.js';
import { createSchedulerQueue, enqueueTickNow, registerNightlySchedule, type TickJobData } from '../jobs/schedulerQueue.js';
import type { Logger } from '../logger.js';
import { enabledReports } from '../schedule/enabledReports.js';
import { runTick, type TickDeps, type TickSummary } from '../schedule/tick.js';
import { accountFilter, createDiscovery, reportTimeZoneIanaOf } from './discovery.js';
import { createReconcileMetrics, reconcileRuns, reconcileSettings, startReconcileLoop, type ReconcileCounts } from './reconciler.js';
import { createRedis, logRedisAvailability } from './redis.js';

/**
 * One tick in this process, without the scheduler queue (`scheduler --once`), for deployments that
 * prefer an external cron: the same discovery, plan and idempotent enqueue as a scheduled tick.
 */
export async function runTickOnce(config: Config, logger: Logger): Promise<TickSummary> {
  await ensureDatabase(config.databaseUrl);
  const database = createDatabase(config.databaseUrl, { max: 4, applicationName: 'msads-etl tick' });
  const producer = createRedis(config.redisUrl, 'producer');
  const reportQueue = createReportQueue(producer, config.queuePrefix, config.queues.reports);
  const entityQueue = createReportQueue(producer, config.queuePrefix, ENTITY_QUEUE);
  try {
    await runMigrations(database.pool, { enabled: config.reports });
    const { lister, discovery } = await createDiscovery(config, logger);
    return await runTick({ ...tickDeps(config, logger, database.db, lister, discovery, reportQueue), entityQueue, entities: config.entities.enabled });
  } finally {
    await entityQueue.close();
    await reportQueue.close();
    producer.disconnect();
    await database.close();
  }
}

function tickDeps(
  config: Config,
  logger: Logger,
  db: TickDeps['db'],
  lister: TickDeps['lister'],
  discovery: TickDeps['discovery'],
  reportQueue: TickDeps['reportQueue'],
): TickDeps {
  return {
    db,
    lister,
    discovery,
    reportQueue,
    allowList: config.nango.connectionIds,
    filter: accountFilter(config),
    reports: enabledReports(config),
    lookbackDays: config.schedule.lookbackDays,
    timeZone: reportTimeZoneIanaOf(config),
    attempts: config.worker.attempts,
    logger,
    now: () => new Date(),
  };
}

export interface RunningScheduler {
  worker: Worker<TickJobData, TickSummary>;
  /**
   * A reconciliation pass now (the nightly schedule re-registered, then the ledger's unfinished runs
   * compared with the queue), after the one running if any; undefined if it failed or the process stops.
   */
  reconcileNow(): Promise<ReconcileCounts | undefined>;
  /** Stops taking ticks, lets a running one finish within graceMs, then closes everything. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The scheduler process: registers the nightly job scheduler (idempotent: safe on every boot and on
 * several machines, which then share the ticks), processes tick jobs one at a time, and reconciles the
 * run ledger with the queue (src/app/reconciler.ts) at start, every RECONCILE_INTERVAL_MS and after
 * every Redis reconnect.
 *
 * A Redis restarted without persistence comes back empty, job scheduler included: nothing would ever
 * tick again. So the schedule is upserted again on every reconnect of the producer connection and on
 * every reconciliation pass (same id, same pattern: a no-op when it is there).
 */
export async function startSchedulerProcess(
  config: Config,
  logger: Logger,
  options: { tickNow?: boolean; registry?: Registry } = {},
): Promise<RunningScheduler> {
  await ensureDatabase(config.databaseUrl);
  const database = createDatabase(config.databaseUrl, { max: 4, applicationName: 'msads-etl scheduler' });
  // 'service': reconnects for ever (a Redis restart of any length), a command during an outage fails
  // instead of hanging; the producer role would end the connection after a few retries, for good.
  const producer = createRedis(config.redisUrl, 'service');
  logRedisAvailability(producer, config.redisUrl, logger);
  const blocking = createRedis(config.redisUrl);
  try {
    await runMigrations(database.pool, { enabled: config.reports });
    const { lister, discovery } = await createDiscovery(config, logger);
    const reportQueue = createReportQueue(producer, config.queuePrefix, config.queues.reports);
    const schedulerQueue = createSchedulerQueue(producer, config.queuePrefix, config.queues.scheduler);
    // A Redis outage is logged once by logRedisAvailability; without a listener BullMQ prints every
    // connection error of a queue to stderr.
    for (const queue of [reportQueue, schedulerQueue]) queue.on('error', () => undefined);
    const entityQueue = createReportQueue(producer, config.queuePrefix, ENTITY_QUEUE);
    entityQueue.on('error', () => undefined);
    const deps = { ...tickDeps(config, logger, database.db, lister, discovery, reportQueue), entityQueue, entities: config.entities.enabled };
    await registerNightlySchedule(schedulerQueue, config.schedule);
    const worker = new Worker<TickJobData, TickSummary>(
      config.queues.scheduler,
      async (job: Job<TickJobData>, _token, signal) => {
        logger.info({ jobId: job.id, trigger: job.data.trigger }, 'nightly tick started');
        return runTick({ ...deps, logger: logger.child({ tick: job.id }) }, signal);
      },
      { connection: blocking, prefix: config.queuePrefix, concurrency: 1, lockDuration: config.worker.lockDurationMs, stalledInterval: config.worker.stalledIntervalMs },
    );
    worker.on('error', (err) => logger.error({ err }, 'scheduler worker error'));
    worker.on('failed', (job, err) => logger.error({ jobId: job?.id, err }, 'nightly tick failed'));
    const next = await schedulerQueue.getJobScheduler('nightly');
    logger.info(
      { cron: config.schedule.cron, tz: config.schedule.timeZone, next: next?.next ? new Date(next.next).toISOString() : undefined, prefix: config.queuePrefix },
      'scheduler started',
    );
    if (options.tickNow) logger.info({ jobId: await enqueueTickNow(schedulerQueue, Date.now()) }, 'tick enqueued now');

    const resyncSchedule = async (why: string) => {
      try {
        await registerNightlySchedule(schedulerQueue, config.schedule);
      } catch (err) {
        logger.warn({ err: coerceError(err), why }, 'could not register the nightly schedule; trying again on the next reconnect or pass');
      }
    };
    const settings = reconcileSettings(config);
    const reconcileLogger = logger.child({ component: 'reconciler' });
    const metrics = options.registry ? createReconcileMetrics(options.registry) : undefined;
    // The first pass runs now: runs whose jobs a Redis restart lost while this process was down continue.
    const loop = startReconcileLoop(
      settings.intervalMs,
      async () => {
        await resyncSchedule('reconcile pass');
        return reconcileRuns({
          database,
          reportQueue,
          logger: reconcileLogger,
          attempts: config.worker.attempts,
          graceMs: settings.graceMs,
          abandonAfterMs: settings.abandonAfterMs,
          now: () => Date.now(),
          metrics,
        });
      },
      reconcileLogger,
    );
    // Every 'ready' from here on is a reconnect: Redis may have come back empty (schedule and jobs gone).
    producer.on('ready', () => {
      logger.info('Redis connection ready again: re-registering the nightly schedule and reconciling');
      void resyncSchedule('redis reconnect').then(() => loop.runNow());
    });

    let stopping: Promise<void> | undefined;
    const stop = (graceMs = 30_000) =>
      (stopping ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
        if ((await Promise.race([worker.close().then(() => 'closed' as const), timeout])) === 'timeout') await worker.close(true);
        clearTimeout(timer);
        await loop.stop();
        await Promise.allSettled([reportQueue.close(), schedulerQueue.close(), entityQueue.close()]);
        producer.disconnect();
        blocking.disconnect();
        await database.close();
        logger.info('scheduler stopped');
      })().catch((e: unknown) => logger.error({ err: coerceError(e) }, 'scheduler stop failed')));
    return { worker, reconcileNow: () => loop.runNow(), stop };
  } catch (err) {
    producer.disconnect();
    blocking.disconnect();
    await database.close();
    throw err;
  }
}
