import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClusterMetrics } from '../../src/observability/clusterMetrics.js';
import { sample } from '../helpers/prometheus.js';
import { noopObserver } from '../../src/jobs/observer.js';
import { createAlertObserver } from '../../src/observability/alertObserver.js';
import type { Alert } from '../../src/observability/alerts.js';
import { createRunDeps } from '../../src/app/runDeps.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import type { EntityRunDeps, EntityTarget } from '../../src/entities/entityRun.js';
import { entityRunDeps, runEntitiesInForeground } from '../../src/entities/runEntitiesInForeground.js';
import { createRestBulkApi } from '../../src/rest/bulkClient.js';
import type { BulkRecordType } from '../../src/simulator/index.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/** Entity runs against the simulator's Bulk service over real sockets, into real Postgres. */

let env: E2eEnv;
let deps: EntityRunDeps;
let close: () => Promise<void>;
let target: EntityTarget;
const ALL = ['campaigns', 'ad_groups', 'ads', 'keywords', 'asset_groups', 'labels', 'budgets'] as const;

beforeAll(async () => {
  env = await startE2e('entityrun', { bulkGenerationMs: 150 });
  const config = loadConfig({ ...env.env, MSADS_BULK_REST_URL: env.sim.urls.bulkRest, BULK_POLL_INTERVAL_MS: '100', BULK_THROTTLE_WAIT_MS: '200', THROTTLE_WAIT_MS: '200', JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '50' });
  const started = await createRunDeps(config, env.logger);
  close = started.close;
  await runMigrations(started.deps.database.pool, { reports: started.deps.reports, enabled: config.reports });
  deps = entityRunDeps(started.deps, createRestBulkApi({ baseUrl: config.msads.bulkRestUrl, timeoutMs: 10_000 }), {
    pollIntervalMs: 100,
    throttleWaitMs: 200,
    attempts: 2,
    backoffMs: 50,
  });
  const c = env.simOptions.connections[0]!;
  target = { connectionId: c.connectionId, customerId: c.customerId, accountId: c.accountIds[0]!, entities: ALL };
});

afterAll(async () => {
  await close?.();
  await env?.cleanup();
});

const q = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await env.db.database.pool.query<T>(sql, params)).rows;
const liveIds = async (table: string) => (await q<{ id: string }>(`SELECT id::text FROM ${table} WHERE account_id = $1 AND NOT is_deleted ORDER BY id`, [target.accountId])).map((r) => r.id);
const simIds = (type: BulkRecordType | BulkRecordType[]) =>
  env.sim.bulk
    .entities(target.accountId, Array.isArray(type) ? type : [type])
    .map((e) => e.id)
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

async function expectTablesMatchSimulator(): Promise<void> {
  expect(await liveIds('campaigns')).toEqual(simIds('Campaign'));
  expect(await liveIds('ad_groups')).toEqual(simIds('Ad Group'));
  expect(await liveIds('keywords')).toEqual(simIds('Keyword'));
  expect(await liveIds('ads')).toEqual(simIds(['Responsive Search Ad', 'Expanded Text Ad']));
  expect(await liveIds('asset_groups')).toEqual(simIds('Asset Group'));
  expect(await liveIds('labels')).toEqual(simIds('Label'));
  expect(await liveIds('budgets')).toEqual(simIds('Budget'));
}

