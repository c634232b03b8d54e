import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type RunningDashboard } from '../../src/app/dashboardProcess.js';
import { createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { startProcessOps } from '../../src/app/processOps.js';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { basicAuth, sample, sampleSum } from '../helpers/prometheus.js';

/**
 * /metrics after real loads through the pipeline (simulator → worker → Postgres): the worker's own
 * counters (runs by outcome and class, Microsoft calls by operation and fault code, polls, throttles,
 * token refreshes, load histograms) and the dashboard's deployment-wide gauges (queue states, run
 * ledger, connection freshness and health), each with the exact count the simulator and ledger show.
 */

const PASSWORD = 'metrics-test-password';
let env: E2eEnv;
let obs: ProcessObservability;
let worker: RunningWorker;
let dashboard: RunningDashboard;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;

const connections = [
  { connectionId: 'good', customerId: '2000001', accountIds: ['250000001', '250000002'] },
  { connectionId: 'bad', customerId: '3000001', accountIds: ['350000001'] },
];
let window: { from: string; to: string };

beforeAll(async () => {
  env = await startE2e('metrics', { connections, generationMs: 50 });
  Object.assign(env.env, { DASHBOARD_PASSWORD: PASSWORD, THROTTLE_WAIT_MS: '50', JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '20', MSADS_CALLS_PER_MINUTE: '100000' });
  env.config = loadConfig(env.env);
  const yesterday = addDays(todayIn('Europe/London', new Date()), -1);
  window = { from: addDays(yesterday, -2), to: yesterday };
  obs = createProcessObservability(env.config, env.logger);
  worker = await startWorkerProcess(env.config, env.logger, { observer: obs.observer });
  dashboard = await startDashboard(env.config, env.logger, obs, { host: '127.0.0.1', port: 0, monitor: false });
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents('reports', { connection: eventsConnection, prefix: env.prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await dashboard?.stop();
  await obs?.close();
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

async function metrics(url = dashboard.server.url): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: basicAuth('admin', PASSWORD) } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

describe('/metrics after an end-to-end load', () => {
  it('counts runs, calls, polls, throttles, refreshes, loads, queue states, ledger runs and freshness exactly', async () => {
    env.sim.faults.invalidCredentialConnections.add('bad');
    env.sim.faults.throttleNext = 1;
    const targets = [
      ...connections[0]!.accountIds.map((accountId) => ({ connectionId: 'good', customerId: '2000001', accountId })),
      { connectionId: 'bad', customerId: '3000001', accountId: '350000001' },
    ].map((t) => ({ ...t, report: 'campaign_performance' as const, aggregation: 'Daily' as const, ...window }));
    const run = async (t: (typeof targets)[number]) => {
      const { jobId } = await enqueueReport(queue, t, { attempts: 2 });
      const job = (await queue.getJob(jobId))!;
      return job.waitUntilFinished(events, 60_000).then(() => 'ok', () => 'failed');
    };
    const results = await Promise.all(targets.map(run));
    expect(results).toEqual(['ok', 'ok', 'failed']);
    await obs.idle();

    const ledger = (await env.db.database.pool.query<{ status: string; rows: number | null; polls: number }>(`SELECT status, rows, polls FROM report_runs ORDER BY id`)).rows;
    const loadedRows = ledger.filter((r) => r.status === 'succeeded').reduce((s, r) => s + Number(r.rows), 0);
    expect(loadedRows).toBeGreaterThan(0);

    const text = await metrics();
    const campaign = { report: 'campaign_performance', aggregation: 'Daily' };
    // The worker's counters (this process's memory).
    expect(sample(text, 'msads_report_runs_total', { ...campaign, outcome: 'succeeded', error_class: 'none' })).toBe(2);
    expect(sample(text, 'msads_report_runs_total', { ...campaign, outcome: 'failed', error_class: 'auth' })).toBe(1);
    expect(sample(text, 'msads_load_rows_count', campaign)).toBe(2);
    expect(sample(text, 'msads_load_rows_sum', campaign)).toBe(loadedRows);
    expect(sample(text, 'msads_load_duration_seconds_count', campaign)).toBe(2);
    expect(sample(text, 'msads_polls_total', campaign)).toBe(env.sim.stats.polls);
    expect(sample(text, 'msads_polls_total', campaign)).toBe(ledger.reduce((s, r) => s + r.polls, 0));
    expect(sample(text, 'msads_microsoft_calls_total', { operation: 'PollGenerateReport', fault_code: 'none' })).toBe(env.sim.stats.polls);
    expect(sample(text, 'msads_microsoft_calls_total', { operation: 'SubmitGenerateReport', fault_code: 'none' })).toBe(env.sim.stats.submits);
    expect(sample(text, 'msads_microsoft_calls_total', { fault_code: '105' })).toBe(1);
    expect(sample(text, 'msads_microsoft_calls_total', { fault_code: '117' })).toBe(1);
    expect(sample(text, 'msads_throttles_total', { source: 'microsoft', code: '117' })).toBe(1);
    // Nango refreshes expired tokens when asked for them, so Microsoft never answered 109: no forced refresh.
    expect(sampleSum(text, 'msads_microsoft_calls_total', { fault_code: '109' })).toBe(0);
    expect(sampleSum(text, 'msads_token_refreshes_total')).toBe(0);
    expect(sample(text, 'msads_step_duration_seconds_count', { step: 'download', report: 'campaign_performance', result: 'ok' })).toBe(2);
    // Per connection and account: rows as the ledger has them, runs by outcome.
    const perAccount = (await env.db.database.pool.query<{ account_id: string; rows: string }>(
      `SELECT account_id::text, sum(rows) AS rows FROM report_runs WHERE status = 'succeeded' GROUP BY 1`,
    )).rows;
    expect(perAccount.map((r) => r.account_id).sort()).toEqual(connections[0]!.accountIds);
    for (const r of perAccount) {
      expect(sample(text, 'msads_rows_loaded_total', { connection_id: 'good', account_id: r.account_id, ...campaign })).toBe(Number(r.rows));
      expect(sample(text, 'msads_account_runs_total', { connection_id: 'good', account_id: r.account_id, outcome: 'succeeded' })).toBe(1);
    }
    expect(sample(text, 'msads_account_runs_total', { connection_id: 'bad', account_id: '350000001', outcome: 'failed' })).toBe(1);
    expect(sampleSum(text, 'msads_rows_loaded_total', { connection_id: 'bad' })).toBe(0);

    // The deployment-wide gauges (Redis and Postgres).
    expect(sample(text, 'msads_queue_jobs', { queue: 'reports', state: 'completed' })).toBe(2);
    expect(sample(text, 'msads_queue_jobs', { queue: 'reports', state: 'failed' })).toBe(1);
    expect(sample(text, 'msads_queue_jobs', { queue: 'reports', state: 'active' })).toBe(0);
    expect(sample(text, 'msads_queue_jobs', { queue: 'scheduler', state: 'waiting' })).toBe(0);
    expect(sample(text, 'msads_ledger_runs', { ...campaign, status: 'succeeded', error_class: 'none' })).toBe(2);
    expect(sample(text, 'msads_ledger_runs', { ...campaign, status: 'failed', error_class: 'auth' })).toBe(1);
    expect(sample(text, 'msads_connection_freshness_lag_days', { connection_id: 'good' })).toBe(0);
    expect(sample(text, 'msads_connection_oldest_loaded_day_timestamp_seconds', { connection_id: 'good' })).toBe(Date.parse(`${window.to}T00:00:00Z`) / 1000);
    expect(sample(text, 'msads_connection_needs_reauth', { connection_id: 'bad' })).toBe(1);
    expect(sample(text, 'msads_connection_freshness_lag_days', { connection_id: 'bad' })).toBeUndefined();
    expect(sample(text, 'msads_queue_workers', { queue: 'reports' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'msads_scrape_error', { source: 'postgres' })).toBe(0);
    expect(sample(text, 'msads_freshness_max_lag_days')).toBe(env.config.alerts.freshnessMaxLagDays);
    // Every run ends with one outcome line with its figures, the failed one included.
    const outcomes = env.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'report run finished');
    expect(outcomes.map((l) => l['status']).sort()).toEqual(['failed', 'succeeded', 'succeeded']);
    expect(outcomes.find((l) => l['status'] === 'failed')).toMatchObject({ connectionId: 'bad', errorClass: 'auth', errorCode: 105, submits: 0 });
    for (const l of outcomes.filter((o) => o['status'] === 'succeeded')) expect(l).toMatchObject({ rows: expect.any(Number), polls: expect.any(Number), durationMs: expect.any(Number) });
    // Process metrics of Node.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('asks for the credentials on /metrics and the board, but not on /healthz and /readyz', async () => {
    const url = dashboard.server.url;
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: basicAuth('admin', 'wrong') } })).status).toBe(401);
    expect((await fetch(`${url}/queues/api/queues`)).status).toBe(401);
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok', connections: { redis: 'ready' } });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('a worker with METRICS_PORT serves its own counters without the board', async () => {
    const config = loadConfig({ ...env.env, METRICS_PORT: '1', METRICS_HOST: '127.0.0.1' });
    // Port 0 (any free port) cannot be configured through the schema's range: patch the parsed config.
    const ops = await startProcessOps({ ...config, metrics: { host: '127.0.0.1', port: 0 } }, env.logger, obs);
    try {
      const text = await metrics(ops.url);
      expect(sample(text, 'msads_report_runs_total', { outcome: 'succeeded' })).toBe(2);
      expect(text).not.toContain('msads_queue_jobs');
      expect((await fetch(`${ops.url}/queues`)).status).toBe(404);
    } finally {
      await ops.stop();
    }
  });
});
