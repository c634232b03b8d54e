import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportTimeZoneIanaOf } from '../../src/app/discovery.js';
import { createRedis } from '../../src/app/redis.js';
import { runTickOnce } from '../../src/app/schedulerProcess.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue } from '../../src/jobs/reportQueue.js';
import { projectRoot } from '../../src/paths.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { CLI, waitFor } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The operator page in a real browser (Debian's Chromium through playwright-core, as
 * dashboardBrowser.test.ts): data loaded through the simulator by a real tick and worker; the
 * dashboard is the built command (`msads-etl dashboard`, dist/) in a process group of its own. An
 * operator backfills a window while the simulator serves files whose columns differ, finds the failed
 * run in the run history filtered to status=failed, re-runs it from the page once the fault is gone,
 * and sees it succeed after a reload. Screenshots go to test-artifacts/operator-browser/ (git-ignored).
 * CI installs Chromium (.ci/run), so there a missing browser fails the test; elsewhere it is skipped.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const hasChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env['CI']);
if (!hasChromium && inCi) throw new Error(`${CHROMIUM} is missing in CI: .ci/run installs it (apt-get install -y chromium)`);
const skipReason = hasChromium ? '' : ` [skipped: ${CHROMIUM} not installed; apt-get install -y chromium]`;

const ARTIFACTS = resolve(projectRoot, 'test-artifacts/operator-browser');
const PASSWORD = 'operator-browser-password';
const CONNECTION = 'conn-ops';
const ACCOUNT_OK = '201000001';
const ACCOUNT_BAD = '201000002';
const connections = [{ connectionId: CONNECTION, customerId: '2000001', accountIds: [ACCOUNT_OK, ACCOUNT_BAD] }];

let env: E2eEnv;
let worker: RunningWorker;
let browser: Browser;
let dashboard: { child: ChildProcess; url: string; output: () => string } | undefined;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;

