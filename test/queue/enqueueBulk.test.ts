import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportJobId, type ReportTarget } from '../../src/jobs/reportJobData.js';
import { createReportQueue, enqueueReport, enqueueReports, PRIORITY } from '../../src/jobs/reportQueue.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

const space = createTestPrefix('bulk');
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const queue = createReportQueue(redis, space.prefix);

const target = (i: number): ReportTarget => ({
  connectionId: 'conn-1',
  customerId: String(100 + (i % 3)),
  accountId: String(1000 + i),
  report: 'CampaignPerformance',
  aggregation: 'Daily',
  from: '2026-11-01',
  to: '2026-11-30',
});

beforeAll(async () => {
  await queue.waitUntilReady();
});
afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await space.cleanup();
});

describe('enqueueReports (the tick in bulk)', () => {
  it('adds every job once with its deterministic id and priority, in order, over several chunks', async () => {
    const jobs = Array.from({ length: 2_500 }, (_, i) => ({ target: target(i), priority: i < 10 ? 5 : PRIORITY.nightly }));
    const results = await enqueueReports(queue, jobs, { attempts: 3 });
    expect(results).toHaveLength(2_500);
    expect(results.every((r) => r.outcome === 'added')).toBe(true);
    expect(results.map((r) => r.jobId)).toEqual(jobs.map((j) => reportJobId(j.target)));
    expect(await queue.count()).toBe(2_500);
    const first = await queue.getJob(reportJobId(target(0)));
    expect(first?.opts.priority).toBe(5);
    expect(first?.data).toEqual(target(0));
    expect(first?.opts.attempts).toBe(3);
    const later = await queue.getJob(reportJobId(target(2_000)));
    expect(later?.opts.priority).toBe(PRIORITY.nightly);
  });

  it('leaves waiting jobs alone and re-adds finished ones, as enqueueReport does', async () => {
    // Finish one job (failed) and one (completed) by hand; the rest stay waiting.
    const failed = await queue.getJob(reportJobId(target(1)));
    const completed = await queue.getJob(reportJobId(target(2)));
    await failed?.remove();
    await completed?.remove();
    const f = await queue.add('report', target(1), { jobId: reportJobId(target(1)) });
    const c = await queue.add('report', target(2), { jobId: reportJobId(target(2)) });
    await redis.hset(queue.toKey(f.id as string), 'finishedOn', String(Date.now()), 'failedReason', 'x');
    await redis.lrem(queue.toKey('wait'), 0, f.id as string);
    await redis.zadd(queue.toKey('failed'), Date.now(), f.id as string);
    await redis.hset(queue.toKey(c.id as string), 'finishedOn', String(Date.now()));
    await redis.lrem(queue.toKey('wait'), 0, c.id as string);
    await redis.zadd(queue.toKey('completed'), Date.now(), c.id as string);
    expect(await queue.getJobState(f.id as string)).toBe('failed');
    expect(await queue.getJobState(c.id as string)).toBe('completed');

    const results = await enqueueReports(queue, [0, 1, 2, 3_000].map((i) => ({ target: target(i) })), { attempts: 3 });
    expect(results.map((r) => r.outcome)).toEqual(['already-queued', 're-added', 're-added', 'added']);
    expect(await queue.getJobState(f.id as string)).toBe('waiting');
    expect(await queue.getJobState(c.id as string)).toBe('waiting');
    // The single-job path agrees.
    expect((await enqueueReport(queue, target(3_000), { attempts: 3 })).outcome).toBe('already-queued');
    expect(await queue.count()).toBe(2_501);
  });
});
