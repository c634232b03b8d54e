import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import { createRedis } from '../app/redis.js';
import { createDatabase, type Database } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { createReportQueue, enqueueReport, PRIORITY } from '../jobs/reportQueue.js';
import { startSimulator } from '../simulator/index.js';
import { CHAOS_CONNECTIONS, planWindows, type PlannedWindow } from './chaosPlan.js';
import { parseChaosArgs, type ChaosProfile } from './chaosProfile.js';
import { createCleanup } from './cleanup.js';
import {
  deployDuringLoad,
  emptyFaultRecord,
  freezeDuringLoad,
  postgresOutage,
  redisCrashLosingEverything,
  redisCrashWithAof,
  startKiller,
  throttleShare,
  type FaultDeps,
} from './faultScript.js';
import { Fleet } from './fleet.js';
import { startPostgresServer } from './postgresServer.js';
import { startRedisServer } from './redisServer.js';
import { FINAL_STATUSES, judge, type Assertion } from './verdict.js';

/**
 * `npm run chaos` (issue 10): a multi-connection backfill of several report types with overlapping
 * windows, run by 3 worker processes and a scheduler process (whose reconciler re-enqueues lost runs)
 * while the fault script runs: SIGKILLed workers, two rolling deploys in the middle of long loads, a
 * worker frozen past its lock, Redis crashing with and without its data, Postgres stopped, 30 % of
 * Microsoft's calls throttled. Then it waits (bounded) for every run to settle and asserts: every window
 * loaded exactly once with exactly the simulator's rows, no duplicates, no run left non-final, every
 * ledger status equal to its job's outcome, at most two submits per window. Exit code 1 otherwise.
 *
 * Options: --short (the CI variant), --seconds N, --workers N, --kills N, --settle-seconds N.
 * Runs its own Postgres (another port, a temp data dir) and Redis; never touches the machine's.
 */

const JOB_ATTEMPTS = 8;
const QUEUE_PREFIX = 'chaos';
const started = Date.now();
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const cleanup = createCleanup(log);

function workerEnv(profile: ChaosProfile, urls: { db: string; redis: string; nango: string; reportingRest: string; customerRest: string }, tmpDir: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    DATABASE_URL: urls.db,
    REDIS_URL: urls.redis,
    QUEUE_PREFIX,
    NANGO_HOST: urls.nango,
    NANGO_SECRET_KEY: 'chaos-nango-secret',
    MSADS_DEVELOPER_TOKEN: 'chaos-developer-token',
    MSADS_REPORTING_REST_URL: urls.reportingRest,
    MSADS_CUSTOMER_REST_URL: urls.customerRest,
    WORKER_CONCURRENCY: '4',
    LOCK_DURATION_MS: String(profile.lockDurationMs),
    STALLED_INTERVAL_MS: String(profile.stalledIntervalMs),
    JOB_ATTEMPTS: String(JOB_ATTEMPTS),
    JOB_BACKOFF_MS: '1000',
    POLL_INITIAL_MS: '300',
    POLL_MAX_MS: '1500',
    HTTP_TIMEOUT_MS: '30000',
    THROTTLE_WAIT_MS: '1000',
    CONCURRENCY_WAIT_MS: '1000',
    // Throttles here are drawn at random, not earned by load: the penalty must not starve the run.
    THROTTLE_PENALTY_MS: '5000',
    MSADS_CALLS_PER_MINUTE: '6000',
    MSADS_MAX_CONCURRENT_REPORTS: '6',
    // The nightly plan must not add windows of its own: a cron that does not fire during the run.
    SCHEDULE_CRON: '0 0 1 1 *',
    // The scheduler's reconciler (lost jobs re-enqueued, runs failed outside the processor ended): every
    // few seconds here instead of every five minutes, so the bounded settle can see its work.
    RECONCILE_INTERVAL_MS: '5000',
    TMP_DIR: tmpDir,
    LOG_LEVEL: 'info',
  };
}

async function enqueueWindows(queue: Queue, windows: readonly PlannedWindow[]): Promise<void> {
  for (const w of windows) await enqueueReport(queue, w.target, { attempts: JOB_ATTEMPTS, priority: PRIORITY.backfill });
}

