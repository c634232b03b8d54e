import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createReportQueue, enqueueReport, enqueueReports, PRIORITY } from '../jobs/reportQueue.js';
import type { ReportTarget } from '../jobs/reportJobData.js';

/**
 * How long the tick takes to enqueue a night: `node dist/bench/enqueueBench.js [accounts] [reports]`
 * (default 5,000 × 10). Prints jobs/s of the bulk path (first night: all new; second night: all
 * finished and re-added is not measured here, a re-run of a waiting night: all already queued) and of
 * the one-at-a-time path on a tenth of the jobs, in the same run. Uses its own key prefix on REDIS_URL
 * and deletes it.
 */
const accounts = Number(process.argv[2] ?? 5_000);
const reports = Number(process.argv[3] ?? 10);
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `bench-enqueue-${randomBytes(4).toString('hex')}`;
const redis = new Redis(url, { maxRetriesPerRequest: null });
const queue = createReportQueue(redis, prefix);
const names = ['CampaignPerformance', 'AdGroupPerformance', 'KeywordPerformance', 'AccountPerformance', 'AdPerformance', 'SearchQueryPerformance', 'GeographicPerformance', 'AgeGenderAudience', 'ShareOfVoice', 'DestinationUrlPerformance'];
const jobs: { target: ReportTarget; priority: number }[] = [];
for (let a = 0; a < accounts; a++) {
  for (let r = 0; r < reports; r++) {
    jobs.push({
      target: { connectionId: `conn-${a % 20}`, customerId: String(1000 + (a % 20)), accountId: String(100_000 + a), report: names[r % names.length] as ReportTarget['report'], aggregation: r < names.length ? 'Daily' : 'Hourly', from: '2026-11-01', to: '2026-12-01' },
      priority: PRIORITY.nightly,
    });
  }
}

async function main(): Promise<void> {
  try {
    let t = performance.now();
    await enqueueReports(queue, jobs, { attempts: 5 });
    const bulkMs = performance.now() - t;
    t = performance.now();
    const again = await enqueueReports(queue, jobs, { attempts: 5 });
    const againMs = performance.now() - t;
    const single = jobs.slice(0, Math.ceil(jobs.length / 10)).map((j) => ({ ...j, target: { ...j.target, from: '2026-10-01' } }));
    t = performance.now();
    for (const j of single) await enqueueReport(queue, j.target, { attempts: 5, priority: j.priority });
    const singleMs = performance.now() - t;
    const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
    console.log(`jobs: ${jobs.length} (${accounts} accounts × ${reports} reports)`);
    console.log(`bulk, all new:            ${(bulkMs / 1000).toFixed(2)} s, ${rate(jobs.length, bulkMs)} jobs/s`);
    console.log(`bulk, all already queued: ${(againMs / 1000).toFixed(2)} s, ${rate(jobs.length, againMs)} jobs/s (${again.filter((r) => r.outcome === 'already-queued').length} already queued)`);
    console.log(`one at a time (${single.length} jobs): ${(singleMs / 1000).toFixed(2)} s, ${rate(single.length, singleMs)} jobs/s; bulk/single ratio ${(rate(jobs.length, bulkMs) / rate(single.length, singleMs)).toFixed(1)}×`);
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
  }
}

await main();
