import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClusterMetrics } from '../../src/observability/clusterMetrics.js';
import { targetFreshness } from '../../src/observability/targetFreshness.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { sample } from '../helpers/prometheus.js';

/**
 * The per-target gauges on real Postgres: every enabled report × discovered account has a series from
 * its discovery on (a never-loaded one with lag +Inf, so a lag alert fires on it), a target whose
 * latest final run failed is failing until a later good run, and removed accounts, filtered-out
 * accounts and disabled reports have none. Paused connections are flagged.
 */

let db: TestDatabase;
const NOW = new Date('2026-03-15T10:00:00Z');
const enabled = [
  { report: 'campaign_performance', aggregation: 'Daily' },
  { report: 'account_performance', aggregation: 'Daily' },
];
const noFilter = { includeIds: undefined, excludeIds: [], namePattern: undefined, statuses: ['Active', 'Pause'] };

async function account(connectionId: string, accountId: string, extra: { removed?: boolean; status?: string } = {}): Promise<void> {
  await db.database.pool.query(
    `INSERT INTO accounts (connection_id, account_id, account_name, parent_customer_id, lifecycle_status, removed_at)
     VALUES ($1, $2, $3, 1, $4, $5)`,
    [connectionId, accountId, `Account ${accountId}`, extra.status ?? 'Active', extra.removed ? new Date() : null],
  );
}

async function run(connectionId: string, accountId: string, report: string, to: string, status: string, minutesAgo: number): Promise<void> {
  await db.database.pool.query(
    `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, updated_at)
     VALUES ($1, 1, $2, $3, 'Daily', $4::date - 2, $4, $5, 'rest', now() - make_interval(mins => $6::int))`,
    [connectionId, accountId, report, to, status, minutesAgo],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('target_metrics');
  await db.database.pool.query(`INSERT INTO connections (connection_id) VALUES ('conn-a'), ('conn-b')`);
  await db.database.pool.query(`UPDATE connections SET paused_at = now(), paused_reason = 'test' WHERE connection_id = 'conn-b'`);
  await account('conn-a', '101');
  await account('conn-a', '102');
  await account('conn-a', '103', { removed: true });
  await account('conn-b', '201', { status: 'Inactive' });
  // 101 campaign: loaded up to the 14th (yesterday), then a later window failed → failing, lag 0.
  await run('conn-a', '101', 'campaign_performance', '2026-03-14', 'succeeded', 60);
  await run('conn-a', '101', 'campaign_performance', '2026-03-14', 'failed', 10);
  // 101 account: failed, then a good run of an older window → not failing, lag 4.
  await run('conn-a', '101', 'account_performance', '2026-03-12', 'failed', 60);
  await run('conn-a', '101', 'account_performance', '2026-03-10', 'empty', 10);
  // 102: only an open run and a failure → never loaded, failing.
  await run('conn-a', '102', 'campaign_performance', '2026-03-14', 'failed', 10);
  await run('conn-a', '102', 'account_performance', '2026-03-14', 'pending', 5);
  // A disabled report and a removed account have ledger rows but no target.
  await run('conn-a', '101', 'keyword_performance', '2026-03-01', 'succeeded', 10);
  await run('conn-a', '103', 'campaign_performance', '2026-03-01', 'succeeded', 10);
});
afterAll(async () => {
  await db?.drop();
});

describe('target freshness', () => {
  it('lists every enabled report × discovered account, never-loaded included', async () => {
    const targets = await targetFreshness(db.database.db, { enabled, timeZone: 'UTC', accountFilter: noFilter, now: NOW });
    expect(targets.map((t) => [t.connectionId, t.accountId, t.report, t.lastLoadedDay, t.lagDays, t.failing])).toEqual([
      ['conn-a', '101', 'account_performance', '2026-03-10', 4, false],
      ['conn-a', '101', 'campaign_performance', '2026-03-14', 0, true],
      ['conn-a', '102', 'account_performance', null, Infinity, false],
      ['conn-a', '102', 'campaign_performance', null, Infinity, true],
    ]);
    // Without the filter the inactive account of conn-b is a target too; no enabled report, no target.
    const unfiltered = await targetFreshness(db.database.db, { enabled, timeZone: 'UTC', now: NOW });
    expect(unfiltered.filter((t) => t.accountId === '201').map((t) => t.lagDays)).toEqual([Infinity, Infinity]);
    expect(await targetFreshness(db.database.db, { enabled: [], timeZone: 'UTC', now: NOW })).toEqual([]);
  });

  it('serves them as gauges an alert can compare (+Inf), with failing, never-loaded and paused flags', async () => {
    const registry = new Registry();
    registerClusterMetrics(registry, { queues: [], db: db.database.db, freshness: { enabled, timeZone: 'UTC' }, accountFilter: noFilter, now: () => NOW });
    const text = await registry.metrics();
    const t = (accountId: string, report: string) => ({ connection_id: 'conn-a', account_id: accountId, report, aggregation: 'Daily' });
    expect(text).toContain('msads_target_freshness_lag_days{connection_id="conn-a",account_id="102",report="campaign_performance",aggregation="Daily"} +Inf');
    expect(sample(text, 'msads_target_freshness_lag_days', t('101', 'account_performance'))).toBe(4);
    expect(sample(text, 'msads_target_freshness_lag_days', t('101', 'campaign_performance'))).toBe(0);
    expect(sample(text, 'msads_target_never_loaded', t('102', 'account_performance'))).toBe(1);
    expect(sample(text, 'msads_target_never_loaded', t('101', 'account_performance'))).toBe(0);
    expect(sample(text, 'msads_target_failing', t('101', 'campaign_performance'))).toBe(1);
    expect(sample(text, 'msads_target_failing', t('101', 'account_performance'))).toBe(0);
    expect(sample(text, 'msads_target_failing', t('102', 'campaign_performance'))).toBe(1);
    expect(sample(text, 'msads_target_freshness_lag_days', { account_id: '103' })).toBeUndefined();
    expect(sample(text, 'msads_target_freshness_lag_days', { account_id: '201' })).toBeUndefined();
    expect(sample(text, 'msads_target_freshness_lag_days', { report: 'keyword_performance' })).toBeUndefined();
    expect(sample(text, 'msads_connection_paused', { connection_id: 'conn-b' })).toBe(1);
    expect(sample(text, 'msads_connection_paused', { connection_id: 'conn-a' })).toBe(0);
    expect(sample(text, 'msads_scrape_error', { source: 'postgres' })).toBe(0);
    expect(sample(text, 'msads_scrape_error', { source: 'redis' })).toBe(0);
  });
});
