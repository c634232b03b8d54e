import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reportTimeZoneIanaOf } from '../../src/app/discovery.js';
import { loadConfig } from '../../src/config.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { killAll, plain, runCliGroup } from '../ops/cliGroup.js';

/**
 * `status` as a monitoring check, through the built CLI over a seeded ledger: each connection below
 * stands for one state (never loaded, behind, failing, no access, needs re-authorization, provisional
 * past the lookback, paused, all ok), and the exit code, the table and --json must all say it.
 */

let db: TestDatabase;
const redisPrefix = createTestPrefix('statuscli');
const REPORTS = 'campaign_performance:daily,account_performance:daily';
const today = todayIn(reportTimeZoneIanaOf(loadConfig({})), new Date());
const yesterday = addDays(today, -1);
let env: Record<string, string>;

async function connection(id: string, extra: { health?: 'needs_reauth'; paused?: boolean } = {}) {
  await db.database.pool.query(
    `INSERT INTO connections (connection_id, health, health_reason, health_since, paused_at, paused_reason, last_discovery_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())`,
    [id, extra.health ?? 'ok', extra.health ? 'invalid_credentials' : null, extra.health ? new Date() : null, extra.paused ? new Date() : null, extra.paused ? 'maintenance' : null],
  );
}

async function account(connectionId: string, accountId: number, access: 'ok' | 'no_access' = 'ok') {
  await db.database.pool.query(
    `INSERT INTO accounts (connection_id, account_id, account_name, parent_customer_id, lifecycle_status, access, access_reason)
     VALUES ($1, $2, $3, 1, 'Active', $4, $5)`,
    [connectionId, accountId, `Account ${accountId}`, access, access === 'no_access' ? 'error 106' : null],
  );
}

interface Run {
  report?: string;
  from: string;
  to: string;
  status?: string;
  potentialIncomplete?: boolean;
  errorClass?: string;
  errorMessage?: string;
  finished?: string;
}

async function run(connectionId: string, accountId: number, r: Run): Promise<number> {
  const status = r.status ?? 'succeeded';
  const finished = ['succeeded', 'empty', 'failed'].includes(status);
  const result = await db.database.pool.query<{ id: string }>(
    `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api,
                              potential_incomplete, error_class, error_message, rows, created_at, finished_at)
     VALUES ($1, 1, $2, $3, 'Daily', $4, $5, $6, 'rest', $7, $8, $9, $10, coalesce($11::timestamptz, now()) - interval '1 minute', $12) RETURNING id`,
    [connectionId, accountId, r.report ?? 'campaign_performance', r.from, r.to, status, r.potentialIncomplete ?? false, r.errorClass ?? null, r.errorMessage ?? null,
     status === 'succeeded' ? 10 : null, r.finished ?? null, finished ? (r.finished ?? new Date().toISOString()) : null],
  );
  return Number(result.rows[0]!.id);
}

/** Both reports loaded up to yesterday. */
async function loaded(connectionId: string, accountId: number) {
  await run(connectionId, accountId, { from: addDays(yesterday, -2), to: yesterday });
  await run(connectionId, accountId, { report: 'account_performance', from: addDays(yesterday, -2), to: yesterday });
}

const status = (args: string[], extra: Record<string, string> = {}) => runCliGroup(['status', ...args], { ...env, ...extra });

interface StatusJson {
  exitCode: number;
  summary: Record<string, number>;
  targets: { connectionId: string; accountId: string; report: string; state: string; problems: string[]; behindDays: number | null; inFlight: number }[];
  connections: { connectionId: string; state: string }[];
  queue: { queue: string; waiting: number; workers: number | null } | null;
  inFlight: Record<string, number>;
}

