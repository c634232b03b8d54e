import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportTimeZoneIanaOf } from '../../src/app/discovery.js';
import { createRedis } from '../../src/app/redis.js';
import { runTickOnce } from '../../src/app/schedulerProcess.js';
import { loadConfig } from '../../src/config.js';
import { listPausedConnections, pauseConnection, resumeConnection } from '../../src/db/connectionPause.js';
import { escapeHtml, html } from '../../src/dashboard/html.js';
import { backPath, parseRunFilter, type OperatorDeps } from '../../src/dashboard/operatorRoutes.js';
import { startOpsServer, type OpsServer } from '../../src/dashboard/server.js';
import { reportJobId } from '../../src/jobs/reportJobData.js';
import { PRIORITY } from '../../src/jobs/reportQueue.js';
import { createLogger } from '../../src/logger.js';
import { createReportRegistry } from '../../src/reports/registry.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { plannedReport } from '../../src/schedule/enabledReports.js';
import { planBackfill } from '../../src/schedule/planner.js';
import { Secret } from '../../src/secret.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * The operator page over a real ledger (its own database) and a real queue (its own Redis prefix):
 * what it shows (connections, accounts, freshness, failures with reason and TrackingId, every value
 * escaped, no secret), the run history's filters and pages, its actions (re-run, backfill through the
 * backfill planner, pause/resume) behind the credentials and the Origin check, and the nightly tick
 * skipping a paused connection.
 */

const HOSTILE = `<script>alert("x")</script>&'"\`<img src=x onerror=alert(1)>`;

describe('escapeHtml and html``', () => {
  it('escapes every character that can open markup or leave an attribute', () => {
    expect(escapeHtml(HOSTILE)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;&#96;&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml('"><svg onload=alert(1)>')).not.toMatch(/[<>"]/);
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('escapes interpolated values, joins arrays, keeps nested html as markup', () => {
    const out = html`<a title="${HOSTILE}">${[HOSTILE, html`<b>${'<i>'}</b>`]}</a>${null}${false}${undefined}`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('<b>&lt;i&gt;</b>');
    expect(out.startsWith('<a title="&lt;script&gt;')).toBe(true);
    expect(out.endsWith('</a>')).toBe(true);
  });

  it('back paths stay on this server', () => {
    expect(backPath('/runs/3', '/')).toBe('/runs/3');
    expect(backPath('/#targets', '/x')).toBe('/#targets');
    for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/a b', 42, undefined]) expect(backPath(bad, '/fallback')).toBe('/fallback');
  });

  it('run filters keep only what they understand', () => {
    expect(parseRunFilter({ status: 'failed', aggregation: 'daily', from: '2026-10-01', to: 'soon', date: 'finished', account: ' 12 ' })).toEqual({
      connection: undefined,
      account: '12',
      report: undefined,
      aggregation: 'Daily',
      status: 'failed',
      from: '2026-10-01',
      to: undefined,
      dateField: 'finished',
    });
    expect(parseRunFilter({ status: 'DROP TABLE' }).status).toBeUndefined();
  });
});

const PASSWORD = 'operator-page-secret-password';
const auth = `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`;
const logger = createLogger({ level: 'silent' });
const REGISTRY = createReportRegistry([]);

let db: TestDatabase;
let prefix: ReturnType<typeof createTestPrefix>;
let connection: Redis;
let queue: Queue;
let server: OpsServer;
let failedRunId: number;
let okRunId: number;
const today = todayIn('UTC', new Date());

async function seed(): Promise<void> {
  const q = (text: string, values: unknown[] = []) => db.database.pool.query(text, values);
  await q(`INSERT INTO connections (connection_id, health) VALUES ('conn-a', 'ok')`);
  await q(`INSERT INTO connections (connection_id, health, health_reason, health_since) VALUES ('conn-b', 'needs_reauth', 'Nango: invalid_credentials', now())`);
  await q(
    `INSERT INTO accounts (connection_id, account_id, account_number, account_name, parent_customer_id, currency_code, lifecycle_status)
     VALUES ('conn-a', 1001, 'F100A1', $1, 500, 'EUR', 'Active'), ('conn-a', 1002, 'F100A2', 'Second account', 500, 'USD', 'Active'),
            ('conn-b', 2001, 'F200B1', 'Bee account', 600, 'GBP', 'Active')`,
    [HOSTILE],
  );
  const run = async (account: number, status: string, from: string, to: string, extra: Record<string, unknown> = {}) => {
    const cols = ['connection_id', 'customer_id', 'account_id', 'report', 'aggregation', 'window_start', 'window_end', 'status', 'api', 'job_id', 'finished_at', ...Object.keys(extra)];
    const values = ['conn-a', 500, account, 'campaign_performance', 'Daily', from, to, status, 'rest', `report|conn-a|${account}|campaign_performance|daily|${from}|${to}`, new Date(), ...Object.values(extra)];
    const r = await q(`INSERT INTO report_runs (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, values);
    return Number(r.rows[0].id);
  };
  okRunId = await run(1001, 'succeeded', addDays(today, -6), addDays(today, -4), { rows: 1234, bytes: 56789, polls: 3, potential_incomplete: true });
  failedRunId = await run(1001, 'failed', addDays(today, -3), addDays(today, -1), {
    error_class: 'permanent',
    error_name: 'ColumnsMismatch',
    error_message: `the file's columns differ: ${HOSTILE}`,
    tracking_id: 'track-1234-abcd',
    polls: 2,
  });
  await q(`INSERT INTO report_run_attempts (run_id, attempt, outcome, error_class, error_message, tracking_id, ended_at) VALUES ($1, 1, 'failed', 'permanent', 'columns differ', 'track-1234-abcd', now())`, [failedRunId]);
  // Many runs of the second account, for the pages.
  for (let i = 0; i < 55; i++) await run(1002, 'succeeded', addDays(today, -200 + i), addDays(today, -200 + i), { rows: i });
}

function deps(): OperatorDeps {
  return {
    db: db.database.db,
    reportQueue: queue,
    attempts: 2,
    registry: REGISTRY,
    enabled: [plannedReport(REGISTRY, 'campaign_performance', 'Daily'), plannedReport(REGISTRY, 'account_performance', 'Daily')],
    accountFilter: { includeIds: undefined, excludeIds: [], namePattern: undefined, statuses: ['Active'] },
    timeZone: 'UTC',
    maxLagDays: 2,
    logger,
    now: () => new Date(),
  };
}

beforeAll(async () => {
  db = await createTestDatabase('operator_page');
  prefix = createTestPrefix('operator');
  connection = createRedis(TEST_REDIS_URL, 'service');
  queue = new Queue('reports', { connection, prefix: prefix.prefix });
  await seed();
  server = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    credentials: { user: 'ops', password: new Secret(PASSWORD), token: undefined },
    registry: new Registry(),
    readiness: {},
    queues: [queue],
    operator: deps(),
    logger,
  });
});

afterAll(async () => {
  await server?.close();
  await queue?.close();
  connection?.disconnect();
  await prefix?.cleanup();
  await db?.drop();
});

const get = (path: string, headers: Record<string, string> = { authorization: auth }) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: auth, origin: server.url, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });

