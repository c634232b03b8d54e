import { existsSync } from 'node:fs';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type RunningDashboard } from '../../src/app/dashboardProcess.js';
import { createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { reportJobId } from '../../src/jobs/reportJobData.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The dashboard in a real browser: Debian's Chromium (headless, driven by playwright-core, no browser
 * download) opens Bull Board with the credentials, sees the project's queues and a report job the
 * worker completed; without credentials the server answers 401. CI installs Chromium (.ci/run), so
 * there a missing browser fails the test; on a machine without it the test is skipped.
 */

const CHROMIUM = '/usr/bin/chromium';
// The flags this machine needs (no sandbox as root, no background connections to a closed network).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const hasChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env['CI']);
if (!hasChromium && inCi) throw new Error(`${CHROMIUM} is missing in CI: .ci/run installs it (apt-get install -y chromium)`);
const skipReason = hasChromium ? '' : ` [skipped: ${CHROMIUM} not installed; apt-get install -y chromium]`;

const PASSWORD = 'browser-test-password';
let env: E2eEnv;
let obs: ProcessObservability;
let worker: RunningWorker;
let dashboard: RunningDashboard;
let browser: Browser;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;
let completedJobId: string;

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  beforeAll(async () => {
    env = await startE2e('board', { generationMs: 30 });
    env.config = loadConfig({ ...env.env, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_USER: 'ops' });
    obs = createProcessObservability(env.config, env.logger);
    worker = await startWorkerProcess(env.config, env.logger, { observer: obs.observer });
    dashboard = await startDashboard(env.config, env.logger, obs, { host: '127.0.0.1', port: 0, monitor: false });
    producer = createRedis(env.config.redisUrl, 'producer');
    queue = createReportQueue(producer, env.prefix);
    eventsConnection = createRedis(env.config.redisUrl);
    events = new QueueEvents('reports', { connection: eventsConnection, prefix: env.prefix });
    await events.waitUntilReady();
    const c = env.simOptions.connections[0]!;
    const target = { connectionId: c.connectionId, customerId: c.customerId, accountId: c.accountIds[0]!, report: 'campaign_performance' as const, aggregation: 'Daily' as const, from: '2026-10-01', to: '2026-10-02' };
    const { jobId } = await enqueueReport(queue, target, { attempts: 2 });
    await (await queue.getJob(jobId))!.waitUntilFinished(events, 60_000);
    completedJobId = reportJobId(target);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop(5_000);
    await dashboard?.stop();
    await obs?.close();
    await events?.close();
    eventsConnection?.disconnect();
    await queue?.close();
    producer?.disconnect();
    await env?.cleanup();
  });

  it(`with credentials shows the project's queues and the completed report job${skipReason}`, async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: PASSWORD } });
    try {
      const page = await context.newPage();
      // The root URL is the operator page (operatorBrowser.test.ts); Bull Board is under /queues.
      const response = await page.goto(`${dashboard.server.url}/queues`);
      expect(response?.status()).toBe(200);
      expect(page.url()).toBe(`${dashboard.server.url}/queues`);
      await expect.poll(() => page.title()).toBe('msads-etl');
      // Both queues of the project are listed, under their names.
      await page.getByRole('link', { name: /^reports/ }).first().waitFor({ timeout: 15_000 });
      await page.getByRole('link', { name: /^scheduler/ }).first().waitFor({ timeout: 15_000 });

      await page.goto(`${dashboard.server.url}/queues/queue/reports?status=completed`);
      await page.getByText(completedJobId.slice(0, 30)).first().waitFor({ timeout: 15_000 });
      const body = await page.locator('body').innerText();
      expect(body).toContain('report');
      expect(body).toMatch(/campaign_performance/);
      await page.screenshot({ path: `${process.env['TMPDIR'] ?? '/tmp'}/msads-dashboard.png` });
    } finally {
      await context.close();
    }
  });

  it(`without credentials gets 401${skipReason}`, async () => {
    const context = await browser.newContext();
    try {
      // A navigation answered with a Basic challenge and no credentials ends in Chromium's
      // ERR_INVALID_AUTH_CREDENTIALS (headless cannot prompt): read the answers through the context.
      const page = await context.newPage();
      await expect(page.goto(`${dashboard.server.url}/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      for (const path of ['/queues', '/queues/queue/reports?status=completed', '/queues/api/queues', '/metrics']) {
        const answer = await context.request.get(`${dashboard.server.url}${path}`);
        expect(answer.status(), path).toBe(401);
        expect(answer.headers()['www-authenticate']).toContain('Basic');
        expect(await answer.text()).not.toContain('campaign_performance');
      }
    } finally {
      await context.close();
    }
  });
});

// Says why in the test report when Chromium is missing (outside CI).
if (!hasChromium) {
  describe('dashboard in Chromium', () => {
    it.skip(`is skipped${skipReason}`, () => undefined);
  });
}
