import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createRedis } from '../app/redis.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { createReportQueue, enqueueReport, PRIORITY } from '../jobs/reportQueue.js';
import type { ReportTarget } from '../jobs/reportJobData.js';
import { projectRoot } from '../paths.js';
import { reports } from '../reports/catalog.js';
import { expectedTotals } from '../simulator/generator.js';
import { startSimulator, type SimulatorConnection } from '../simulator/index.js';
import { startRedisServer } from './redisServer.js';

/**
 * `npm run chaos`: a multi-connection backfill against the simulator with faults on, while worker
 * processes are SIGKILLed and restarted and Redis crashes and comes back. At the end every window must
 * hold exactly the simulator's rows: duplicates 0, missing rows 0. Prints the figures.
 *
 * Options: --seconds N (how long to keep killing, default 60), --workers N (default 3).
 */

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CHAOS_SECONDS = option('seconds', 60);
const WORKERS = option('workers', 3);
const CLI = resolve(projectRoot, 'bin/msads-etl.js');

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

async function main(): Promise<void> {
  const started = Date.now();
  const adminUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/msads';
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/msads_chaos_${Date.now()}`;

  const connections: SimulatorConnection[] = [1, 2, 3].map((n) => ({
    connectionId: `chaos-connection-${n}`,
    customerId: String(2_000_000 + n),
    accountIds: [String(160_000_000 + n * 10 + 1), String(160_000_000 + n * 10 + 2)],
  }));
  const sim = await startSimulator({
    nangoSecretKey: 'chaos-nango-secret',
    developerToken: 'chaos-developer-token',
    connections,
    generationMs: 1_500,
  });
  const redis = await startRedisServer();
  await ensureDatabase(dbUrl.toString());
  const database = createDatabase(dbUrl.toString(), { max: 3 });
  await runMigrations(database.pool);

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'chaos',
    NANGO_HOST: sim.urls.nango,
    NANGO_SECRET_KEY: 'chaos-nango-secret',
    MSADS_DEVELOPER_TOKEN: 'chaos-developer-token',
    MSADS_REPORTING_REST_URL: sim.urls.reportingRest,
    MSADS_CUSTOMER_REST_URL: sim.urls.customerRest,
    WORKER_CONCURRENCY: '4',
    LOCK_DURATION_MS: '3000',
    STALLED_INTERVAL_MS: '1000',
    JOB_ATTEMPTS: '8',
    JOB_BACKOFF_MS: '250',
    POLL_INITIAL_MS: '300',
    POLL_MAX_MS: '1500',
    THROTTLE_WAIT_MS: '1000',
    CONCURRENCY_WAIT_MS: '1000',
    // Throttles here are injected at random, not earned by load: keep the slow-down after one short.
    THROTTLE_PENALTY_MS: '5000',
    MSADS_MAX_CONCURRENT_REPORTS: '4',
    LOG_LEVEL: 'warn',
  };

  // The backfill: 60 days per account in 10-day windows, 3 connections × 2 accounts.
  const targets: ReportTarget[] = [];
  for (const c of connections) {
    for (const accountId of c.accountIds) {
      for (let w = 0; w < 6; w++) {
        const from = new Date(Date.UTC(2026, 4, 1 + w * 10)).toISOString().slice(0, 10);
        const to = new Date(Date.UTC(2026, 4, 10 + w * 10)).toISOString().slice(0, 10);
        targets.push({ connectionId: c.connectionId, customerId: c.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', from, to });
      }
    }
  }
  const producer = createRedis(redis.url, 'producer');
  const queue = createReportQueue(producer, 'chaos');
  for (const t of targets) await enqueueReport(queue, t, { attempts: 8, priority: PRIORITY.backfill });
  await queue.close();
  producer.disconnect();
  log(`enqueued ${targets.length} report jobs (3 connections × 2 accounts × 6 windows)`);

  const workers: ChildProcess[] = [];
  const spawnWorker = () => {
    const child = spawn(process.execPath, [CLI, 'worker', '--grace', '5'], { env, stdio: 'ignore' });
    workers.push(child);
    return child;
  };
  for (let i = 0; i < WORKERS; i++) spawnWorker();

  let kills = 0;
  let redisRestarts = 0;
  let faultsArmed = 0;
  let statusErrorsArmed = 0;
  const finishedCount = async () =>
    (await database.pool.query<{ n: number }>(`SELECT count(DISTINCT (account_id, window_start))::int AS n FROM report_runs WHERE status = 'succeeded'`)).rows[0]?.n ?? 0;

  const chaosUntil = Date.now() + CHAOS_SECONDS * 1_000;
  let tick = 0;
  while (Date.now() < chaosUntil) {
    await sleep(1_000);
    tick++;
    // Faults at the simulator: throttles, internal errors, failed reports, expired URLs, slow calls.
    const fault = pick(['throttle', 'internal', 'statusError', 'expireUrl', 'latency', 'html'] as const);
    if (fault === 'throttle') sim.faults.throttleNext += 2;
    if (fault === 'internal') sim.faults.internalErrorNext += 1;
    if (fault === 'statusError') {
      sim.faults.statusErrorNext += 1;
      statusErrorsArmed++;
    }
    if (fault === 'expireUrl') sim.faults.expireDownloadUrls += 1;
    if (fault === 'html') sim.faults.htmlInsteadOfSoap += 1;
    sim.faults.latencyMs = fault === 'latency' ? 300 : 0;
    faultsArmed++;
    if (tick % 4 === 0) {
      const alive = workers.filter((w) => w.exitCode === null && w.signalCode === null);
      const victim = pick(alive);
      if (victim) {
        victim.kill('SIGKILL');
        kills++;
        spawnWorker();
      }
    }
    if (tick % 20 === 0) {
      await redis.kill('SIGKILL');
      await sleep(700);
      await redis.start();
      redisRestarts++;
      log(`redis crashed and restarted (${redisRestarts})`);
    }
    if (tick % 5 === 0) log(`windows done ${await finishedCount()}/${targets.length}, worker kills ${kills}`);
    if ((await finishedCount()) === targets.length) break;
  }
  sim.faults.latencyMs = 0;
  log('chaos over; letting the workers finish');
  const drainUntil = Date.now() + 180_000;
  while ((await finishedCount()) < targets.length && Date.now() < drainUntil) await sleep(500);

  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));

  // The verdict: every window against the generator.
  let missing = 0;
  let extra = 0;
  let expectedRows = 0;
  for (const t of targets) {
    const expected = expectedTotals(sim.generateOptions({ accountId: t.accountId, columns: reports.campaign_performance.columns, aggregation: 'Daily', from: t.from, to: t.to }));
    expectedRows += expected.rows;
    const actual = await database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaign_performance_daily WHERE account_id = $1 AND time_period BETWEEN $2 AND $3`,
      [t.accountId, t.from, t.to],
    );
    const n = actual.rows[0]?.n ?? 0;
    if (n < expected.rows) missing += expected.rows - n;
    if (n > expected.rows) extra += n - expected.rows;
  }
  // The unique key makes an exact copy impossible, so a duplicate shows as a row beyond the expected count.
  const duplicates = extra;
  const ledger = (
    await database.pool.query<{ runs: number; retries: number; failed: number; succeeded: number }>(
      `SELECT count(*)::int AS runs, coalesce(sum(attempt - 1), 0)::int AS retries,
              count(*) FILTER (WHERE status = 'failed')::int AS failed, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded
         FROM report_runs`,
    )
  ).rows[0];
  const wallSeconds = ((Date.now() - started) / 1000).toFixed(1);

  const figures = [
    ['jobs', targets.length],
    ['windows loaded', await finishedCount()],
    ['worker processes', WORKERS],
    ['worker kills (SIGKILL)', kills],
    ['redis crashes + restarts', redisRestarts],
    ['faults armed at the simulator', faultsArmed],
    ['throttles seen (117)', sim.stats.faultsReturned['117'] ?? 0],
    ['other faults returned', Object.entries(sim.stats.faultsReturned).filter(([c]) => c !== '117').reduce((a, [, n]) => a + n, 0)],
    ['reports submitted', sim.stats.submits],
    ['  of which resubmits after Status=Error', `${statusErrorsArmed - sim.faults.statusErrorNext} (by design)`],
    ['retries (attempts beyond the first)', ledger?.retries ?? 0],
    ['ledger runs (succeeded / failed)', `${ledger?.runs ?? 0} (${ledger?.succeeded ?? 0} / ${ledger?.failed ?? 0})`],
    ['rows expected', expectedRows],
    ['duplicates', duplicates],
    ['missing rows', missing],
    ['wall time', `${wallSeconds} s`],
  ] as const;
  process.stdout.write('\nchaos figures\n');
  for (const [k, v] of figures) process.stdout.write(`  ${k.padEnd(38)} ${v}\n`);

  await database.close();
  await sim.close();
  await redis.close();
  const admin = new pg.Client({ connectionString: adminUrl.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbUrl.pathname.slice(1))} WITH (FORCE)`);
  await admin.end();
  if (duplicates > 0 || missing > 0) process.exitCode = 1;
}

await main();