/** Follows a 303 to the page it names (with its flash), returning that page's text. */
async function follow(answer: Response): Promise<string> {
  expect(answer.status).toBe(303);
  const location = answer.headers.get('location') ?? '';
  expect(location).toMatch(/^\/[^/]/);
  expect(location).toContain('flash=');
  const page = await get(location);
  expect(page.status).toBe(200);
  return page.text();
}

describe('operator page', () => {
  it('needs the credentials', async () => {
    for (const path of ['/', '/runs', `/runs/${failedRunId}`]) {
      const answer = await get(path, {});
      expect(answer.status, path).toBe(401);
      expect(await answer.text()).not.toContain('conn-a');
    }
    const refused = await post(`/runs/${failedRunId}/rerun`, {}, { authorization: '' });
    expect(refused.status).toBe(401);
  });

  it('shows connections, accounts, freshness and the last failure with its reason and TrackingId, all escaped', async () => {
    const answer = await get('/');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await answer.text();
    expect(body).toContain('conn-a');
    expect(body).toContain('conn-b');
    expect(body).toContain('needs_reauth');
    expect(body).toContain('Nango: invalid_credentials');
    for (const text of ['F100A2', 'Second account', 'USD', 'Bee account', 'GBP']) expect(body).toContain(text);
    // The failure: class, name, message, TrackingId, its window, its run and its job in Bull Board.
    expect(body).toContain('ColumnsMismatch');
    expect(body).toContain('track-1234-abcd');
    expect(body).toContain(`/runs/${failedRunId}/rerun`);
    expect(body).toContain(`/queues/queue/reports/${encodeURIComponent(`report|conn-a|1001|campaign_performance|daily|${addDays(today, -3)}|${addDays(today, -1)}`)}`);
    // Freshness and the provisional window of the good run.
    expect(body).toContain(`${addDays(today, -6)}..${addDays(today, -4)}`);
    expect(body).toMatch(/1 window\(s\)/);
    // Enabled targets with no run yet are shown, not hidden.
    expect(body).toMatch(/never loaded/);
    expect(body).toContain('account_performance');
    // Nothing hostile comes through as markup; no secret is rendered.
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('<img src=x');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(body).not.toContain(PASSWORD);
    expect(body).not.toMatch(/<script/i);
  });

  it('run history filters by status, account, report and dates, and pages', async () => {
    const failed = await (await get('/runs?status=failed')).text();
    expect(failed).toContain(`#${failedRunId}`);
    expect(failed).not.toContain(`#${okRunId}<`);
    expect(failed).toMatch(/1–1 of 1 run\(s\)/);
    expect(failed).toContain('<option value="failed" selected>');

    const all = await (await get('/runs')).text();
    expect(all).toMatch(/1–50 of 57 run\(s\)/);
    expect(all).toContain('rel="next"');
    const second = await (await get('/runs?page=2')).text();
    expect(second).toMatch(/51–57 of 57 run\(s\)/);

    const account = await (await get('/runs?account=1001&connection=conn-a&report=campaign_performance&aggregation=daily')).text();
    expect(account).toMatch(/1–2 of 2 run\(s\)/);
    const window = await (await get(`/runs?from=${addDays(today, -5)}&to=${addDays(today, -5)}`)).text();
    expect(window).toMatch(/1–1 of 1 run\(s\)/);
    expect(window).toContain(`#${okRunId}`);
    const finished = await (await get(`/runs?date=finished&from=${addDays(today, 1)}`)).text();
    expect(finished).toContain('No run matches.');
    // Hostile filter values are shown escaped and match nothing.
    const hostile = await (await get(`/runs?account=${encodeURIComponent(HOSTILE)}&connection=${encodeURIComponent(HOSTILE)}`)).text();
    expect(hostile).not.toContain('<script>alert');
  });

  it('a run shows every attempt', async () => {
    const body = await (await get(`/runs/${failedRunId}`)).text();
    expect(body).toContain('Attempts');
    expect(body).toContain('columns differ');
    expect(body).toContain('track-1234-abcd');
    expect((await get('/runs/999999')).status).toBe(404);
    expect((await get('/runs/abc')).status).toBe(404);
  });

  it('re-run: refused from another site; enqueues the window at manual priority; a second one says it is queued', async () => {
    const foreign = await post(`/runs/${failedRunId}/rerun`, {}, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const jobId = reportJobId({ connectionId: 'conn-a', customerId: '500', accountId: '1001', report: 'campaign_performance', aggregation: 'Daily', from: addDays(today, -3), to: addDays(today, -1) });
    expect(await queue.getJob(jobId)).toBeUndefined();

    const page = await follow(await post(`/runs/${failedRunId}/rerun`, { back: `/runs?status=failed` }));
    expect(page).toContain(`enqueued as job ${escapeHtml(jobId)}`);
    const job = await queue.getJob(jobId);
    expect(job?.data).toMatchObject({ connectionId: 'conn-a', customerId: '500', accountId: '1001', from: addDays(today, -3), to: addDays(today, -1) });
    expect(job?.opts.priority).toBe(PRIORITY.manual);
    expect(job?.opts.attempts).toBe(2);

    const again = await follow(await post(`/runs/${failedRunId}/rerun`, { back: '//evil.example/' }));
    expect(again).toContain('already waiting or running');
    // The flash is shown once.
    expect(await (await get(`/runs/${failedRunId}`)).text()).not.toContain('already waiting');
    await job?.remove();
  });

  it('backfill plans with the backfill planner and enqueues at backfill priority; bad input is refused with why', async () => {
    const from = addDays(today, -40);
    const to = addDays(today, -1);
    const page = await follow(await post('/actions/backfill', { connection: 'conn-a', account: '', report: 'campaign_performance', aggregation: 'daily', from, to, windowDays: '' }));
    const expected = planBackfill({
      today,
      from,
      to,
      accounts: [
        { connectionId: 'conn-a', accountId: '1001', customerId: '500' },
        { connectionId: 'conn-a', accountId: '1002', customerId: '500' },
      ],
      reports: [plannedReport(REGISTRY, 'campaign_performance', 'Daily')],
    }).jobs;
    expect(page).toContain(`enqueued ${expected.length} window(s) for 2 account(s)`);
    for (const target of expected) {
      const job = await queue.getJob(reportJobId(target));
      expect(job?.opts.priority, reportJobId(target)).toBe(PRIORITY.backfill);
    }
    await queue.obliterate({ force: true });

    const refused = await follow(await post('/actions/backfill', { connection: 'conn-a', report: 'campaign_performance', from: to, to: from }));
    expect(refused).toMatch(/Backfill not enqueued: from .* is after to/);
    const unknown = await follow(await post('/actions/backfill', { connection: HOSTILE, report: 'all', from, to }));
    expect(unknown).toContain('no connection &lt;script&gt;');
    expect(unknown).not.toContain('<script>alert');
    const badAccount = await follow(await post('/actions/backfill', { connection: 'conn-a', account: '2001', report: 'all', from, to }));
    expect(badAccount).toContain('account 2001 is not among the accounts discovered for conn-a');
    const reauth = await follow(await post('/actions/backfill', { connection: 'conn-b', report: 'all', from: to, to }));
    expect(reauth).toContain('needs re-authorization');
    expect((await queue.getJobCounts('prioritized')).prioritized).toBeGreaterThan(0);
    await queue.obliterate({ force: true });
    expect((await post('/actions/backfill', { connection: 'conn-a' }, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('pause and resume write the ledger and the page shows it', async () => {
    expect((await post('/connections/conn-a/pause', { reason: 'billing review' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await listPausedConnections(db.database.db)).toEqual([]);

    const paused = await follow(await post('/connections/conn-a/pause', { reason: `billing ${HOSTILE}` }));
    expect(paused).toContain('conn-a paused');
    expect(paused).toContain('/connections/conn-a/resume');
    expect(paused).not.toContain('<script>alert');
    const [row] = await listPausedConnections(db.database.db);
    expect(row).toMatchObject({ connectionId: 'conn-a', reason: `billing ${HOSTILE}` });

    const resumed = await follow(await post('/connections/conn-a/resume', {}));
    expect(resumed).toContain('conn-a resumed');
    expect(await listPausedConnections(db.database.db)).toEqual([]);

    const unknown = await follow(await post('/connections/nope/pause', {}));
    expect(unknown).toContain('No connection nope');
  });

  it('pause keeps its first time; unknown connections are not created', async () => {
    expect(await pauseConnection(db.database.db, 'conn-b', 'first')).toBe(true);
    const [first] = await listPausedConnections(db.database.db, ['conn-b']);
    expect(await pauseConnection(db.database.db, 'conn-b', '  ')).toBe(true);
    const [second] = await listPausedConnections(db.database.db, ['conn-b']);
    expect(second?.pausedAt).toEqual(first?.pausedAt);
    expect(second?.reason).toBeNull();
    expect(await pauseConnection(db.database.db, 'ghost', 'x')).toBe(false);
    expect(await resumeConnection(db.database.db, 'ghost')).toBe(false);
    expect(await listPausedConnections(db.database.db, [])).toEqual([]);
    await resumeConnection(db.database.db, 'conn-b');
  });
});

describe('nightly tick with a paused connection', () => {
  let env: E2eEnv;
  const connections = [
    { connectionId: 'conn-live', customerId: '1800001', accountIds: ['181000001', '181000002'] },
    { connectionId: 'conn-held', customerId: '1900001', accountIds: ['191000001'] },
  ];
  beforeAll(async () => {
    env = await startE2e('paused_tick', { connections });
    Object.assign(env.env, { LOOKBACK_DAYS: '2' });
    env.config = loadConfig(env.env);
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('plans nothing for it, discovers nothing, and says so in the summary and the log', async () => {
    await env.db.database.pool.query(`INSERT INTO connections (connection_id) VALUES ('conn-held')`);
    expect(await pauseConnection(env.db.database.db, 'conn-held', 'invoice dispute')).toBe(true);

    const summary = await runTickOnce(env.config, env.logger);
    expect(summary.connections.paused).toEqual(['conn-held']);
    expect(summary.connections.loaded).toEqual(['conn-live']);
    expect(summary.jobs).toMatchObject({ planned: 2, added: 2 });
    const skipped = env.logs.map((l) => JSON.parse(l) as { msg: string; paused?: { connectionId: string; reason: string }[] }).find((l) => l.msg.includes('paused connection'));
    expect(skipped?.paused).toEqual([expect.objectContaining({ connectionId: 'conn-held', reason: 'invoice dispute' })]);
    // No discovery ran for it: no account rows, no discovery time.
    const accounts = await env.db.database.pool.query(`SELECT count(*)::int AS n FROM accounts WHERE connection_id = 'conn-held'`);
    expect(accounts.rows[0].n).toBe(0);

    // Resumed, the next tick plans it again.
    await resumeConnection(env.db.database.db, 'conn-held');
    const next = await runTickOnce(env.config, env.logger);
    expect(next.connections.paused).toEqual([]);
    expect(next.connections.loaded.sort()).toEqual(['conn-held', 'conn-live']);
    const producer = createRedis(env.config.redisUrl, 'producer');
    const reportQueue = new Queue('reports', { connection: producer, prefix: env.prefix });
    try {
      const tz = reportTimeZoneIanaOf(env.config);
      const day = todayIn(tz, new Date());
      const held = reportJobId({ connectionId: 'conn-held', customerId: '1900001', accountId: '191000001', report: 'campaign_performance', aggregation: 'Daily', from: addDays(day, -2), to: addDays(day, -1) });
      expect(await reportQueue.getJob(held)).toBeDefined();
    } finally {
      await reportQueue.close();
      producer.disconnect();
    }
  });
});
