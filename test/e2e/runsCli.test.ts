import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { killAll, plain, runCliGroup } from '../ops/cliGroup.js';

/** `msads-etl runs`: the ledger's run history through the built CLI, each filter, the table and --json. */

let db: TestDatabase;
let env: Record<string, string>;
const ids: Record<string, number> = {};

interface Seed {
  connectionId: string;
  accountId: number;
  report?: string;
  aggregation?: string;
  status: string;
  created: string;
  errorClass?: string;
  errorMessage?: string;
  trackingId?: string;
  attempts?: { outcome: string | null; errorClass?: string; errorMessage?: string }[];
}

async function seed(name: string, s: Seed): Promise<void> {
  const finished = ['succeeded', 'empty', 'failed'].includes(s.status);
  const result = await db.database.pool.query<{ id: string }>(
    `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api,
                              rows, bytes, polls, error_class, error_message, tracking_id, created_at, finished_at)
     VALUES ($1, 1, $2, $3, $4, '2026-03-01', '2026-03-07', $5, 'rest', $6, $7, 3, $8, $9, $10, $11::timestamptz,
             CASE WHEN $12 THEN $11::timestamptz + interval '90 seconds' END) RETURNING id`,
    [s.connectionId, s.accountId, s.report ?? 'campaign_performance', s.aggregation ?? 'Daily', s.status, s.status === 'succeeded' ? 120 : null,
     s.status === 'succeeded' ? 4096 : null, s.errorClass ?? null, s.errorMessage ?? null, s.trackingId ?? null, s.created, finished],
  );
  const id = Number(result.rows[0]!.id);
  ids[name] = id;
  for (const [i, a] of (s.attempts ?? [{ outcome: finished ? s.status : null }]).entries()) {
    await db.database.pool.query(
      `INSERT INTO report_run_attempts (run_id, attempt, started_at, ended_at, outcome, error_class, error_message)
       VALUES ($1, $2, $3::timestamptz + make_interval(secs => $2 * 10), CASE WHEN $4::text IS NULL THEN NULL ELSE $3::timestamptz + make_interval(secs => $2 * 10 + 5) END, $4, $5, $6)`,
      [id, i + 1, s.created, a.outcome, a.errorClass ?? null, a.errorMessage ?? null],
    );
  }
}

const runs = (args: string[]) => runCliGroup(['runs', ...args], env);

interface RunsJson {
  count: number;
  runs: { id: number; connectionId: string; accountId: string; status: string; attempts: { attempt: number; outcome: string | null; errorClass: string | null }[]; trackingId: string | null }[];
}
const idsOf = async (args: string[]) => ((JSON.parse((await runs([...args, '--json'])).stdout) as RunsJson).runs.map((r) => r.id));

beforeAll(async () => {
  db = await createTestDatabase('runscli');
  env = { DATABASE_URL: db.url };
  await db.database.pool.query(`INSERT INTO accounts (connection_id, account_id, account_name, parent_customer_id) VALUES ('conn-a', 11, 'Shoes EU', 1)`);
  await seed('a1', { connectionId: 'conn-a', accountId: 11, status: 'succeeded', created: '2026-03-01T04:00:00Z' });
  await seed('a2', {
    connectionId: 'conn-a',
    accountId: 11,
    status: 'failed',
    created: '2026-03-02T04:00:00Z',
    errorClass: 'auth',
    errorMessage: 'Microsoft refused the token (105)',
    trackingId: 'trk-42',
    attempts: [{ outcome: 'retrying', errorClass: 'server', errorMessage: 'HTTP 500' }, { outcome: 'failed', errorClass: 'auth', errorMessage: 'Microsoft refused the token (105)' }],
  });
  await seed('a3', { connectionId: 'conn-a', accountId: 12, report: 'account_performance', status: 'pending', created: '2026-03-03T04:00:00Z' });
  await seed('b1', { connectionId: 'conn-b', accountId: 21, aggregation: 'Weekly', status: 'succeeded', created: '2026-03-03T23:59:59Z' });
});

afterEach(() => killAll());
afterAll(async () => {
  killAll();
  await db?.drop();
});