beforeAll(async () => {
  db = await createTestDatabase('statuscli');
  // The report targets' verdicts; the entity part is tested below and in test/entities.
  env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: redisPrefix.prefix, REPORTS, ENTITIES: '' };

  // 10 targets (5 accounts × 2 reports), 2 of them loaded; one more has its first run pending at Microsoft.
  await connection('conn-ten');
  for (const a of [101, 102, 103, 104, 105]) await account('conn-ten', a);
  await loaded('conn-ten', 101);
  await run('conn-ten', 102, { from: yesterday, to: yesterday, status: 'pending' });

  await connection('conn-behind');
  await account('conn-behind', 201);
  await run('conn-behind', 201, { from: addDays(yesterday, -30), to: addDays(yesterday, -23) });
  await run('conn-behind', 201, { report: 'account_performance', from: yesterday, to: yesterday });

  await connection('conn-fail');
  await account('conn-fail', 301);
  await account('conn-fail', 302, 'no_access');
  await loaded('conn-fail', 301);
  await run('conn-fail', 301, { from: yesterday, to: yesterday, status: 'failed', errorClass: 'server', errorMessage: 'Microsoft answered 500' });
  await loaded('conn-fail', 302);

  await connection('conn-reauth', { health: 'needs_reauth' });
  await account('conn-reauth', 401);
  await loaded('conn-reauth', 401);

  // A provisional window 40 days back (LOOKBACK_DAYS 30), never settled: later loads do not cover its last day.
  await connection('conn-prov');
  await account('conn-prov', 501);
  const old = addDays(today, -40);
  await run('conn-prov', 501, { from: addDays(old, -5), to: old, potentialIncomplete: true, finished: new Date(Date.now() - 40 * 86_400_000).toISOString() });
  await loaded('conn-prov', 501);

  await connection('conn-paused', { paused: true });
  await account('conn-paused', 601);

  await connection('conn-ok');
  await account('conn-ok', 701);
  await loaded('conn-ok', 701);
});

afterEach(() => killAll());

afterAll(async () => {
  killAll();
  await redisPrefix.cleanup();
  await db?.drop();
});