async function loadedCount(database: Database, planned: readonly PlannedWindow[]): Promise<number> {
  const { rows } = await database.pool.query<{ job_id: string }>(`SELECT DISTINCT job_id FROM report_runs WHERE status IN ('succeeded', 'empty')`);
  const done = new Set(rows.map((r) => r.job_id));
  return planned.filter((w) => done.has(w.jobId)).length;
}

async function nonFinalRuns(database: Database): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM report_runs WHERE status <> ALL($1::text[])`, [FINAL_STATUSES]);
  return rows[0]?.n ?? 0;
}

/** Waits (bounded) until at least n runs are in flight, so the next fault meets work in progress. */
async function waitForOpenRuns(database: Database, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (await nonFinalRuns(database)) < n) await sleep(200);
}

async function unsettledJobs(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
  return Object.values(counts).reduce((a, n) => a + n, 0);
}

async function main(): Promise<number> {
  const profile = parseChaosArgs(process.argv.slice(2));
  const workDir = await mkdtemp(join(tmpdir(), 'msads-chaos-'));
  let keepLogs = true;
  cleanup.add('work dir', async () => (keepLogs ? undefined : rm(workDir, { recursive: true, force: true })));
  log(`chaos (${profile.name}): ${profile.workers} workers + scheduler, ${profile.kills} kills over ${profile.seconds} s, Postgres down ${profile.postgresDownMs / 1000} s; logs in ${workDir}`);

  const postgres = await startPostgresServer();
  cleanup.add('postgres', () => postgres.close(), () => postgres.killNow());
  const sim = await startSimulator({ nangoSecretKey: 'chaos-nango-secret', developerToken: 'chaos-developer-token', connections: CHAOS_CONNECTIONS, generationMs: 1_500 });
  cleanup.add('simulator', () => sim.close());
  // REST 429s say how long to wait; keep it at the throttle wait instead of Microsoft's 60 s.
  sim.faults.retryAfterSeconds = 1;
  const redis = await startRedisServer();
  cleanup.add('redis', () => redis.close(), () => redis.killNow());

  const dbUrl = postgres.url('msads_chaos');
  await ensureDatabase(dbUrl);
  const database = createDatabase(dbUrl, { max: 4, applicationName: 'msads-etl chaos' });
  cleanup.add('database pool', () => database.close());
  await runMigrations(database.pool);
  const queueConnection = createRedis(redis.url, 'service');
  const queue = createReportQueue(queueConnection, QUEUE_PREFIX);
  // Redis goes away on purpose; the connection reconnects, and the run's own reads retry.
  queue.on('error', () => undefined);
  cleanup.add('queue', async () => {
    await queue.close();
    queueConnection.disconnect();
  });

  const env = workerEnv(profile, { db: dbUrl, redis: redis.url, nango: sim.urls.nango, reportingRest: sim.urls.reportingRest, customerRest: sim.urls.customerRest }, workDir);
  const fleet = new Fleet({ env, logDir: workDir, workers: profile.workers, graceSeconds: profile.graceSeconds });
  cleanup.add('workers and scheduler', () => fleet.stop(), () => fleet.killNow());
  fleet.start();

  const waves = 4;
  const planned = planWindows(sim, { windows: profile.windows, windowDays: profile.windowDays, waves, firstDay: '2026-06-01' });
  const enqueued = new Set<string>();
  const enqueueWave = async (wave: number) => {
    const windows = planned.filter((w) => w.wave === wave);
    await enqueueWindows(queue, windows);
    for (const w of windows) enqueued.add(w.jobId);
    log(`enqueued wave ${wave + 1}/${waves}: ${windows.length} windows (${enqueued.size}/${planned.length})`);
  };

  const record = emptyFaultRecord();
  const tables = [...new Set(planned.map((w) => w.table))];
  // Report tables are made for the enabled reports (or by their first load); the fault script locks
  // them before any load, so make the planned ones now.
  const enabled = new Map(planned.map((w) => [w.table, { report: w.target.report, aggregation: w.target.aggregation }]));
  await runMigrations(database.pool, { enabled: [...enabled.values()] });
  const deps: FaultDeps = { profile, fleet, pool: database.pool, redis, postgres, faults: sim.faults, tables, record, log };
  const progress = setInterval(() => {
    void Promise.all([loadedCount(database, planned), nonFinalRuns(database)])
      .then(([loaded, open]) => log(`windows loaded ${loaded}/${planned.length}, runs open ${open}, kills ${record.kills}, workers alive ${fleet.liveWorkers().length}`))
      .catch(() => log(`(ledger unreachable) kills ${record.kills}, workers alive ${fleet.liveWorkers().length}`));
  }, 10_000);
  cleanup.add('progress', async () => clearInterval(progress));

  // --- the fault script ---
  const throttling = throttleShare(sim.faults, profile.throttleShare);
  await enqueueWave(0);
  const killer = startKiller(deps);
  await deployDuringLoad(deps, Math.round(profile.graceSeconds * 400));
  await redisCrashWithAof(deps);
  await enqueueWave(1);
  await waitForOpenRuns(database, 5, 20_000);
  // Early in the script: the reconciler leaves runs alone for a while after their last write (its
  // grace), so the runs Redis loses must have time to come back before the faults end.
  const openAtWipe = await nonFinalRuns(database);
  const wipeAt = await redisCrashLosingEverything(deps);
  const enqueuedBeforeWipe = new Set(enqueued);
  // The operator's part after Redis lost everything: windows that left no trace in the ledger (never
  // started) are planned again; windows with a run are the reconciler's to recover.
  const withRuns = new Set((await database.pool.query<{ job_id: string }>('SELECT DISTINCT job_id FROM report_runs WHERE job_id IS NOT NULL')).rows.map((r) => r.job_id));
  const replanned = planned.filter((w) => enqueued.has(w.jobId) && !withRuns.has(w.jobId));
  await enqueueWindows(queue, replanned);
  log(`operator: re-enqueued ${replanned.length} windows that had no run when Redis lost everything`);
  await enqueueWave(2);
  await freezeDuringLoad(deps);
  await waitForOpenRuns(database, 5, 20_000);
  await postgresOutage(deps);
  await enqueueWave(3);
  await deployDuringLoad(deps, (profile.graceSeconds + 10) * 1_000);
  await killer.done;
  const throttleFigures = { throttled: sim.stats.faultsReturned['117'] ?? 0, calls: sim.stats.submits + sim.stats.polls + Object.values(sim.stats.faultsReturned).reduce((a, n) => a + n, 0) };
  throttling.stop();
  const faultsEndedAt = Date.now();
  log(`faults over after ${((faultsEndedAt - started) / 1000).toFixed(0)} s; waiting up to ${profile.settleMs / 1000} s for every run to settle`);

  // --- settle: no job left to run and no run left open, for a few polls in a row ---
  let settledFor = 0;
  while (Date.now() - faultsEndedAt < profile.settleMs && settledFor < 3) {
    await sleep(1_000);
    try {
      settledFor = (await unsettledJobs(queue)) === 0 && (await nonFinalRuns(database)) === 0 ? settledFor + 1 : 0;
    } catch {
      settledFor = 0;
    }
  }
  const settled = settledFor >= 3;
  const settleSeconds = (Date.now() - faultsEndedAt) / 1000;
  log(settled ? `settled after ${settleSeconds.toFixed(0)} s` : `did not settle within ${profile.settleMs / 1000} s`);
  clearInterval(progress);

  // --- verdict ---
  const verdict = await judge({ pool: database.pool, queue, planned, submitsByWindow: sim.stats.submitsByWindow, wipe: { at: wipeAt, enqueuedBefore: enqueuedBeforeWipe } });
  const ledger = (await database.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM report_runs GROUP BY 1 ORDER BY 1')).rows;
  const deploysOk = record.deploys.filter((d) => d.duringLoad && d.exitMs !== undefined);
  const script: Assertion = {
    name: 'every fault of the script happened',
    ok:
      record.kills >= profile.kills &&
      deploysOk.length === 2 &&
      record.freezes.some((f) => f.duringLoad && f.ms > profile.lockDurationMs) &&
      record.redisWipes.length === 1 &&
      record.redisAofRestarts === 1 &&
      record.postgresOutagesMs.length === 1 &&
      (record.postgresOutagesMs[0] ?? 0) >= profile.postgresDownMs &&
      throttleFigures.throttled > 0,
    detail: `kills ${record.kills}/${profile.kills}, deploys mid-load ${deploysOk.length}/2, freeze mid-load ${record.freezes.filter((f) => f.duringLoad).length}/1, redis wipes ${record.redisWipes.length}/1, redis AOF restarts ${record.redisAofRestarts}/1, postgres outages ${record.postgresOutagesMs.length}/1`,
  };
  const assertions = [script, ...verdict.assertions];
  const f = verdict.figures;
  const figures: [string, string | number][] = [
    ['profile', profile.name],
    ['windows planned (connections × accounts × reports × windows)', `${planned.length} (3 × 2 × ${tables.length} × ${profile.windows}, ${profile.windowDays}-day windows)`],
    ['windows loaded exactly once, exact rows', `${f.windowsLoaded}/${planned.length}`],
    ['rows expected / in the windows', `${f.rowsExpected} / ${f.rowsLoaded}`],
    ['duplicate rows', f.duplicateRows],
    ['runs left non-final', f.nonFinalRuns],
    ['ledger runs by status', ledger.map((r) => `${r.status} ${r.n}`).join(', ')],
    ['worker SIGKILLs', record.kills],
    ['deploys (SIGTERM mid-load → exit)', record.deploys.map((d) => (d.duringLoad ? `held ${d.holdMs} ms → ${d.exitMs === undefined ? 'no exit' : `exit ${d.exitCode} after ${d.exitMs} ms`}` : 'no load found')).join('; ')],
    ['frozen worker (SIGSTOP → stalls seen)', record.freezes.map((z) => (z.duringLoad ? `${z.ms} ms → ${z.stallsSeen}` : 'no load found')).join('; ')],
    ['redis crashes (AOF / data lost)', `${record.redisAofRestarts} / ${record.redisWipes.length}`],
    ['postgres outages', record.postgresOutagesMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')],
    ['Redis data loss: runs open / finished records lost / re-enqueued', `${openAtWipe} / ${f.lostInWipe} / ${replanned.length} (windows without a run)`],
    ['throttled Reporting calls', `${throttleFigures.throttled} of ≈${throttleFigures.calls} (${((100 * throttleFigures.throttled) / Math.max(1, throttleFigures.calls)).toFixed(0)} %)`],
    ['other simulator faults armed', record.sprinkled],
    ['worker processes started / unexpected exits', `${fleet.figures.workersStarted} / ${fleet.figures.unexpectedExits.worker} (scheduler ${fleet.figures.unexpectedExits.scheduler})`],
    ['submits per window (max / mean)', `${f.submitsMax} / ${f.submitsMean.toFixed(2)}`],
    ['reports submitted / downloads', `${sim.stats.submits} / ${sim.stats.downloads}`],
    ['settled', settled ? `yes, ${settleSeconds.toFixed(0)} s after the faults` : `no, after ${settleSeconds.toFixed(0)} s`],
    ['duration', `${((Date.now() - started) / 1000).toFixed(0)} s`],
  ];
  process.stdout.write('\nchaos figures\n');
  for (const [k, v] of figures) process.stdout.write(`  ${k.padEnd(58)} ${v}\n`);
  process.stdout.write('\nchaos assertions\n');
  for (const a of assertions) process.stdout.write(`  ${a.ok ? 'PASS' : 'FAIL'} ${a.name}: ${a.detail}\n`);
  const failed = assertions.filter((a) => !a.ok).length;
  process.stdout.write(failed === 0 ? '\nchaos: PASSED\n' : `\nchaos: FAILED (${failed} of ${assertions.length} assertions; logs kept in ${workDir})\n`);
  keepLogs = failed > 0;
  await cleanup.run();
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanup.run();
    process.exit(2);
  },
);
