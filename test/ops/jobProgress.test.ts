import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import type { JobProgress } from '../../src/observability/jobJournal.js';
import { redactLine } from '../../src/observability/jobJournal.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * What Bull Board's Progress and Logs tabs show for report jobs run by a real worker against the
 * simulator: progress { step, polls, rows, bytes } moving through submit → poll → download → load →
 * done (or failed), and one log line per fact — the ReportRequestId, each poll, the bytes, the rows,
 * warnings, throttles and retries, the final failure's reason — with the ledger's figures and never
 * a token, a secret or a signed URL.
 */

let env: E2eEnv;
let worker: RunningWorker;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;
const progressSeen = new Map<string, JobProgress[]>();

const connections = [
  { connectionId: 'good', customerId: '2000001', accountIds: ['250000001', '250000002'] },
  { connectionId: 'bad', customerId: '3000001', accountIds: ['350000001'] },
];
const window = { from: '2026-11-01', to: '2026-11-03' };

beforeAll(async () => {
  env = await startE2e('job_progress', { connections, generationMs: 300 });
  Object.assign(env.env, { THROTTLE_WAIT_MS: '50', JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '20', MSADS_CALLS_PER_MINUTE: '100000' });
  env.config = loadConfig(env.env);
  worker = await startWorkerProcess(env.config, env.logger);
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents(REPORT_QUEUE, { connection: eventsConnection, prefix: env.prefix });
  events.on('progress', ({ jobId, data }) => progressSeen.set(jobId, [...(progressSeen.get(jobId) ?? []), data as JobProgress]));
  await events.waitUntilReady();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

async function runJob(connectionId: string, accountId: string): Promise<{ jobId: string; ok: boolean; logs: string[]; progress: unknown }> {
  const customerId = connections.find((c) => c.connectionId === connectionId)!.customerId;
  const { jobId } = await enqueueReport(queue, { connectionId, customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...window }, { attempts: 3 });
  const job = (await queue.getJob(jobId))!;
  const ok = await job.waitUntilFinished(events, 60_000).then(
    () => true,
    () => false,
  );
  const { logs, count } = await queue.getJobLogs(jobId);
  expect(count).toBe(logs.length);
  return { jobId, ok, logs, progress: (await queue.getJob(jobId))!.progress };
}

async function ledgerRun(accountId: string) {
  const r = await env.db.database.pool.query<{ report_request_id: string; rows: number; bytes: string; polls: number; status: string }>(
    `SELECT report_request_id, rows, bytes, polls, status FROM report_runs WHERE account_id = $1 ORDER BY id DESC LIMIT 1`,
    [accountId],
  );
  return r.rows[0]!;
}

function expectNoSecrets(logs: string[]): void {
  const text = logs.join('\n');
  expect(text).not.toContain(env.simOptions.developerToken);
  expect(text).not.toContain(env.simOptions.nangoSecretKey);
  expect(text).not.toMatch(/bearer|access_token|https?:\/\//i);
}

describe('job progress and logs', () => {
  it('a job that throttles, retries and loads with a warning logs each fact and ends at step done with the ledger figures', async () => {
    env.sim.faults.throttleNext = 1;
    env.sim.faults.internalErrorNext = 1;
    env.sim.faults.csvHeaderLayout = { excludeReportHeader: true };
    let result;
    try {
      result = await runJob('good', '250000001');
    } finally {
      env.sim.faults.csvHeaderLayout = null;
    }
    const { jobId, ok, logs, progress } = result;
    expect(ok).toBe(true);
    const run = await ledgerRun('250000001');
    expect(run.status).toBe('succeeded');
    expect(run.rows).toBeGreaterThan(0);

    expect(logs[0]).toBe('started: campaign_performance Daily 2026-11-01..2026-11-03, account 250000001, connection good, api ' + env.api);
    expect(logs).toContain('throttled by Microsoft (code 117)');
    expect(logs.some((l) => /^attempt 1 failed \(\w+[ \d]*\): .+; next attempt in [\d.]+ s$/.test(l))).toBe(true);
    expect(logs.filter((l) => l.startsWith('submitted: '))).toEqual([expect.stringMatching(new RegExp(`^submitted: ReportRequestId ${run.report_request_id} \\(TrackingId [\\w-]+\\)$`))]);
    const polls = logs.filter((l) => l.startsWith('poll '));
    expect(polls.length).toBe(run.polls);
    expect(polls.at(-1)).toBe(`poll ${run.polls}: Success`);
    expect(polls.slice(0, -1).every((l, i) => l === `poll ${i + 1}: Pending`)).toBe(true);
    expect(logs).toContain(`downloaded ${run.bytes} bytes`);
    expect(logs.some((l) => l.startsWith(`loaded ${run.rows} rows in `))).toBe(true);
    expect(logs).toContain('warning: the file has no report header: its row count, completeness and time zone are unknown');
    expect(logs.filter((l) => l.startsWith('report pending at Microsoft; next poll in '))).toHaveLength(run.polls);
    expect(logs.at(-1)).toMatch(new RegExp(`^finished succeeded: ${run.rows} rows, ${run.bytes} bytes, ${run.polls} polls, 1 submits \\(run \\d+\\)`));
    expectNoSecrets(logs);

    expect(progress).toEqual({ step: 'done', polls: run.polls, rows: run.rows, bytes: Number(run.bytes) });
    // The Progress tab moved through every step in order (the events are those of this job only).
    const steps = (progressSeen.get(jobId) ?? []).map((p) => p.step).filter((s, i, all) => s !== all[i - 1]);
    expect(steps).toEqual(expect.arrayContaining(['submit', 'poll', 'download', 'load', 'done']));
    expect(steps.slice(-4)).toEqual(['poll', 'download', 'load', 'done']);
  });

  it('an empty window says so in its poll and outcome lines', async () => {
    env.sim.faults.emptyReport = true;
    let result;
    try {
      result = await runJob('good', '250000002');
    } finally {
      env.sim.faults.emptyReport = false;
    }
    const run = await ledgerRun('250000002');
    expect(result.ok).toBe(true);
    expect(run.status).toBe('empty');
    expect(result.logs).toContain(`poll ${run.polls}: Success (no rows for this window)`);
    expect(result.logs.at(-1)).toMatch(/^finished empty: 0 rows, 0 bytes/);
    expect(result.progress).toMatchObject({ step: 'done', rows: 0 });
  });

  it('a job that fails for good logs the reason and ends at step failed, with no secret in any line', async () => {
    env.sim.faults.invalidCredentialConnections.add('bad');
    const { ok, logs, progress } = await runJob('bad', '350000001');
    expect(ok).toBe(false);
    expect(logs.at(-1)).toMatch(/^failed for good \(auth 105\): .+/);
    expect(logs.some((l) => l.startsWith('submit failed: '))).toBe(true);
    expect(progress).toMatchObject({ step: 'failed', polls: 0, rows: 0 });
    expectNoSecrets(logs);
  });
});

describe('redactLine', () => {
  it('scrubs given secrets, signed URL queries, bearer values and token fields', () => {
    const line = redactLine('GET https://dl.example/r.zip?sig=abc&se=1 with Bearer eyJ.x.y, access_token=tok123 and DEV-TOKEN-1234 "refresh_token": "r1"', ['DEV-TOKEN-1234']);
    expect(line).toBe('GET https://dl.example/r.zip?[redacted] with Bearer [redacted], access_token=[redacted] and [redacted] "refresh_token": "[redacted]"');
    expect(redactLine('x'.repeat(3_000), [])).toHaveLength(2_001);
  });
});