describe('status exit codes', () => {
  it('8 of 10 targets never loaded is not "all ok": exit 1, and every never-loaded target is listed', async () => {
    const result = await status(['--connection', 'conn-ten']);
    expect(result.code).toBe(1);
    const out = plain(result.stdout);
    expect(out).toContain('ATTENTION (exit 1): 8 of 10 report target(s) need attention (8 NEVER_LOADED)');
    for (const a of ['102', '103', '104', '105']) {
      expect(out).toMatch(new RegExp(`conn-ten\\s+${a}\\s+Account ${a}\\s+account_performance daily\\s+-\\s+-\\s+-\\s+NEVER_LOADED`));
      expect(out).toMatch(new RegExp(`conn-ten\\s+${a}\\s+Account ${a}\\s+campaign_performance daily\\s+-\\s+-\\s+-\\s+NEVER_LOADED`));
    }
    expect(out).toMatch(/conn-ten\s+101\s+Account 101\s+campaign_performance daily\s+\S+\s+.*up to date\s+ok/);
    // The pending first run is in flight: shown, and still never loaded.
    expect(out).toMatch(/conn-ten\s+102\s+Account 102\s+campaign_performance daily\s+-\s+-\s+-\s+NEVER_LOADED\s+-\s+rest\s+1\s/);
    expect(out).toContain('in flight (ledger): 1 run(s): 1 pending');

    const json = JSON.parse((await status(['--connection', 'conn-ten', '--json'])).stdout) as StatusJson;
    expect(json.exitCode).toBe(1);
    expect(json.summary).toEqual({ targets: 10, ok: 2, NEVER_LOADED: 8 });
    expect(json.targets).toHaveLength(10);
    expect(json.inFlight).toEqual({ pending: 1 });
  });

  it('behind by more than FRESHNESS_MAX_LAG_DAYS fails; a wider lag lets it pass', async () => {
    const result = await status(['--connection', 'conn-behind']);
    expect(result.code).toBe(1);
    expect(plain(result.stdout)).toMatch(/conn-behind\s+201\s+Account 201\s+campaign_performance daily\s+\S+\s+.*\s23d behind\s+BEHIND/);
    const json = JSON.parse((await status(['--connection', 'conn-behind', '--json'])).stdout) as StatusJson;
    expect(json.targets.find((t) => t.report === 'campaign_performance')).toMatchObject({ state: 'BEHIND', behindDays: 23 });
    const wide = await status(['--connection', 'conn-behind'], { FRESHNESS_MAX_LAG_DAYS: '30' });
    expect(wide.code).toBe(0);
    expect(plain(wide.stdout)).toContain('all ok: 2 report target(s) loaded and fresh');
  });

  it('a failing target and an account without access fail it, each named', async () => {
    const result = await status(['--connection', 'conn-fail']);
    expect(result.code).toBe(1);
    const out = plain(result.stdout);
    expect(out).toMatch(/conn-fail\s+301\s+.*campaign_performance daily\s+.*FAILING\s+.*\[server\] Microsoft answered 500/);
    expect(out).toMatch(/conn-fail\s+302\s+.*NO_ACCESS/);
    expect(out).toContain('(1 FAILING, 2 NO_ACCESS)');
  });

  it('a connection needing re-authorization fails, its fresh targets too', async () => {
    const json = JSON.parse((await status(['--connection', 'conn-reauth', '--json'])).stdout) as StatusJson;
    expect(json.exitCode).toBe(1);
    expect(json.connections).toEqual([expect.objectContaining({ connectionId: 'conn-reauth', state: 'NEEDS_REAUTH' })]);
    expect(json.targets.map((t) => t.state)).toEqual(['NEEDS_REAUTH', 'NEEDS_REAUTH']);
  });

  it('a provisional window past the lookback fails; within a longer lookback it does not', async () => {
    const result = await status(['--connection', 'conn-prov']);
    expect(result.code).toBe(1);
    expect(plain(result.stdout)).toMatch(new RegExp(`conn-prov\\s+501\\s+.*campaign_performance daily\\s+.*up to date\\s+PROVISIONAL_EXPIRED\\s+${addDays(today, -40)}`));
    expect((await status(['--connection', 'conn-prov'], { LOOKBACK_DAYS: '60' })).code).toBe(0);
  });

  it('a paused connection is shown and not counted', async () => {
    const result = await status(['--connection', 'conn-paused']);
    expect(result.code).toBe(0);
    const out = plain(result.stdout);
    expect(out).toMatch(/conn-paused\s+ok\s+-\s+paused \S+ ago\s+1\s+\S+ ago\s+maintenance/);
    expect(out).toMatch(/conn-paused\s+601\s+.*paused/);
    expect(out).toContain('all ok: 0 report target(s) loaded and fresh; 2 target(s) of paused connections not counted');
  });

  it('exit 0 when everything is loaded and fresh; exit 1 over all connections', async () => {
    const ok = await status(['--connection', 'conn-ok']);
    expect(ok.code).toBe(0);
    expect(plain(ok.stdout)).toContain('all ok: 2 report target(s) loaded and fresh');
    const all = await status([]);
    expect(all.code).toBe(1);
  });

  it('with ENTITIES set, accounts whose entities were never loaded need attention too', async () => {
    const result = await status(['--connection', 'conn-ok'], { ENTITIES: 'campaigns' });
    expect(result.code).toBe(1);
    const out = plain(result.stdout);
    expect(out).toContain('all ok: 2 report target(s) loaded and fresh');
    expect(out).toMatch(/conn-ok\s+\d+\s+NEVER_LOADED/);
    expect(out).toContain('ATTENTION (exit 1): 1 account(s) with entity loads that need attention (ENTITIES)');
  });

  it('an unknown --connection is a usage error (exit 2) naming the known ones', async () => {
    const result = await status(['--connection', 'conn-typo']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('msads-etl status: --connection conn-typo: no such connection (known: conn-behind, conn-fail, conn-ok, conn-paused, conn-prov, conn-reauth, conn-ten)');
  });

  it('shows the queue: jobs waiting and whether any worker consumes it', async () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('reports', { connection: redis, prefix: redisPrefix.prefix });
    try {
      await queue.add('report', { probe: true });
      await queue.add('report', { probe: true }, { delay: 60_000 });
      const json = JSON.parse((await status(['--connection', 'conn-ok', '--json'])).stdout) as StatusJson;
      expect(json.queue).toMatchObject({ queue: `${redisPrefix.prefix}:reports`, waiting: 1, delayed: 1, workers: 0 });
      const out = plain((await status(['--connection', 'conn-ok'])).stdout);
      expect(out).toContain(`queue ${redisPrefix.prefix}:reports: 1 waiting, 0 running, 1 delayed (backoff or polling), 0 failed; NO WORKER consuming it`);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });

  it('with Redis unreachable it says the queue is unknown and still judges the ledger', async () => {
    const result = await status(['--connection', 'conn-ok'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('queue: unknown (Redis is unreachable at REDIS_URL=redis://127.0.0.1:1');
    const json = JSON.parse((await status(['--connection', 'conn-ok', '--json'], { REDIS_URL: 'redis://127.0.0.1:1' })).stdout) as StatusJson & { queueError: string };
    expect(json.queue).toBeNull();
    expect(json.queueError).toMatch(/Redis is unreachable/);
  });

  it('documents its exit codes in --help', async () => {
    const help = await status(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}every target is ok/);
    expect(help.stdout).toContain('NEVER_LOADED, BEHIND, PROVISIONAL_EXPIRED');
    expect(help.stdout).toContain('Examples:');
  });
});
