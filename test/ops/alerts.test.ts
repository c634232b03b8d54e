import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnectionAlertMonitor, createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { createRedis } from '../../src/app/redis.js';
import { runTickOnce } from '../../src/app/schedulerProcess.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * Alerts end to end: a local webhook receiver, a worker whose runs fail, scheduler ticks and the
 * periodic health check in two processes' worth of senders. A failing connection is announced exactly
 * once per period however many ticks, checks and failed jobs see it.
 */

interface Received {
  text: string;
  kind: string;
  key: string;
  connection_id: string;
}

let env: E2eEnv;
let receiver: Server;
let received: Received[] = [];
let failNext = 0;
let webhookUrl: string;
let worker: RunningWorker;
let workerObs: ProcessObservability;
let dashboardObs: ProcessObservability;
let schedulerObs: ProcessObservability;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;

const connections = [
  { connectionId: 'healthy', customerId: '4000001', accountIds: ['450000001'] },
  { connectionId: 'revoked', customerId: '5000001', accountIds: ['550000001'] },
];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end('boom');
        return;
      }
      received.push(JSON.parse(body) as Received);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/T000/B000/secret-part`;

  env = await startE2e('alerts', { connections, generationMs: 30 });
  Object.assign(env.env, { ALERT_WEBHOOK_URL: webhookUrl, LOOKBACK_DAYS: '2', JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '20' });
  env.config = loadConfig(env.env);
  workerObs = createProcessObservability(env.config, env.logger);
  // The dashboard and the scheduler each run the health check, with their own Redis connections.
  dashboardObs = createProcessObservability(env.config, env.logger, { alerts: false });
  schedulerObs = createProcessObservability(env.config, env.logger, { alerts: false });
  worker = await startWorkerProcess(env.config, env.logger, { observer: workerObs.observer });
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents('reports', { connection: eventsConnection, prefix: env.prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await worker?.stop(5_000);
  for (const o of [workerObs, dashboardObs, schedulerObs]) await o?.close();
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

beforeEach(() => {
  received = [];
});

async function drain(): Promise<void> {
  for (;;) {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    if (jobs.length === 0) break;
    await Promise.all(jobs.map((j) => j.waitUntilFinished(events, 60_000).catch(() => undefined)));
  }
  await workerObs.idle();
}

describe('alerts', () => {
  it('a revoked connection is announced exactly once over several ticks, checks and failed jobs', async () => {
    const monitors = [createConnectionAlertMonitor(env.config, env.logger, dashboardObs), createConnectionAlertMonitor(env.config, env.logger, schedulerObs)];
    const yesterday = addDays(todayIn('Europe/London', new Date()), -1);
    env.sim.faults.revokedConnections.add('revoked');
    // A job of the connection that was already queued (a backfill) fails for good with the credential error.
    await enqueueReport(queue, { connectionId: 'revoked', customerId: '5000001', accountId: '550000001', report: 'campaign_performance', aggregation: 'Daily', from: yesterday, to: yesterday }, { attempts: 2 });
    for (let tick = 0; tick < 3; tick++) {
      const summary = await runTickOnce(env.config, env.logger);
      expect(summary.connections.needsReauth).toEqual(['revoked']);
      await drain();
      for (const monitor of monitors) await monitor.check();
    }
    expect(received).toHaveLength(1);
    const [alert] = received;
    expect(alert).toMatchObject({ kind: 'needs_reauth', key: 'connection:revoked:credentials', connection_id: 'revoked' });
    expect(alert!.text).toContain('`revoked`');
    expect(alert!.text).toMatch(/invalid_credentials|re-authorization/);
    // The healthy connection loaded and raised nothing.
    const runs = await env.db.database.pool.query(`SELECT connection_id, status FROM report_runs WHERE connection_id = 'healthy'`);
    expect(runs.rows.length).toBeGreaterThan(0);
    expect(runs.rows.every((r) => r.status === 'succeeded')).toBe(true);
    // The webhook URL (a secret) never reaches a log line.
    expect(env.logs.join('\n')).not.toContain('secret-part');
  });

  it('serves the event-loop utilisation since the last scrape, a share between 0 and 1', async () => {
    const line = (await workerObs.registry.metrics()).split('\n').find((l) => l.startsWith('msads_event_loop_utilization '));
    const value = Number(line?.split(' ')[1]);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(1);
  });

  it('a failed delivery gives the condition back, so the next check delivers it', async () => {
    await env.db.database.pool.query(
      `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, finished_at)
       VALUES ('stale-conn', 1, 1, 'campaign_performance', 'Daily', '2020-01-01', '2020-01-31', 'succeeded', 'rest', now())`,
    );
    const monitor = createConnectionAlertMonitor(env.config, env.logger, dashboardObs);
    failNext = 1;
    expect((await monitor.check()).find((r) => r.key === 'connection:stale-conn:stale')?.result).toBe('failed');
    expect(received).toHaveLength(0);
    expect((await monitor.check()).find((r) => r.key === 'connection:stale-conn:stale')?.result).toBe('sent');
    expect((await monitor.check()).find((r) => r.key === 'connection:stale-conn:stale')?.result).toBe('deduplicated');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'stale', connection_id: 'stale-conn' });
    expect(received[0]!.text).toContain('loaded up to 2020-01-31');
  });
});
