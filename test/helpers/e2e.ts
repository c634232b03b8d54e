import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { demoSimulatorOptions, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { Writable } from 'node:stream';
import type { MsAdsApi } from '../../src/ports/msadsApi.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { createTestPrefix, TEST_REDIS_URL } from './redis.js';

/** Everything an end-to-end test needs: a simulator, its own database and its own Redis key prefix. */
export interface E2eEnv {
  sim: Simulator;
  /** The API this environment's configuration uses. */
  api: MsAdsApi;
  simOptions: SimulatorOptions;
  db: TestDatabase;
  prefix: string;
  /** The environment a worker process would be started with. */
  env: Record<string, string>;
  config: Config;
  logs: string[];
  logger: Logger;
  cleanup(): Promise<void>;
}

/**
 * The API the end-to-end suite speaks: REST (the default, as for users) unless a test asks for SOAP, or
 * a wrapper file under test/soap-subset/ sets MSADS_TEST_API=soap before importing a suite.
 */
export function testApi(): MsAdsApi {
  return process.env.MSADS_TEST_API === 'soap' ? 'soap' : 'rest';
}

/** The variables that point one API at the simulator, and only that API's (so no config warning). */
export function apiEnv(sim: Simulator, api: MsAdsApi): Record<string, string> {
  return api === 'soap'
    ? { MSADS_API: 'soap', MSADS_REPORTING_ENDPOINT: sim.urls.reporting, MSADS_CUSTOMER_ENDPOINT: sim.urls.customer }
    : { MSADS_API: 'rest', MSADS_REPORTING_REST_URL: sim.urls.reportingRest, MSADS_CUSTOMER_REST_URL: sim.urls.customerRest };
}

export async function startE2e(label: string, overrides: Partial<SimulatorOptions> = {}, options: { api?: MsAdsApi } = {}): Promise<E2eEnv> {
  const api = options.api ?? testApi();
  const simOptions = { ...demoSimulatorOptions(), generationMs: 300, ...overrides };
  const sim = await startSimulator(simOptions);
  // Over REST a 117 comes as 429 with Retry-After, which the run honours; tests that shorten
  // THROTTLE_WAIT_MS want no longer wait from the header either.
  sim.faults.retryAfterSeconds = 0;
  const db = await createTestDatabase(label);
  const { prefix, cleanup: cleanRedis } = createTestPrefix(label);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    NANGO_HOST: sim.urls.nango,
    NANGO_SECRET_KEY: simOptions.nangoSecretKey,
    MSADS_DEVELOPER_TOKEN: simOptions.developerToken,
    ...apiEnv(sim, api),
    POLL_INITIAL_MS: '100',
    POLL_MAX_MS: '400',
    LOCK_DURATION_MS: '5000',
    STALLED_INTERVAL_MS: '1000',
    LOG_LEVEL: 'info',
    // Tests plan and count jobs: pin the enabled reports instead of following the default set.
    REPORTS: 'campaign_performance:daily',
    // Entity loads have their own tests (test/entities); the report suites count report work only.
    ENTITIES: '',
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  return {
    sim,
    api,
    simOptions,
    db,
    prefix,
    env,
    config: loadConfig(env),
    logs,
    logger,
    async cleanup() {
      await sim.close();
      await db.drop();
      await cleanRedis();
    },
  };
}

/** Per-day sums of a loaded report table, in the shape of expectedTotals(). */
export async function tableTotals(
  env: E2eEnv,
  table: string,
  accountId: string,
): Promise<Map<string, { rows: number; impressions: number; clicks: number; spendCents: number }>> {
  const result = await env.db.database.pool.query<{ day: string; rows: string; impressions: string; clicks: string; spend_cents: string }>(
    `SELECT to_char(time_period, 'YYYY-MM-DD') AS day, count(*) AS rows, sum(impressions) AS impressions,
            sum(clicks) AS clicks, (sum(spend) * 100)::bigint AS spend_cents
       FROM ${table} WHERE account_id = $1 GROUP BY 1 ORDER BY 1`,
    [accountId],
  );
  return new Map(
    result.rows.map((r) => [
      r.day,
      { rows: Number(r.rows), impressions: Number(r.impressions), clicks: Number(r.clicks), spendCents: Number(r.spend_cents) },
    ]),
  );
}
