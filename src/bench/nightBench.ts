import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { envSchema } from '../config.js';
import { createReportQueue } from '../jobs/reportQueue.js';
import { projectRoot } from '../paths.js';
import { defaultMetadata } from '../simulator/connections.js';
import { describeGenerationTime, meanGenerationMs, parseGenerationTime, type GenerationTime } from '../simulator/generationTime.js';
import { demoSimulatorOptions, startSimulator, type SimulatorConnection } from '../simulator/index.js';

/**
 * `npm run bench:night -- --connections C --accounts A --reports R --generation MS|lognormal:MEDIAN_MS,SIGMA
 *  --workers K [--concurrent-limit N] [--seconds S]`: an agency's night with the project's own CLI (dist/).
 *
 * Starts the simulator in this process (C connections, each its own customer with A accounts; generation
 * time per report as --generation; Microsoft's hidden per-customer cap --concurrent-limit, default 30,
 * 0 = none), makes a database and a Redis key prefix of its own, runs `migrate`, one `scheduler --once`
 * tick (R reports per account), then K `worker` processes (spawned detached, each in its own process
 * group), and samples once a second until every job has ended (or S seconds, default 3,600). Prints
 * reports/min, wall time against the ideal, pending at Microsoft, polls per report, calls per minute,
 * 207s, worker peak RSS, Redis and Postgres load and event-loop utilisation. Everything it made
 * (workers, simulator, database, Redis keys) is removed at the end, also on Ctrl-C.
 *
 * The ideal: for each customer, its reports ÷ the concurrency Microsoft allows (the cap; without one the
 * client's MSADS_MAX_CONCURRENT_REPORTS_CEILING, else MSADS_MAX_CONCURRENT_REPORTS) rounded up to whole
 * waves × the generation time (log-normal: reports × mean ÷ concurrency), the maximum over customers,
 * plus the mean time to download and load one report (the last one's load cannot overlap anything).
 *
 * The simulator's rows are what the worker loads, and what the simulator must generate on 2 cores: at
 * its default shape (3 campaigns × 2 ad groups × 3 keywords) one account's 10 reports over the 30-day
 * lookback are 3.4 M rows (keyword and search-query hourly 1.5 M each), so the bench defaults to
 * --shape 1,1,1 and --lookback-days 2 (LOOKBACK_DAYS of the tick): about 15 k rows per account. It
 * measures the night's orchestration (slots, polls, calls), the load path has `npm run bench`.
 *
 * Other options: --shape C,G,K, --lookback-days D, --api rest|soap (rest), --concurrency N (WORKER_CONCURRENCY), --seed TEXT,
 * --env NAME=VALUE (repeatable, passed to the tick and the workers), --quiet (no progress lines),
 * --worker-heap MB: the workers' V8 old-space limit (--max-old-space-size), default 192 as the Dockerfile and
 * docker-compose.yml run the worker; 0 = Node's own default (a quarter of the machine's memory, up to 4 GB).
 * --snapshot-at S: a heap snapshot of worker 1 at second S (SIGUSR2, --heapsnapshot-signal) into
 * --snapshot-dir (default a new temporary directory; kept, printed; VmHWM then includes the snapshot).
 * Redis figures are server-wide (the Redis is shared); the ops/s before the run are printed as a baseline.
 */

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string' },
    accounts: { type: 'string' },
    reports: { type: 'string' },
    generation: { type: 'string' },
    workers: { type: 'string' },
    'concurrent-limit': { type: 'string' },
    seconds: { type: 'string' },
    api: { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
    env: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
    shape: { type: 'string' },
    'lookback-days': { type: 'string' },
    'snapshot-at': { type: 'string' },
    'snapshot-dir': { type: 'string' },
    'worker-heap': { type: 'string' },
  },
});

function intArg(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || n < min || n > max) {
    process.stderr.write(`bench:night: --${name} must be an integer ${min}–${max}, got '${value}'\n`);
    process.exit(2);
  }
  return n;
}