describe('runs', () => {
  it('lists every run newest first with status, attempts, rows, bytes, polls, duration, API and error', async () => {
    const result = await runs([]);
    expect(result.code).toBe(0);
    const out = plain(result.stdout);
    expect(out).toMatch(/^RUN\s+CREATED \(UTC\)\s+CONNECTION\s+ACCOUNT\s+REPORT\s+WINDOW\s+STATUS\s+ATTEMPTS\s+ROWS\s+BYTES\s+POLLS\s+DURATION\s+API\s+ERROR/);
    const lines = out.split('\n').filter((l) => /^\d+\s+2026-/.test(l));
    expect(lines.map((l) => Number(l.split(/\s+/)[0]))).toEqual([ids['b1'], ids['a3'], ids['a2'], ids['a1']]);
    expect(out).toMatch(new RegExp(`${ids['a1']}\\s+2026-03-01 04:00:00\\s+conn-a\\s+11\\s+campaign_performance daily\\s+2026-03-01..2026-03-07\\s+succeeded\\s+1\\s+120\\s+4096\\s+3\\s+1m30s\\s+rest\\s+-`));
    expect(out).toMatch(new RegExp(`${ids['a2']}\\s+.*failed\\s+2\\s+-\\s+-\\s+3\\s+1m30s\\s+rest\\s+\\[auth\\] Microsoft refused the token \\(105\\) \\(TrackingId trk-42\\)`));
    expect(out).toContain('4 run(s)');
  });

  it('filters by connection, account, report, aggregation, status and dates', async () => {
    expect(await idsOf(['--connection', 'conn-b'])).toEqual([ids['b1']]);
    expect(await idsOf(['--account', '11'])).toEqual([ids['a2'], ids['a1']]);
    expect(await idsOf(['--report', 'account_performance'])).toEqual([ids['a3']]);
    expect(await idsOf(['--aggregation', 'weekly'])).toEqual([ids['b1']]);
    expect(await idsOf(['--status', 'failed'])).toEqual([ids['a2']]);
    expect(await idsOf(['--status', 'unfinished'])).toEqual([ids['a3']]);
    // --until is inclusive of its day; --since starts at its midnight (UTC).
    expect(await idsOf(['--since', '2026-03-02', '--until', '2026-03-02'])).toEqual([ids['a2']]);
    expect(await idsOf(['--since', '2026-03-03'])).toEqual([ids['b1'], ids['a3']]);
    expect(await idsOf(['--until', '2026-03-03T12:00:00Z'])).toEqual([ids['a3'], ids['a2'], ids['a1']]);
    expect(await idsOf(['--limit', '2'])).toEqual([ids['b1'], ids['a3']]);
    expect(plain((await runs(['--limit', '2'])).stdout)).toContain('2 run(s) (the newest 2; --limit shows more)');
    expect(plain((await runs(['--connection', 'conn-a', '--status', 'empty'])).stdout)).toBe('no runs match\n');
  });

  it('--json carries each run with its attempts; --attempts lists them in the table', async () => {
    const json = JSON.parse((await runs(['--status', 'failed', '--json'])).stdout) as RunsJson;
    expect(json.count).toBe(1);
    expect(json.runs[0]).toMatchObject({ id: ids['a2'], connectionId: 'conn-a', accountId: '11', status: 'failed', trackingId: 'trk-42' });
    expect(json.runs[0]!.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'retrying', errorClass: 'server' }),
      expect.objectContaining({ attempt: 2, outcome: 'failed', errorClass: 'auth' }),
    ]);
    const table = plain((await runs(['--status', 'failed', '--attempts'])).stdout);
    expect(table).toMatch(/attempt 1\s+.*retrying\s+-\s+5s\s+\[server\] HTTP 500/);
    expect(table).toMatch(/attempt 2\s+.*failed\s+-\s+5s\s+\[auth\] Microsoft refused the token/);
  });

  it('bad filters are usage errors (exit 2) naming the option; an unknown connection too', async () => {
    const cases: [string[], RegExp][] = [
      [['--since', 'last week'], /--since "last week" is not a day/],
      [['--limit', '0'], /--limit "0"/],
      [['--status', 'exploded'], /option '--status <status>' argument 'exploded' is invalid/],
      [['--connection', 'conn-zzz'], /--connection conn-zzz: no such connection in the ledger/],
    ];
    for (const [args, message] of cases) {
      const result = await runs(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });
});
