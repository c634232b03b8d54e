import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProvisionalWindows } from '../../src/db/provisional.js';
import { listTargetStatus } from '../../src/db/runStatus.js';
import { registerClusterMetrics } from '../../src/observability/clusterMetrics.js';
import { connectionFreshness } from '../../src/observability/freshness.js';
import { planNightly } from '../../src/schedule/planner.js';
import { retentionFor } from '../../src/schedule/retention.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { sample } from '../helpers/prometheus.js';

/**
 * Provisional windows end to end on real Postgres: the view report_provisional_windows (migration
 * 0006) over seeded ledger rows, listProvisionalWindows, the status lines (ledger and CLI), the
 * per-connection gauge, and the planner fed from the view.
 */

let db: TestDatabase;

interface Seed {
  connectionId?: string;
  accountId: string;
  from: string;
  to: string;
  status?: string;
  potentialIncomplete: boolean | null;
  finishedHoursAgo: number;
}

async function seed(s: Seed): Promise<number> {
  const result = await db.database.pool.query<{ id: string }>(
    `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api,
                              potential_incomplete, finished_at)
     VALUES ($1, 1, $2, 'campaign_performance', 'Daily', $3, $4, $5, 'rest', $6, now() - make_interval(hours => $7::int))
     RETURNING id`,
    [s.connectionId ?? 'conn-a', s.accountId, s.from, s.to, s.status ?? 'succeeded', s.potentialIncomplete, s.finishedHoursAgo],
  );
  return Number(result.rows[0]!.id);
}

const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDatabase('provisional');
  // 101: provisional, and a later failed run does not settle it.
  ids['open'] = await seed({ accountId: '101', from: '2026-03-01', to: '2026-03-10', potentialIncomplete: true, finishedHoursAgo: 48 });
  await seed({ accountId: '101', from: '2026-03-01', to: '2026-03-12', status: 'failed', potentialIncomplete: null, finishedHoursAgo: 24 });
  // 102: provisional, then settled by a later complete load of the same last day.
  ids['settledComplete'] = await seed({ accountId: '102', from: '2026-03-01', to: '2026-03-10', potentialIncomplete: true, finishedHoursAgo: 72 });
  await seed({ accountId: '102', from: '2026-03-05', to: '2026-03-10', potentialIncomplete: false, finishedHoursAgo: 48 });
  // 103: provisional, then settled by a later load ending later, which is itself provisional.
  ids['settledLater'] = await seed({ accountId: '103', from: '2026-03-01', to: '2026-03-10', potentialIncomplete: true, finishedHoursAgo: 72 });
  ids['later'] = await seed({ accountId: '103', from: '2026-03-08', to: '2026-03-12', potentialIncomplete: true, finishedHoursAgo: 48 });
  // 104 on another connection: a complete load, nothing provisional.
  await seed({ connectionId: 'conn-b', accountId: '104', from: '2026-03-01', to: '2026-03-12', potentialIncomplete: false, finishedHoursAgo: 24 });
});

afterAll(async () => {
  await db?.drop();
});