const CONNECTIONS = intArg('connections', args.connections, 20, 1, 1_000);
const ACCOUNTS = intArg('accounts', args.accounts, 50, 1, 1_000);
const WORKER_HEAP_MB = intArg('worker-heap', args['worker-heap'], 192, 0, 65_536);
const REPORTS = intArg('reports', args.reports, 10, 1, 10);
const WORKERS = intArg('workers', args.workers, 1, 1, 32);
const CAP = intArg('concurrent-limit', args['concurrent-limit'], 30, 0, 100_000);
const SECONDS = intArg('seconds', args.seconds, 3_600, 1, 86_400);
const SEED = args.seed ?? 'msads-night';
const LOOKBACK_DAYS = intArg('lookback-days', args['lookback-days'], 2, 1, 1_095);
const SHAPE = (() => {
  const parts = (args.shape ?? '1,1,1').split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1 || n > 100)) {
    process.stderr.write(`bench:night: --shape must be CAMPAIGNS,ADGROUPS_PER_CAMPAIGN,KEYWORDS_PER_ADGROUP (1–100 each), got '${args.shape}'\n`);
    process.exit(2);
  }
  return { campaigns: parts[0] as number, adGroupsPerCampaign: parts[1] as number, keywordsPerAdGroup: parts[2] as number };
})();
const SNAPSHOT_AT = args['snapshot-at'] === undefined ? undefined : intArg('snapshot-at', args['snapshot-at'], 0, 1, 86_400);
const API = args.api ?? 'rest';
if (API !== 'rest' && API !== 'soap') {
  process.stderr.write(`bench:night: --api must be rest or soap\n`);
  process.exit(2);
}
let GENERATION: GenerationTime;
try {
  GENERATION = parseGenerationTime(args.generation ?? '60000');
} catch (error) {
  process.stderr.write(`bench:night: --generation: ${(error as Error).message}\n`);
  process.exit(2);
}

// The five nightly defaults, daily and hourly.
const REPORT_SET = ['account_performance', 'campaign_performance', 'ad_group_performance', 'keyword_performance', 'search_query_performance']
  .flatMap((r) => [`${r}:daily`, `${r}:hourly`])
  .slice(0, REPORTS);

const ADMIN_URL = process.env['BENCH_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const CLI = resolve(projectRoot, 'dist/cli.js');
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const log = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => {
  if (!args.quiet) log(line);
};

function simConnections(): SimulatorConnection[] {
  return Array.from({ length: CONNECTIONS }, (_, c) => {
    const connection = {
      connectionId: `night-conn-${c + 1}`,
      customerId: String(3_000_001 + c),
      accountIds: Array.from({ length: ACCOUNTS }, (_, a) => String(180_000_000 + c * 1_000 + a)),
    };
    return { ...connection, metadata: defaultMetadata(connection) };
  });
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => ok(port));
    });
  });
}

// --- /proc: process trees, memory, CPU -------------------------------------------------------------

/** The pid and every descendant of it (npx → sh → node, or node alone). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

interface ProcSample {
  pid: number;
  node: boolean;
  rssMb: number;
  hwmMb: number;
  cpuTicks: number;
}

function procSample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '';
    return { pid, node: name === 'node' || name.startsWith('node'), rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuTicks };
  } catch {
    return undefined;
  }
}

// --- Workers ----------------------------------------------------------------------------------------

interface Worker {
  index: number;
  child: ChildProcess;
  pid: number;
  metricsPort: number;
  exited: Promise<number | null>;
  stderr: string;
  /** Max VmHWM of a node process in the tree, max sampled RSS of the whole tree, CPU ticks per pid. */
  peakNodeHwmMb: number;
  peakTreeRssMb: number;
  cpuByPid: Map<number, number>;
  elu: number[];
  lagP99: number[];
  /** Peaks of the worker's own memory gauges (prom-client defaults), MB: what the RSS is made of. */
  peakHeapTotalMb: number;
  peakExternalMb: number;
}

