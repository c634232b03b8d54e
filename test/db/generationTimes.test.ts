import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedGenerationMs } from '../../src/db/generationTimes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase('gentimes');
});
afterAll(async () => {
  await testDb?.drop();
});

/** A finished run whose report was ready `ms` after its submit, `ageMin` minutes ago. */
async function run(accountId: number, report: string, ms: number, ageMin = 10): Promise<void> {
  await testDb.database.pool.query(
    `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, submitted_at, ready_at, finished_at)
     VALUES ('c', 1, $1, $2, 'Daily', '2026-11-01', '2026-11-02', 'succeeded', 'rest',
             now() - make_interval(mins => $3) - make_interval(secs => $4 / 1000.0), now() - make_interval(mins => $3), now() - make_interval(mins => $3))`,
    [accountId, report, ageMin, ms],
  );
}

describe('expectedGenerationMs (learned from the ledger)', () => {
  it('is unknown before any run, then the kind’s median for a new account, then the account’s own median', async () => {
    const db = testDb.database.db;
    expect(await expectedGenerationMs(db, { accountId: '1', report: 'campaign_performance', aggregation: 'Daily' })).toBeUndefined();
    await run(2, 'campaign_performance', 40_000);
    await run(3, 'campaign_performance', 60_000);
    await run(4, 'campaign_performance', 80_000);
    // Another report kind does not count.
    await run(5, 'keyword_performance', 500_000);
    expect(await expectedGenerationMs(db, { accountId: '1', report: 'campaign_performance', aggregation: 'Daily' })).toBe(60_000);
    // One own run is not enough to trust; two are.
    await run(1, 'campaign_performance', 10_000);
    expect(await expectedGenerationMs(db, { accountId: '1', report: 'campaign_performance', aggregation: 'Daily' })).toBe(50_000);
    await run(1, 'campaign_performance', 12_000);
    expect(await expectedGenerationMs(db, { accountId: '1', report: 'campaign_performance', aggregation: 'Daily' })).toBe(11_000);
  });

  it('forgets the kind’s runs older than three days', async () => {
    const db = testDb.database.db;
    await run(9, 'ad_performance', 30_000, 5 * 24 * 60);
    expect(await expectedGenerationMs(db, { accountId: '8', report: 'ad_performance', aggregation: 'Daily' })).toBeUndefined();
  });
});