describe('provisional windows', () => {
  it('a Summary window is settled only by a later load of the same window (migration 0007)', async () => {
    const insert = (from: string, to: string, incomplete: boolean, hoursAgo: number) =>
      db.database.pool.query<{ id: string }>(
        `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, potential_incomplete, finished_at)
         VALUES ('conn-s', 1, 900, 'account_performance', 'Summary', $1, $2, 'succeeded', 'rest', $3, now() - make_interval(hours => $4::int)) RETURNING id`,
        [from, to, incomplete, hoursAgo],
      );
    const provisional = Number((await insert('2026-03-01', '2026-03-10', true, 72)).rows[0]!.id);
    // A wider window covering the last day is other figures: the provisional rows are still there.
    await insert('2026-02-01', '2026-03-10', false, 48);
    const open = async () => (await db.database.pool.query(`SELECT run_id FROM report_provisional_windows WHERE connection_id = 'conn-s'`)).rows.map((r) => Number(r.run_id));
    expect(await open()).toEqual([provisional]);
    await insert('2026-03-01', '2026-03-10', false, 24);
    expect(await open()).toEqual([]);
    await db.database.pool.query(`DELETE FROM report_runs WHERE connection_id = 'conn-s'`);
  });

  it('the view keeps unsettled provisional loads only; listProvisionalWindows reads it', async () => {
    const view = await db.database.pool.query<{ run_id: string }>('SELECT run_id FROM report_provisional_windows ORDER BY run_id');
    expect(view.rows.map((r) => Number(r.run_id))).toEqual([ids['open'], ids['later']]);

    const windows = await listProvisionalWindows(db.database.db);
    expect(windows).toEqual([
      expect.objectContaining({ runId: ids['open'], connectionId: 'conn-a', accountId: '101', report: 'campaign_performance', aggregation: 'Daily', from: '2026-03-01', to: '2026-03-10' }),
      expect.objectContaining({ runId: ids['later'], accountId: '103', from: '2026-03-08', to: '2026-03-12' }),
    ]);
    expect(await listProvisionalWindows(db.database.db, 'conn-b')).toEqual([]);
  });

  it('status lists each target’s provisional windows', async () => {
    const targets = await listTargetStatus(db.database.db);
    const byAccount = new Map(targets.map((t) => [t.accountId, t]));
    expect(byAccount.get('101')?.provisional).toEqual({ windows: 1, firstDay: '2026-03-10' });
    expect(byAccount.get('101')?.failing).toBe(true);
    expect(byAccount.get('102')?.provisional).toBeNull();
    expect(byAccount.get('103')?.provisional).toEqual({ windows: 1, firstDay: '2026-03-12' });
    expect(byAccount.get('104')?.provisional).toBeNull();
  });

  it('the CLI shows a PROVISIONAL column and a summary line; provisional alone does not fail it', async () => {
    // The seeded days are fixed (March 2026): a lag and lookback wide enough that only the provisional
    // windows and the failure are judged here (statusCli.test.ts covers BEHIND and PROVISIONAL_EXPIRED).
    const env = { DATABASE_URL: db.url, REPORTS: 'campaign_performance:daily', ENTITIES: '', FRESHNESS_MAX_LAG_DAYS: '365', LOOKBACK_DAYS: '1095' };
    const all = await runCli(['status'], env);
    // 101's latest run failed, so status fails for that, not for the provisional windows.
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/PROVISIONAL/);
    expect(all.stdout).toMatch(/conn-a\s+101\s+.*FAILING\s+2026-03-10\s+rest/);
    expect(all.stdout).toMatch(/conn-a\s+103\s+.*ok\s+2026-03-12\s+rest/);
    expect(all.stdout).toMatch(/conn-a\s+102\s+.*ok\s+-\s+rest/);
    expect(all.stdout).toContain('provisional: 2 report target(s) with 2 window(s) Microsoft may still change (earliest last day 2026-03-10)');

    const b = await runCli(['status', '--connection', 'conn-b'], env);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('all ok: 1 report target(s) loaded and fresh');
    expect(b.stdout).toContain('provisional: none');

    // A settled account with only a provisional window: still exit 0.
    await db.database.pool.query(`INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, potential_incomplete, finished_at)
                                  VALUES ('conn-c', 1, 105, 'campaign_performance', 'Daily', '2026-03-01', '2026-03-14', 'succeeded', 'rest', true, now())`);
    const c = await runCli(['status', '--connection', 'conn-c', '--json'], env);
    expect(c.code).toBe(0);
    const json = JSON.parse(c.stdout) as { failing: boolean; provisionalTargets: number; targets: { accountId: string; state: string; provisional: unknown }[] };
    expect(json).toMatchObject({ failing: false, provisionalTargets: 1 });
    expect(json.targets).toEqual([expect.objectContaining({ accountId: '105', state: 'ok', provisional: { windows: 1, firstDay: '2026-03-14' } })]);
    await db.database.pool.query(`DELETE FROM report_runs WHERE connection_id = 'conn-c'`);
  });

  it('counts them per connection in connectionFreshness and msads_connection_provisional_windows', async () => {
    const freshness = { enabled: [{ report: 'campaign_performance', aggregation: 'Daily' }], timeZone: 'UTC' };
    const rows = await connectionFreshness(db.database.db, { ...freshness, now: new Date('2026-03-15T10:00:00Z') });
    expect(rows.map((r) => [r.connectionId, r.provisionalWindows])).toEqual([
      ['conn-a', 2],
      ['conn-b', 0],
    ]);
    // A disabled report's windows are not counted, as for freshness.
    expect((await connectionFreshness(db.database.db, { ...freshness, enabled: [], now: new Date() })).map((r) => r.provisionalWindows)).toEqual([]);

    const registry = new Registry();
    registerClusterMetrics(registry, { queues: [], db: db.database.db, freshness, now: () => new Date('2026-03-15T10:00:00Z') });
    const text = await registry.metrics();
    expect(sample(text, 'msads_connection_provisional_windows', { connection_id: 'conn-a' })).toBe(2);
    expect(sample(text, 'msads_connection_provisional_windows', { connection_id: 'conn-b' })).toBe(0);
    // The stalest target (101, loaded through 2026-03-10) sets the lag; the gauge qualifies it.
    expect(sample(text, 'msads_connection_freshness_lag_days', { connection_id: 'conn-a' })).toBe(4);
  });

  it('the planner fed from the view puts those targets first', async () => {
    const daily = { report: 'campaign_performance', aggregation: 'Daily' as const, retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') };
    const plan = planNightly({
      now: new Date('2026-03-15T10:00:00Z'),
      timeZone: 'UTC',
      lookbackDays: 3,
      connections: [{ connectionId: 'conn-a', health: 'ok' }],
      accounts: ['101', '102', '103'].map((accountId) => ({ connectionId: 'conn-a', accountId, customerId: '1' })),
      reports: [daily],
      provisional: await listProvisionalWindows(db.database.db),
    });
    expect(plan.provisionalJobs).toBe(2);
    // 101's last day 2026-03-10 is before the 3-day window (from 2026-03-12): widened to cover it.
    expect(plan.jobs.map((j) => `${j.accountId} ${j.from}..${j.to}`)).toEqual(['101 2026-03-10..2026-03-14', '103 2026-03-12..2026-03-14', '102 2026-03-12..2026-03-14']);
  });
});