async function spawnWorker(index: number, env: Record<string, string>, snapshotDir: string | undefined): Promise<Worker> {
  const metricsPort = await freePort();
  const heap = WORKER_HEAP_MB > 0 ? [`--max-old-space-size=${WORKER_HEAP_MB}`] : [];
  const child = spawn(process.execPath, [...heap, ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2'] : []), CLI, 'worker', '--grace', '5'], {
    env: { ...env, METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' },
    // A heap snapshot is written to the working directory.
    cwd: snapshotDir ?? projectRoot,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const worker: Worker = {
    index,
    child,
    pid: child.pid ?? -1,
    metricsPort,
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
    stderr: '',
    peakNodeHwmMb: 0,
    peakTreeRssMb: 0,
    cpuByPid: new Map(),
    elu: [],
    lagP99: [],
    peakHeapTotalMb: 0,
    peakExternalMb: 0,
  };
  child.stderr?.on('data', (c: Buffer) => {
    worker.stderr = (worker.stderr + c.toString('utf8')).slice(-4_000);
  });
  await new Promise<void>((ok, fail) => {
    child.once('spawn', () => {
      worker.pid = child.pid as number;
      ok();
    });
    child.once('error', (error) => fail(new Error(`worker ${index} could not be started: ${error.message}`)));
  });
  return worker;
}

function sampleWorker(w: Worker): void {
  let tree = 0;
  for (const pid of processTree(w.pid)) {
    const s = procSample(pid);
    if (!s) continue;
    tree += s.rssMb;
    if (s.node) w.peakNodeHwmMb = Math.max(w.peakNodeHwmMb, s.hwmMb);
    w.cpuByPid.set(pid, s.cpuTicks);
  }
  w.peakTreeRssMb = Math.max(w.peakTreeRssMb, tree);
}

async function stopWorker(w: Worker): Promise<void> {
  if (w.pid <= 0 || w.child.exitCode !== null || w.child.signalCode !== null) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-w.pid, sig);
    } catch {
      /* group already gone */
    }
  };
  signal('SIGTERM');
  const ended = await Promise.race([w.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  if (!ended) signal('SIGKILL');
  // Whatever the node process left in its group (nothing, normally).
  signal('SIGKILL');
}

/** One scrape of a worker's /metrics: the text, or undefined. */
async function scrape(w: Worker): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`, { signal: AbortSignal.timeout(3_000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** Sum of every sample of a metric (all label sets), or undefined when the metric is absent. */
function metricSum(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

function eluOf(text: string): number | undefined {
  const line = text.split('\n').find((l) => !l.startsWith('#') && /^[a-z_]*event_?loop_?utili[sz]ation[a-z_]*(\{[^}]*\})?\s/i.test(l));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/).pop());
}

// --- Redis, Postgres --------------------------------------------------------------------------------

async function redisInfo(redis: Redis): Promise<{ usedMemory: number; commands: number }> {
  const text = await redis.info();
  const field = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { usedMemory: field('used_memory'), commands: field('total_commands_processed') };
}

async function xactCommit(admin: pg.Client, db: string): Promise<number> {
  const r = await admin.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1', [db]);
  return Number(r.rows[0]?.n ?? NaN);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

// --- The run ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const base = demoSimulatorOptions();
  const conns = simConnections();
  const sim = await startSimulator({ ...base, connections: conns, seed: SEED, generation: GENERATION, concurrentLimit: CAP, shape: SHAPE });
  sim.faults.retryAfterSeconds = 0;
  const tag = randomBytes(4).toString('hex');
  const dbName = `msads_bench_night_${tag}`;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const prefix = `bench-night-${tag}`;
  const extraEnv = Object.fromEntries((args.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    NANGO_HOST: sim.urls.nango,
    NANGO_SECRET_KEY: base.nangoSecretKey,
    MSADS_DEVELOPER_TOKEN: base.developerToken,
    MSADS_API: API,
    MSADS_REPORTING_REST_URL: sim.urls.reportingRest,
    MSADS_CUSTOMER_REST_URL: sim.urls.customerRest,
    MSADS_REPORTING_ENDPOINT: sim.urls.reporting,
    MSADS_CUSTOMER_ENDPOINT: sim.urls.customer,
    MSADS_REPORTING_WSDL: sim.urls.reportingWsdl,
    MSADS_CUSTOMER_WSDL: sim.urls.customerWsdl,
    REPORTS: REPORT_SET.join(','),
    LOOKBACK_DAYS: String(LOOKBACK_DAYS),
    LOG_LEVEL: 'warn',
    NO_COLOR: '1',
    ...(args.concurrency ? { WORKER_CONCURRENCY: args.concurrency } : {}),
    ...extraEnv,
  };
  // SOAP-only variables would be configuration warnings under REST (and the reverse).
  for (const k of API === 'rest' ? ['MSADS_REPORTING_ENDPOINT', 'MSADS_CUSTOMER_ENDPOINT', 'MSADS_REPORTING_WSDL', 'MSADS_CUSTOMER_WSDL'] : ['MSADS_REPORTING_REST_URL', 'MSADS_CUSTOMER_REST_URL']) {
    if (!(k in extraEnv)) delete env[k];
  }
  const clientEnv = envSchema.safeParse(env);
  const clientMax = clientEnv.success ? (clientEnv.data as Record<string, unknown>)['MSADS_MAX_CONCURRENT_REPORTS'] : undefined;
  const clientCeiling = clientEnv.success ? (clientEnv.data as Record<string, unknown>)['MSADS_MAX_CONCURRENT_REPORTS_CEILING'] : undefined;

  const workers: Worker[] = [];
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createReportQueue(redis, prefix);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  // A dropped connection is reported, never an uncaught 'error' event that skips the cleanup.
  admin.on('error', (e) => log(`admin connection: ${e.message}`));
  await admin.connect();
  let pool: pg.Pool | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      // The simulator first: it stops building files, so this process has time for the rest.
      await Promise.all([sim.close().catch(() => undefined), ...workers.map(stopWorker)]);
      await pool?.end().catch(() => undefined);
      await queue.close().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`).catch((e: Error) => log(`cleanup: drop database failed: ${e.message}`));
      await admin.end().catch(() => undefined);
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      log(`cleanup: workers stopped, simulator closed, database ${dbName} dropped, ${deleted} Redis keys under ${prefix}: deleted`);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(
      `bench:night: ${CONNECTIONS} connections (one customer each) × ${ACCOUNTS} accounts × ${REPORT_SET.length} reports = ${CONNECTIONS * ACCOUNTS * REPORT_SET.length} runs; ` +
        `generation ${describeGenerationTime(GENERATION)}; shape ${SHAPE.campaigns},${SHAPE.adGroupsPerCampaign},${SHAPE.keywordsPerAdGroup}, lookback ${env['LOOKBACK_DAYS']} days; simulator cap ${CAP > 0 ? `${CAP} pending per customer` : 'none'}; ${WORKERS} worker(s); API ${API}; ` +
        `client MSADS_MAX_CONCURRENT_REPORTS=${String(clientMax ?? '?')}${clientCeiling !== undefined ? `, CEILING=${String(clientCeiling)}` : ''}; worker heap limit ${WORKER_HEAP_MB > 0 ? `${WORKER_HEAP_MB} MB (--max-old-space-size)` : "Node's default"}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    // Asynchronously: the simulator answers from this process's event loop.
    const run = async (cmd: string[], what: string) => {
      const t = Date.now();
      const child = spawn(process.execPath, [CLI, ...cmd], { env, cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-3_000)));
      const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
      if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${(err || out).slice(-3_000)}`);
      return { out, ms: Date.now() - t };
    };
    const migrate = await run(['migrate'], 'migrate');
    log(`migrate: ${(migrate.ms / 1000).toFixed(1)} s`);
    const tick = await run(['scheduler', '--once'], 'scheduler --once');
    let planned = CONNECTIONS * ACCOUNTS * REPORT_SET.length;
    try {
      const summary = JSON.parse(tick.out) as { jobs?: { planned?: number; added?: number } };
      log(`tick: ${summary.jobs?.added ?? '?'} jobs added of ${summary.jobs?.planned ?? '?'} planned in ${(tick.ms / 1000).toFixed(1)} s`);
      if (typeof summary.jobs?.added === 'number') planned = summary.jobs.added;
    } catch {
      log(`tick: done in ${(tick.ms / 1000).toFixed(1)} s (summary not JSON: ${tick.out.slice(0, 200)})`);
    }
    const queued = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    log(`queue after the tick: ${JSON.stringify(queued)}`);

    // Baselines: Redis is shared, so measure what it does without us for 3 s.
    const r0 = await redisInfo(redis);
    await new Promise((r) => setTimeout(r, 3_000));
    const r1 = await redisInfo(redis);
    const baselineOps = (r1.commands - r0.commands) / 3;
    const stats0 = JSON.parse(JSON.stringify(sim.stats)) as typeof sim.stats;
    const xact0 = await xactCommit(admin, dbName);

    const start = Date.now();
    const snapshotDir = SNAPSHOT_AT === undefined ? undefined : (args['snapshot-dir'] ? (mkdirSync(args['snapshot-dir'], { recursive: true }), args['snapshot-dir']) : mkdtempSync(join(tmpdir(), 'msads-night-heap-')));
    for (let i = 0; i < WORKERS; i++) workers.push(await spawnWorker(i + 1, env, i === 0 ? snapshotDir : undefined));
    pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 1 });
    pool.on('error', (e) => log(`ledger connection: ${e.message}`));
    const pending: number[] = [];
    let peakRedisMemory = r1.usedMemory;
    let ended = false;
    let timedOut = false;
    let ledgerQueries = 0;
    for (let s = 1; ; s++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + s * 1_000 - Date.now())));
      const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
      if (dead) throw new Error(`worker ${dead.index} exited early (${dead.child.exitCode ?? dead.child.signalCode}): ${dead.stderr}`);
      pending.push(sim.stats.pendingRequestIds);
      for (const w of workers) sampleWorker(w);
      if (s % 5 === 0) peakRedisMemory = Math.max(peakRedisMemory, (await redisInfo(redis)).usedMemory);
      if (s % 15 === 0) {
        for (const w of workers) {
          const text = await scrape(w);
          if (!text) continue;
          const elu = eluOf(text);
          if (elu !== undefined && Number.isFinite(elu)) w.elu.push(elu);
          const lag = metricSum(text, 'nodejs_eventloop_lag_p99_seconds');
          if (lag !== undefined) w.lagP99.push(lag);
          w.peakHeapTotalMb = Math.max(w.peakHeapTotalMb, (metricSum(text, 'nodejs_heap_size_total_bytes') ?? 0) / 1e6);
          w.peakExternalMb = Math.max(w.peakExternalMb, (metricSum(text, 'nodejs_external_memory_bytes') ?? 0) / 1e6);
        }
      }
      if (s % 2 === 0) {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'waiting-children');
        const open = Object.values(counts).reduce((a, b) => a + b, 0);
        if (open === 0) ended = true;
        if (s % 30 === 0 || ended) {
          ledgerQueries++;
          const byStatus = await pool.query<{ status: string; n: string }>('SELECT status, count(*)::text AS n FROM report_runs GROUP BY status ORDER BY status');
          const w = workers.map((x) => `${x.peakNodeHwmMb.toFixed(0)}`).join('/');
          progress(
            `t=${s}s pending at Microsoft ${pending.at(-1)}, queue open ${open} ${JSON.stringify(counts)}, runs ${byStatus.rows.map((r) => `${r.status} ${r.n}`).join(', ')}; ` +
              `207s ${(sim.stats.faultsReturned['207'] ?? 0) - (stats0.faultsReturned['207'] ?? 0)}; worker VmHWM ${w} MB`,
          );
        }
      }
      if (SNAPSHOT_AT === s && workers[0]) {
        process.kill(workers[0].pid, 'SIGUSR2');
        progress(`t=${s}s heap snapshot of worker 1 asked for, into ${snapshotDir}`);
      }
      if (ended) break;
      if (s >= SECONDS) {
        timedOut = true;
        break;
      }
    }
    const elapsedMs = Date.now() - start;
    if (snapshotDir) {
      // Writing a snapshot takes a while at this size; wait for the file before the worker stops.
      for (let i = 0; i < 120 && !readdirSync(snapshotDir).some((f) => f.endsWith('.heapsnapshot')); i++) await new Promise((r) => setTimeout(r, 1000));
      log(`heap snapshot(s) in ${snapshotDir}: ${readdirSync(snapshotDir).join(', ') || 'none (the run ended before --snapshot-at)'}`);
    }

    // The figures. Scrape the workers once more before they stop (load time, ELU).
    const scrapes = await Promise.all(workers.map(scrape));
    for (const [i, text] of scrapes.entries()) {
      const w = workers[i] as Worker;
      const elu = text === undefined ? undefined : eluOf(text);
      if (elu !== undefined && Number.isFinite(elu)) w.elu.push(elu);
    }
    const r2 = await redisInfo(redis);
    const xact1 = await xactCommit(admin, dbName);
    const stats1 = sim.stats;
    const ledger = await pool.query<{ finished: string; succeeded: string; empty: string; failed: string; other: string; p50: number | null; p90: number | null; pmax: number | null; submits: string; last: Date | null; first: Date | null; sub_done_p50: number | null }>(
      `SELECT count(*) FILTER (WHERE status IN ('succeeded','empty'))::text AS finished,
              count(*) FILTER (WHERE status = 'succeeded')::text AS succeeded,
              count(*) FILTER (WHERE status = 'empty')::text AS empty,
              count(*) FILTER (WHERE status = 'failed')::text AS failed,
              count(*) FILTER (WHERE status NOT IN ('succeeded','empty','failed'))::text AS other,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY polls) FILTER (WHERE status IN ('succeeded','empty')) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY polls) FILTER (WHERE status IN ('succeeded','empty')) AS p90,
              max(polls) FILTER (WHERE status IN ('succeeded','empty')) AS pmax,
              sum(submits)::text AS submits,
              max(finished_at) AS last, min(created_at) AS first,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - submitted_at)) FILTER (WHERE status IN ('succeeded','empty')) AS sub_done_p50
         FROM report_runs`,
    );
    const L = ledger.rows[0] as NonNullable<(typeof ledger.rows)[0]>;

    // Load time per report: download + load steps, from the workers' own histograms.
    let loadSum = 0;
    let loadCount = 0;
    let downloadSum = 0;
    let downloadCount = 0;
    for (const text of scrapes) {
      if (!text) continue;
      loadSum += metricSum(text, 'msads_load_duration_seconds_sum') ?? 0;
      loadCount += metricSum(text, 'msads_load_duration_seconds_count') ?? 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith('msads_step_duration_seconds_') || !line.includes('step="download"')) continue;
        const v = Number(line.trim().split(/\s+/).pop());
        if (line.startsWith('msads_step_duration_seconds_sum')) downloadSum += v;
        if (line.startsWith('msads_step_duration_seconds_count')) downloadCount += v;
      }
    }
    const loadMs = (loadCount > 0 ? (loadSum / loadCount) * 1000 : 0) + (downloadCount > 0 ? (downloadSum / downloadCount) * 1000 : 0);

    // The ideal.
    const allowed = CAP > 0 ? CAP : Number(clientCeiling ?? clientMax ?? 10);
    const allowedFrom = CAP > 0 ? 'the simulator cap' : clientCeiling !== undefined ? 'MSADS_MAX_CONCURRENT_REPORTS_CEILING' : 'MSADS_MAX_CONCURRENT_REPORTS';
    // Every connection is one customer with the same accounts and reports: the tick's jobs split evenly.
    const counts = Array.from({ length: CONNECTIONS }, () => Math.ceil(planned / CONNECTIONS));
    const perCustomerMs = (n: number) => (GENERATION.kind === 'fixed' ? Math.ceil(n / allowed) * GENERATION.ms : Math.max((n * meanGenerationMs(GENERATION)) / allowed, meanGenerationMs(GENERATION)));
    const idealMs = Math.max(...counts.map(perCustomerMs)) + loadMs;
    // Wall: from the workers' start to the last run's end (or to now when cut off by --seconds).
    const lastEnd = L.last ? L.last.getTime() : start + elapsedMs;
    const wallMs = timedOut ? elapsedMs : Math.max(1, lastEnd - start);
    const minutes = wallMs / 60_000;
    const finished = Number(L.finished);

    const d = (pick: (s: typeof stats0) => number) => pick(stats1) - pick(stats0);
    const msCalls = d((s) => s.requestsByApi.rest + s.requestsByApi.soap);
    const nango = d((s) => s.nangoRequests);
    const s207 = (stats1.faultsReturned['207'] ?? 0) - (stats0.faultsReturned['207'] ?? 0);
    const s117 = (stats1.faultsReturned['117'] ?? 0) - (stats0.faultsReturned['117'] ?? 0);
    const peakPending = Math.max(0, ...pending);
    const avgPending = pending.length > 0 ? pending.reduce((a, b) => a + b, 0) / pending.length : 0;
    const opsPerSec = (r2.commands - r1.commands) / ((Date.now() - start) / 1000);
    const xactPerSec = (xact1 - xact0 - ledgerQueries) / ((Date.now() - start) / 1000);
    const elus = workers.flatMap((w) => w.elu);
    const lags = workers.flatMap((w) => w.lagP99);
    const cpuSec = workers.map((w) => [...w.cpuByPid.values()].reduce((a, b) => a + b, 0) / CLK_TCK);

    const lines = [
      '',
      `=== bench:night ${CONNECTIONS}×${ACCOUNTS}×${REPORT_SET.length}, generation ${describeGenerationTime(GENERATION)}, cap ${CAP || 'none'}, ${WORKERS} worker(s)${timedOut ? `, CUT OFF after ${SECONDS} s` : ''} ===`,
      `runs: ${finished} finished (${L.succeeded} succeeded, ${L.empty} empty), ${L.failed} failed, ${L.other} not ended, of ${planned} jobs; ${L.submits ?? 0} submits`,
      `reports/min: ${fmt(finished / minutes)}`,
      `wall: ${fmt(wallMs / 1000)} s vs ideal ${fmt(idealMs / 1000)} s = ${fmt(wallMs / idealMs, 2)}× ` +
        `(max over ${counts.length} customers of ${Math.max(...counts)} reports ÷ ${allowed} (${allowedFrom}) × ${GENERATION.kind === 'fixed' ? `${GENERATION.ms} ms, whole waves` : `${Math.round(meanGenerationMs(GENERATION))} ms mean`} + load ${fmt(loadMs / 1000, 2)} s per report)` +
        `${timedOut ? ` [cut off: wall is the sampling time; at ${fmt(finished / minutes)} reports/min all ${planned} would take ${fmt((planned / Math.max(1, finished)) * (wallMs / 1000), 0)} s = ${fmt(((planned / Math.max(1, finished)) * wallMs) / idealMs, 2)}× the ideal]` : ''}`,
      `pending at Microsoft: peak ${peakPending}, average ${fmt(avgPending)} (sampled every second)`,
      `submit → done (ledger) p50: ${fmt(L.sub_done_p50 ?? NaN)} s`,
      `polls per report: median ${fmt(L.p50 ?? NaN)}, p90 ${fmt(L.p90 ?? NaN)}, max ${L.pmax ?? 'n/a'}`,
      `Microsoft calls/min: ${fmt(msCalls / minutes)} (${msCalls} calls, of which ${d((s) => s.submits)} accepted submits and ${d((s) => s.polls)} polls; ${d((s) => s.downloads)} downloads besides); Nango calls/min: ${fmt(nango / minutes)} (${nango})`,
      `207 ConcurrentRequestOverLimit: ${s207} (${fmt(s207 / Math.max(1, finished), 2)} per finished report); 117 CallRateExceeded: ${s117}`,
      ...workers.map(
        (w, i) =>
          `worker ${w.index}: peak RSS (VmHWM of its node process) ${fmt(w.peakNodeHwmMb, 0)} MB; peak RSS of its process tree ${fmt(w.peakTreeRssMb, 0)} MB; ` +
          `CPU ${fmt((cpuSec[i] as number) / (elapsedMs / 1000), 2)} cores (utime+stime over wall); ` +
          `peak V8 heap ${fmt(w.peakHeapTotalMb, 0)} MB, external ${fmt(w.peakExternalMb, 0)} MB (scraped every 15 s)`,
      ),
      `Redis: used_memory peak ${mb(peakRedisMemory)} (before ${mb(r1.usedMemory)}, after ${mb(r2.usedMemory)}); ops/s ${fmt(opsPerSec, 0)} (baseline before the run ${fmt(baselineOps, 0)}/s; server-wide), ${fmt(((opsPerSec - baselineOps) * (Date.now() - start)) / 1000 / Math.max(1, finished), 0)} ops per finished report`,
      `Postgres: ${fmt(xactPerSec, 0)} transactions/s (xact_commit delta of ${dbName}, the bench's own ${ledgerQueries} queries taken out)`,
      `event-loop utilisation: ${elus.length > 0 ? `max ${fmt(Math.max(...elus), 2)}, mean ${fmt(elus.reduce((a, b) => a + b, 0) / elus.length, 2)}` : 'n/a (the worker exposes no event-loop utilisation metric)'}` +
        `${lags.length > 0 ? `; event-loop lag p99 max ${fmt(Math.max(...lags) * 1000, 0)} ms (nodejs_eventloop_lag_p99_seconds)` : ''}`,
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ];
    log(lines.join('\n'));
  } finally {
    await cleanup();
  }
}

await main();