/** The built dashboard in its own process group, so the whole tree is killed after the test. */
async function startDashboardCli(vars: Record<string, string>): Promise<NonNullable<typeof dashboard>> {
  const child = spawn(process.execPath, [CLI, 'dashboard', '--host', '127.0.0.1', '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const started = { child, url: '', output: () => out };
  dashboard = started;
  started.url = await waitFor(`the dashboard's URL; output:\n${out}`, async () => (child.exitCode === null ? /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] : Promise.reject(new Error(`dashboard exited ${child.exitCode}:\n${out}`))), 30_000);
  return started;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  // Whatever it started is killed too: nothing of the group outlives the test.
  signal('SIGKILL');
}

/** Final status of the latest run of a window, polled from the ledger (no event tells the test). */
async function finalStatus(accountId: string, from: string, to: string, since = 0): Promise<string> {
  return waitFor(`a final run of ${accountId} ${from}..${to}`, async () => {
    const r = await env.db.database.pool.query<{ status: string }>(
      `SELECT status FROM report_runs WHERE account_id = $1 AND window_start = $2 AND window_end = $3 AND id > $4 AND status IN ('succeeded', 'empty', 'failed') ORDER BY id DESC LIMIT 1`,
      [accountId, from, to, since],
    );
    return r.rows[0]?.status;
  }, 60_000);
}

const shot = (page: Page, name: string) => page.screenshot({ path: resolve(ARTIFACTS, name), fullPage: true });

describe.skipIf(!hasChromium)('operator page in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await startE2e('opbrowser', { generationMs: 30, connections });
    Object.assign(env.env, { LOOKBACK_DAYS: '2', JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '50', DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: PASSWORD });
    env.config = loadConfig(env.env);
    worker = await startWorkerProcess(env.config, env.logger);
    producer = createRedis(env.config.redisUrl, 'producer');
    queue = createReportQueue(producer, env.prefix);
    eventsConnection = createRedis(env.config.redisUrl);
    events = new QueueEvents('reports', { connection: eventsConnection, prefix: env.prefix });
    await events.waitUntilReady();
    // A nightly tick discovers the connection's accounts and loads both through the simulator.
    const summary = await runTickOnce(env.config, env.logger);
    expect(summary.jobs.added).toBe(2);
    const today = todayIn(reportTimeZoneIanaOf(env.config), new Date());
    for (const account of [ACCOUNT_OK, ACCOUNT_BAD]) expect(await finalStatus(account, addDays(today, -2), addDays(today, -1))).toBe('succeeded');
    await startDashboardCli({ ...env.env, LOG_LEVEL: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (dashboard) await stopGroup(dashboard.child);
    await worker?.stop(5_000);
    await events?.close();
    eventsConnection?.disconnect();
    await queue?.close();
    producer?.disconnect();
    await env?.cleanup();
  });

  it(`an operator finds the failed run, re-runs it from the page and sees it succeed${skipReason}`, async () => {
    const url = dashboard!.url;
    const today = todayIn(reportTimeZoneIanaOf(env.config), new Date());
    const from = addDays(today, -12);
    const to = addDays(today, -10);
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: PASSWORD }, viewport: { width: 1366, height: 768 } });
    try {
      const page = await context.newPage();
      const overview = await page.goto(`${url}/`);
      expect(overview?.status()).toBe(200);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const text = await page.locator('main').innerText();
      expect(text).toContain(CONNECTION);
      expect(text).toContain(ACCOUNT_BAD);
      expect(text).not.toContain(PASSWORD);
      await shot(page, '01-overview.png');

      // The simulator now serves files whose columns differ from the request: the backfilled window fails.
      env.sim.faults.columnsMismatch = true;
      const form = page.locator('form[action="/actions/backfill"]');
      await form.locator('select[name=connection]').selectOption(CONNECTION);
      await form.locator('input[name=account]').fill(ACCOUNT_BAD);
      await form.locator('select[name=report]').selectOption('campaign_performance');
      await form.locator('select[name=aggregation]').selectOption('daily');
      await form.locator('input[name=from]').fill(from);
      await form.locator('input[name=to]').fill(to);
      await form.getByRole('button', { name: 'Backfill' }).click();
      await page.locator('.flash').getByText(/enqueued 1 window\(s\) for 1 account\(s\)/).waitFor();
      expect(await finalStatus(ACCOUNT_BAD, from, to)).toBe('failed');

      // Run history, filtered to failed runs.
      await page.getByRole('link', { name: 'Run history' }).click();
      await page.locator('form.filters select[name=status]').selectOption('failed');
      await page.locator('form.filters').getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/\/runs\?.*status=failed/);
      const failedRow = page.locator('#runs tbody tr').filter({ hasText: `${from}..${to}` });
      await expect.poll(() => failedRow.count()).toBe(1);
      expect(await page.locator('#runs tbody tr').count()).toBe(1);
      const rowText = await failedRow.innerText();
      expect(rowText).toContain('failed');
      expect(rowText).toMatch(/columns differ/);
      await shot(page, '02-failed-runs.png');

      // Its job in Bull Board opens from the row.
      const jobHref = await failedRow.getByRole('link', { name: 'job' }).getAttribute('href');
      expect(jobHref).toMatch(/^\/queues\/queue\/reports\/report%7Cconn-ops%7C/);
      const board = await context.newPage();
      expect((await board.goto(`${url}${jobHref}`))?.status()).toBe(200);
      await board.getByText(/columns differ/).first().waitFor({ timeout: 15_000 });
      await shot(board, '03-bull-board-job.png');
      await board.close();

      // The fault is gone; the operator re-runs the window from the page.
      const failedRunId = Number(await failedRow.getAttribute('data-run'));
      env.sim.faults.columnsMismatch = false;
      await failedRow.getByRole('button', { name: 'Re-run' }).click();
      await page.locator('.flash').getByText(/Re-run of .* enqueued as job/).waitFor();
      await shot(page, '04-rerun-enqueued.png');
      expect(await finalStatus(ACCOUNT_BAD, from, to, failedRunId)).toBe('succeeded');

      // A reload of the account's history shows the window succeeded after the failure.
      await page.goto(`${url}/runs?connection=${CONNECTION}&account=${ACCOUNT_BAD}&from=${from}&to=${to}`);
      const rows = page.locator('#runs tbody tr');
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.nth(0).innerText()).toMatch(/succeeded/);
      expect(await rows.nth(1).innerText()).toMatch(/failed/);
      await shot(page, '05-succeeded.png');

      // The overview no longer calls the target failing.
      await page.goto(`${url}/`);
      const target = page.locator('#targets + table tbody tr').filter({ hasText: ACCOUNT_BAD }).filter({ hasText: 'campaign_performance' });
      expect(await target.innerText()).not.toMatch(/failing/);
      expect(await target.innerText()).toMatch(/since loaded again/);
    } finally {
      await context.close();
    }
  });
});

if (!hasChromium) {
  describe('operator page in Chromium', () => {
    it.skip(`is skipped${skipReason}`, () => undefined);
  });
}
