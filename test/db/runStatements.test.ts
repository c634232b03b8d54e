import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimRun, createRun, findOpenRunOfJob, getRun, LeaseLostError, saveProgress, type RunProgressFields } from '../../src/db/reportRuns.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The ledger's hot statements are prepared once with placeholders (runStatements.ts), so "absent"
 * has to mean what it meant with the query builder: a field not given leaves its column alone.
 */

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase('runstatements');
});
afterAll(async () => {
  await testDb?.drop();
});

const target = { connectionId: 'c1', customerId: '7', accountId: '9000000001', report: 'campaign_performance', aggregation: 'Daily', from: '2026-11-01', to: '2026-11-02' };
const progress = (over: Partial<RunProgressFields> = {}): RunProgressFields => ({
  status: 'pending',
  api: 'rest',
  reportRequestId: 'rr-1',
  submittedAt: new Date('2026-12-01T10:00:00.000Z'),
  submits: 1,
  polls: 0,
  statusErrors: 0,
  throttles: 0,
  urlRefreshes: 0,
  attempt: 1,
  ...over,
});

describe('run ledger statements', () => {
  it('create, find, claim and save progress keep every column a call does not name', async () => {
    const db = testDb.database.db;
    const run = await createRun(db, target, { jobId: 'job-1', api: 'rest', lease: 'lease-a' });
    expect(run).toMatchObject({ status: 'submitting', customerId: 7, accountId: 9000000001, windowStart: '2026-11-01', jobId: 'job-1', lease: 'lease-a', retryOf: null });
    expect((await findOpenRunOfJob(db, 'job-1'))?.id).toBe(run.id);
    expect(await findOpenRunOfJob(db, 'job-2')).toBeUndefined();

    await saveProgress(db, run.id, 'lease-a', progress({ trackingId: 'tr-1', expectedReadyMs: 60_000 }));
    let row = await getRun(db, run.id);
    expect(row).toMatchObject({ status: 'pending', reportRequestId: 'rr-1', trackingId: 'tr-1', expectedReadyMs: 60_000, readyAt: null });
    expect(row?.submittedAt?.toISOString()).toBe('2026-12-01T10:00:00.000Z');

    // No tracking id, no expectation, no readyAt given: the stored ones stay.
    await saveProgress(db, run.id, 'lease-a', progress({ polls: 2 }));
    row = await getRun(db, run.id);
    expect(row).toMatchObject({ polls: 2, trackingId: 'tr-1', expectedReadyMs: 60_000, readyAt: null });

    // An explicit null expectation is a value (none learned); readyAt is written when given.
    await saveProgress(db, run.id, 'lease-a', progress({ status: 'loading', polls: 3, expectedReadyMs: null, readyAt: new Date('2026-12-01T10:01:02.000Z') }));
    row = await getRun(db, run.id);
    expect(row).toMatchObject({ status: 'loading', polls: 3, trackingId: 'tr-1', expectedReadyMs: null });
    expect(row?.readyAt?.toISOString()).toBe('2026-12-01T10:01:02.000Z');

    // Another worker's lease: nothing written.
    await expect(saveProgress(db, run.id, 'lease-b', progress({ polls: 9 }))).rejects.toBeInstanceOf(LeaseLostError);
    expect((await getRun(db, run.id))?.polls).toBe(3);

    // A claim without a job id keeps the run's; with one it takes it.
    expect(await claimRun(db, run.id, 'lease-b', null)).toMatchObject({ lease: 'lease-b', jobId: 'job-1' });
    expect(await claimRun(db, run.id, 'lease-c', 'job-9')).toMatchObject({ lease: 'lease-c', jobId: 'job-9' });
    const attempts = await testDb.database.pool.query('SELECT attempt, job_id FROM report_run_attempts WHERE run_id = $1 ORDER BY attempt', [run.id]);
    expect(attempts.rows).toEqual([{ attempt: 1, job_id: 'job-1' }]);
  });
});