describe('entity runs against the simulator', () => {
  it('the first run downloads in full and loads exactly the simulator’s entities', async () => {
    const result = await runEntitiesInForeground(deps, target);
    expect(result.kind).toBe('done');
    if (result.kind !== 'done') return;
    expect(result.mode).toBe('full');
    await expectTablesMatchSimulator();
    const names = await q<{ id: string; name: string }>(`SELECT id::text, name FROM campaigns WHERE account_id = $1`, [target.accountId]);
    for (const n of names) expect(n.name).toBe(env.sim.bulk.get(target.accountId, 'Campaign', n.id)?.fields['Campaign']);
    const [run] = await q<{ status: string; mode: string; sync_time: Date; rows: Record<string, { inFile: number }> }>(`SELECT status, mode, sync_time, rows FROM entity_runs WHERE id = $1`, [result.runId]);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full' });
    expect(run!.rows.keywords!.inFile).toBe(simIds('Keyword').length);
    expect((await q(`SELECT last_sync_time FROM entity_sync_state WHERE account_id = $1`, [target.accountId]))[0]).toEqual({ last_sync_time: run!.sync_time });
  });

  it('the next run is a delta from the file’s Sync Time and applies renames, additions and deletions (children included) exactly', async () => {
    // The simulator's Sync Time is to the second: changes must come after it.
    await new Promise((r) => setTimeout(r, 1_100));
    const campaigns = env.sim.bulk.entities(target.accountId, ['Campaign']);
    const renamed = campaigns[0]!;
    env.sim.bulk.rename(target.accountId, 'Campaign', renamed.id, 'Renamed by the test');
    const adGroup = env.sim.bulk.entities(target.accountId, ['Ad Group'])[0]!;
    const removedKeywords = env.sim.bulk.entities(target.accountId, ['Keyword']).filter((k) => k.parentId === adGroup.id).map((k) => k.id);
    env.sim.bulk.remove(target.accountId, 'Ad Group', adGroup.id);
    const removedCampaign = campaigns[campaigns.length - 1]!;
    env.sim.bulk.remove(target.accountId, 'Campaign', removedCampaign.id);
    const anotherAdGroup = env.sim.bulk.entities(target.accountId, ['Ad Group'])[0]!;
    const added = env.sim.bulk.add(target.accountId, { type: 'Keyword', parentId: anotherAdGroup.id, fields: { Keyword: 'added by the test', 'Match Type': 'Phrase', Bid: '2.5' } });

    const result = await runEntitiesInForeground(deps, target);
    expect(result.kind).toBe('done');
    if (result.kind !== 'done') return;
    expect(result.mode).toBe('delta');
    await expectTablesMatchSimulator();
    expect((await q(`SELECT name FROM campaigns WHERE id = $1`, [renamed.id]))[0]).toEqual({ name: 'Renamed by the test' });
    expect(await q(`SELECT keyword, match_type, bid::text, campaign_id::text FROM keywords WHERE id = $1`, [added.id])).toEqual([
      { keyword: 'added by the test', match_type: 'Phrase', bid: '2.5', campaign_id: anotherAdGroup.parentId },
    ]);
    const deleted = await q<{ id: string; status: string }>(`SELECT id::text, status FROM keywords WHERE id = ANY($1::bigint[])`, [removedKeywords]);
    expect(deleted.length).toBe(removedKeywords.length);
    expect(deleted.every((d) => d.status === 'Deleted')).toBe(true);
    expect((await q(`SELECT status, is_deleted FROM campaigns WHERE id = $1`, [removedCampaign.id]))[0]).toEqual({ status: 'Deleted', is_deleted: true });
    expect((await q(`SELECT count(*)::int AS n FROM campaigns_history WHERE id = $1`, [renamed.id]))[0]).toEqual({ n: 2 });
  });

  it('a run with nothing changed changes nothing', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const snapshot = () => q(`SELECT (SELECT count(*)::int FROM keywords_history) AS versions, (SELECT max(loaded_at) FROM keywords) AS changed`);
    const before = await snapshot();
    const result = await runEntitiesInForeground(deps, target);
    expect(result.kind === 'done' && result.mode).toBe('delta');
    expect(await snapshot()).toEqual(before);
    if (result.kind === 'done') for (const c of Object.values(result.outcome?.tables ?? {})) expect(c.changed + c.deleted).toBe(0);
  });

  it('4204 waits and tries again; FailedFullSyncRequired downloads in full; an unknown column and record type are noted, not fatal', async () => {
    env.sim.faults.bulkThrottleNext = 1;
    env.sim.faults.bulkFullSyncRequiredNext = 1;
    env.sim.faults.bulkExtraColumn = true;
    env.sim.faults.bulkUnknownRecordType = true;
    try {
      const result = await runEntitiesInForeground(deps, target);
      expect(result.kind).toBe('done');
      if (result.kind !== 'done') return;
      expect(result.mode).toBe('full');
      expect(result.outcome?.unknownTypes).toMatchObject({ 'Campaign Negative Site': expect.any(Number) });
      expect(result.outcome?.warnings.join(' ')).toContain('Simulator Future Column');
      const [run] = await q<{ throttles: number }>(`SELECT throttles FROM entity_runs WHERE id = $1`, [result.runId]);
      expect(run!.throttles).toBe(1);
      await expectTablesMatchSimulator();
    } finally {
      env.sim.faults.bulkExtraColumn = false;
      env.sim.faults.bulkUnknownRecordType = false;
    }
  });

  it('RequestStatus Failed fails the run with Microsoft’s reason; a corrupt zip fails after the attempts and loses nothing', async () => {
    env.sim.faults.bulkFailedNext = 1;
    const failed = await runEntitiesInForeground(deps, target);
    expect(failed.kind).toBe('failed');
    if (failed.kind === 'failed') expect(failed.error.message).toMatch(/RequestStatus Failed/);
    const before = await liveIds('keywords');
    env.sim.faults.bulkCorruptZip = true;
    try {
      const corrupt = await runEntitiesInForeground(deps, { ...target, full: true });
      expect(corrupt.kind).toBe('failed');
      if (corrupt.kind === 'failed') expect(corrupt.errorClass).toBe('transient');
    } finally {
      env.sim.faults.bulkCorruptZip = false;
    }
    expect(await liveIds('keywords')).toEqual(before);
  });

  it('the metrics cover entity runs: runs by mode and status, the failing account, the age of its Sync Time', async () => {
    const registry = new Registry();
    registerClusterMetrics(registry, { queues: [], db: env.db.database.db, freshness: { enabled: [], timeZone: 'UTC' }, now: () => new Date() });
    const text = await registry.metrics();
    expect(sample(text, 'msads_entity_runs', { mode: 'delta', status: 'succeeded', error_class: 'none' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'msads_entity_runs', { mode: 'full', status: 'failed', error_class: 'transient' })).toBe(1);
    // The last run of the account failed (the corrupt zip): failing until a good run.
    expect(sample(text, 'msads_entity_failing', { account_id: target.accountId })).toBe(1);
    const age = sample(text, 'msads_entity_sync_age_seconds', { account_id: target.accountId });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
  });

  it('a run that ends tells the observer: an entity failure raises one alert per connection and class', async () => {
    const sent: Alert[] = [];
    const alerts = createAlertObserver({ sender: { send: async (a) => (sent.push(a), 'sent') }, db: env.db.database.db, repeatMs: 3_600_000, logger: env.logger });
    const ended: string[] = [];
    const observed = { ...deps, observer: { ...noopObserver, entityRunEnded: (run: Parameters<typeof alerts.entityRunEnded>[0], outcome: 'succeeded' | 'failed', failure?: { errorClass: string; message: string }) => {
      ended.push(`${run.accountId} ${outcome}`);
      alerts.entityRunEnded(run, outcome, failure);
    } } };
    env.sim.faults.bulkFailedNext = 1;
    expect((await runEntitiesInForeground(observed, target)).kind).toBe('failed');
    expect((await runEntitiesInForeground(observed, target)).kind).toBe('done');
    await alerts.idle();
    expect(ended).toEqual([`${target.accountId} failed`, `${target.accountId} succeeded`]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'run_failed', connectionId: target.connectionId, key: `connection:${target.connectionId}:entities-failed:generation` });
    expect(String(sent[0]!.text)).toContain(`account ${target.accountId}`);
  });
});
