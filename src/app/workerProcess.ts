import type { Telemetry, Worker } from 'bullmq';
import { requireCredentials, type Config } from '../config.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { guardTokenSource } from '../discovery/healthGuard.js';
import type { RunObserver } from '../jobs/observer.js';
import { createReportQueue } from '../jobs/reportQueue.js';
import { createReportWorker } from '../jobs/reportWorker.js';
import { createSlotWaker } from '../jobs/slotWaker.js';
import { createLoadGate } from '../jobs/loadGate.js';
import { createEntityWorker } from '../entities/entityQueue.js';
import { entityRunDeps } from '../entities/runEntitiesInForeground.js';
import { createRestBulkApi } from '../rest/bulkClient.js';
import type { Logger } from '../logger.js';
import { createRedis, isRedisUnreachable, logRedisAvailability } from './redis.js';
import { postgresUnreachableMessage } from './processOps.js';
import { createRedisLimiter } from '../throttle/redisLimiter.js';
import { createRunDeps, limiterSettings } from './runDeps.js';

export interface RunningWorker {
  worker: Worker;
  /** Stops taking jobs, lets running ones finish within graceMs, then closes everything. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a report worker: migrations (under an advisory lock), then the BullMQ worker. */
export async function startWorkerProcess(
  config: Config,
  logger: Logger,
  options: { observer?: RunObserver; telemetry?: Telemetry | undefined } = {},
): Promise<RunningWorker> {
  // Everything that can fail at start fails before a connection is opened, with one line to act on.
  requireCredentials(config);
  await ensureDatabase(config.databaseUrl).catch((err: unknown) => {
    throw new Error(postgresUnreachableMessage(config.databaseUrl, err), { cause: err });
  });
  // An unreachable Redis is not a reason to stop: the connection retries until it is back (logged once).
  const connection = createRedis(config.redisUrl);
  logRedisAvailability(connection, config.redisUrl, logger);
  // Slots freed by any worker are handed to the next waiting run, whose parked job is woken at once.
  const slotQueue = createReportQueue(connection, config.queuePrefix, config.queues.reports);
  const limiter = createRedisLimiter(connection, config.queuePrefix, limiterSettings(config), {
    onHandover: createSlotWaker(slotQueue),
    onError: (err) => logger.warn({ err }, 'could not wake a job handed a report slot; it wakes by its safety net'),
  });
  let started: Awaited<ReturnType<typeof createRunDeps>> | undefined;
  try {
    started = await createRunDeps(config, logger, { limiter, ...(options.observer ? { observer: options.observer } : {}) });
    await runMigrations(started.deps.database.pool, { reports: started.deps.reports, enabled: config.reports });
  } catch (err) {
    await slotQueue.close().catch(() => undefined);
    connection.disconnect();
    await started?.close();
    throw err;
  }
  const { deps, close } = started;
  // Jobs of a connection marked needs_reauth fail fast with the recorded reason.
  const workerDeps = { ...deps, tokens: guardTokenSource(deps.tokens, deps.database.db), loadGate: createLoadGate(config.worker.loadConcurrency) };
  const worker = createReportWorker(workerDeps, {
    connection,
    queueName: config.queues.reports,
    prefix: config.queuePrefix,
    concurrency: config.worker.concurrency,
    lockDurationMs: config.worker.lockDurationMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
    backoffMs: config.worker.backoffMs,
    telemetry: options.telemetry,
  });
  // Entity jobs (Bulk downloads) on their own queue, a few at a time: one file per account per night.
  const entityWorker =
    config.entities.enabled.length > 0
      ? createEntityWorker(
          entityRunDeps(workerDeps, createRestBulkApi({ baseUrl: config.msads.bulkRestUrl, timeoutMs: config.http.timeoutMs }), {
            pollIntervalMs: config.entities.pollIntervalMs,
            throttleWaitMs: config.entities.throttleWaitMs,
            attempts: config.worker.attempts,
            backoffMs: config.worker.backoffMs,
          }),
          {
            connection,
            prefix: config.queuePrefix,
            concurrency: Math.min(config.worker.loadConcurrency, 2),
            lockDurationMs: config.worker.lockDurationMs,
            stalledIntervalMs: config.worker.stalledIntervalMs,
          },
        )
      : undefined;
  entityWorker?.on('error', (err) => {
    if (!isRedisUnreachable(err, config.redisUrl)) logger.error({ err }, 'entity worker error');
  });
  // BullMQ reports every failed reconnect attempt here; logRedisAvailability has said it once already.
  worker.on('error', (err) => {
    if (!isRedisUnreachable(err, config.redisUrl)) logger.error({ err }, 'worker error');
  });
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled; it will be retried from its last step'));
  logger.info(
    { queue: worker.name, prefix: config.queuePrefix, concurrency: config.worker.concurrency },
    'report worker started',
  );

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 30_000) => {
    stopping ??= (async () => {
      logger.info({ graceMs }, 'stopping: no new jobs; waiting for running jobs');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const result = await Promise.race([Promise.all([worker.close(), entityWorker?.close()]).then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        // Jobs still running are left to the stalled-job check of another worker; their loads roll back.
        logger.warn('grace period over; closing with jobs still running');
        // close(true) still waits for the processor in flight (here: blocked in Postgres), so bound it too.
        await Promise.race([Promise.all([worker.close(true), entityWorker?.close(true)]), new Promise((r) => setTimeout(r, 2_000).unref())]);
      }
      await Promise.race([slotQueue.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
      connection.disconnect();
      // A load still blocked in Postgres keeps its pool client checked out; do not wait for it forever.
      // When the process exits its connection closes and Postgres rolls that transaction back.
      const closed = await Promise.race([close().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2_000).unref())]);
      logger.info({ databaseClosed: closed }, 'worker stopped');
    })();
    return stopping;
  };
  return { worker, stop };
}
