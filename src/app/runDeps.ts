import { tmpdir } from 'node:os';
import { requireCredentials, type Config } from '../config.js';
import { createDatabase } from '../db/client.js';
import type { ReportRunDeps } from '../jobs/context.js';
import type { Logger } from '../logger.js';
import { cacheTokenSource } from '../nango/tokenCache.js';
import { createNangoTokenSource } from '../nango/tokenSource.js';
import { createReportRegistry } from '../reports/registry.js';
import { noopObserver, type RunObserver } from '../jobs/observer.js';
import type { CallLimiter, LimiterSettings } from '../throttle/limiter.js';
import { createLocalLimiter } from '../throttle/localLimiter.js';
import { createReportingApi, logConfigWarnings } from './msadsClients.js';
import { defaultRunPolicy, type RunPolicy } from '../jobs/runPolicy.js';

/**
 * Builds what a run needs from the configuration. Called once by each process's composition root
 * (worker, run-once, demo); everything below receives these objects, nothing reads the environment.
 */
export async function createRunDeps(
  config: Config,
  logger: Logger,
  options: { limiter?: CallLimiter; observer?: RunObserver } = {},
): Promise<{ deps: ReportRunDeps; close(): Promise<void> }> {
  const { nangoSecretKey, developerToken } = requireCredentials(config);
  logConfigWarnings(config, logger);
  // Loads hold a connection for their transaction; submits and polls take one briefly.
  const database = createDatabase(config.databaseUrl, { max: Math.max(4, Math.min(config.worker.concurrency + 2, config.worker.loadConcurrency + 8)) });
  try {
    const reporting = await createReportingApi(config);
    const tokens = cacheTokenSource(
      createNangoTokenSource({
        secretKey: nangoSecretKey,
        host: config.nango.host,
        integrationId: config.nango.integrationId,
        timeoutMs: Math.min(config.http.timeoutMs, 30_000),
      }),
      { ttlMs: config.nango.tokenCacheMs },
    );
    const deps: ReportRunDeps = {
      database,
      reporting,
      tokens,
      developerToken,
      timeZone: config.msads.reportTimeZone,
      policy: runPolicyOf(config),
      limits: config.limits,
      httpTimeoutMs: config.http.timeoutMs,
      tmpDir: config.tmpDir ?? tmpdir(),
      // Workers share a Redis limiter; a process on its own (run-once) keeps the same limits in memory.
      limiter: options.limiter ?? createLocalLimiter(limiterSettings(config)),
      reports: createReportRegistry(config.customReports),
      observer: options.observer ?? noopObserver,
      logger,
      now: () => Date.now(),
    };
    return { deps, close: () => database.close() };
  } catch (err) {
    await database.close();
    throw err;
  }
}

export function limiterSettings(config: Config): LimiterSettings {
  return {
    callsPerMinute: config.throttle.callsPerMinute,
    maxConcurrentReports: config.throttle.maxConcurrentReports,
    maxConcurrentReportsCeiling: config.throttle.maxConcurrentReportsCeiling,
    penaltyMs: config.throttle.penaltyMs,
    // A pending report renews its slot at every poll; a slot outlives the longest poll wait with margin.
    slotLeaseMs: Math.max(5 * 60_000, config.poll.maxMs * 3),
  };
}

/** The run policy of this deployment: the defaults of src/jobs/runPolicy.ts with the configured caps and waits. */
export function runPolicyOf(config: Config): RunPolicy {
  return {
    ...defaultRunPolicy,
    attempts: config.worker.attempts,
    backoffMs: config.worker.backoffMs,
    maxStalls: config.worker.maxStalls,
    pollDeadlineMs: config.poll.deadlineMs,
    poll: { initialMs: config.poll.initialMs, maxMs: config.poll.maxMs },
    throttleWaits: { callRateMs: config.throttle.callRateWaitMs, concurrencyMs: config.throttle.concurrencyWaitMs },
  };
}
