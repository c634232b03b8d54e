import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscovery } from '../../src/app/discovery.js';
import { createRunDeps } from '../../src/app/runDeps.js';
import { loadConfig } from '../../src/config.js';
import { discoverAccounts } from '../../src/discovery/discoverAccounts.js';
import { runInForeground } from '../../src/jobs/runInForeground.js';
import type { MsAdsApi } from '../../src/ports/msadsApi.js';
import { aggregationSlug, type Aggregation } from '../../src/reports/aggregations.js';
import { apiEnv, startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The two adapters are interchangeable: the same simulated windows loaded over REST and over SOAP give
 * identical tables (every column but loaded_at and run_id), and under MSADS_API=rest not one SOAP request
 * reaches the simulator (it counts requests per API). Also prints the calls each API needs per report.
 */

const WINDOW = { from: '2026-10-05', to: '2026-10-06' };
const CASES: { report: string; aggregation: Aggregation }[] = [
  { report: 'campaign_performance', aggregation: 'Daily' },
  { report: 'campaign_performance', aggregation: 'Hourly' },
  { report: 'keyword_performance', aggregation: 'Daily' },
];

const envs: Partial<Record<MsAdsApi, E2eEnv>> = {};

beforeAll(async () => {
  for (const api of ['rest', 'soap'] as const) {
    // Same seed, same generated rows: one simulator and one database per API.
    const env = await startE2e(`parity_${api}`, { generationMs: 50 }, { api });
    Object.assign(env.env, { POLL_INITIAL_MS: '20', POLL_MAX_MS: '50', REPORTS: CASES.map((c) => `${c.report}:${aggregationSlug(c.aggregation)}`).join(',') });
    env.config = loadConfig(env.env);
    envs[api] = env;
  }
});
afterAll(async () => {
  for (const env of Object.values(envs)) await env?.cleanup();
});

async function loadAll(env: E2eEnv): Promise<void> {
  const connection = env.simOptions.connections[0]!;
  const { deps, close } = await createRunDeps(env.config, env.logger);
  try {
    expect(deps.reporting.api).toBe(env.api);
    for (const accountId of connection.accountIds.slice(0, 1)) {
      for (const c of CASES) {
        await runInForeground(deps, { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: c.report, aggregation: c.aggregation, ...WINDOW }, { attempts: 2, backoffMs: 10 });
      }
    }
  } finally {
    await close();
  }
}

async function tableRows(env: E2eEnv, table: string): Promise<Record<string, unknown>[]> {
  const rows = (await env.db.database.pool.query(`SELECT * FROM ${table}`)).rows as Record<string, unknown>[];
  const stripped = rows.map(({ loaded_at: _l, run_id: _r, ...rest }) => rest);
  const key = (r: Record<string, unknown>) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  return stripped.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

describe('REST and SOAP adapters', () => {
  it('load identical tables for the same simulated windows, and REST sends no SOAP request', async () => {
    const rest = envs.rest!;
    const soap = envs.soap!;
    const started: Partial<Record<MsAdsApi, number>> = {};
    const ended: Partial<Record<MsAdsApi, number>> = {};
    for (const env of [rest, soap]) {
      started[env.api] = Date.now();
      await loadAll(env);
      ended[env.api] = Date.now();
    }

    for (const c of CASES) {
      const table = `${c.report}_${aggregationSlug(c.aggregation)}`;
      const [r, s] = [await tableRows(rest, table), await tableRows(soap, table)];
      expect(r.length, table).toBeGreaterThan(0);
      expect(r, table).toEqual(s);
    }
    const apis = async (env: E2eEnv) => (await env.db.database.pool.query(`SELECT DISTINCT api FROM report_runs`)).rows.map((x: { api: string }) => x.api);
    expect(await apis(rest)).toEqual(['rest']);
    expect(await apis(soap)).toEqual(['soap']);

    // Discovery over the configured API too.
    for (const env of [rest, soap]) {
      const { discovery } = await createDiscovery(env.config, env.logger);
      const found = await discoverAccounts(discovery, env.simOptions.connections[0]!.connectionId);
      expect(found.accounts.map((a) => a.accountId)).toEqual(env.simOptions.connections[0]!.accountIds);
    }

    expect(rest.sim.stats.requestsByApi.soap).toBe(0);
    expect(rest.sim.stats.requestsByApi.rest).toBeGreaterThan(0);
    expect(soap.sim.stats.requestsByApi.rest).toBe(0);
    const reportsRun = CASES.length;
    for (const env of [rest, soap]) {
      const s = env.sim.stats;
      process.stdout.write(
        `[parity] ${env.api}: ${((ended[env.api]! - started[env.api]!) / 1000).toFixed(1)} s of loading; `,
      );
      process.stdout.write(
        `[parity] ${env.api}: ${reportsRun} reports, ${s.submits} submits + ${s.polls} polls = ${((s.submits + s.polls) / reportsRun).toFixed(2)} Microsoft reporting calls per report; ${s.requestsByApi[env.api]} requests in all (discovery included)\n`,
      );
    }
  }, 180_000);

  it('points only one API at the simulator, so neither configuration warns', () => {
    expect(loadConfig({ ...apiEnv(envs.rest!.sim, 'rest') }).warnings).toEqual([]);
    expect(loadConfig({ ...apiEnv(envs.soap!.sim, 'soap') }).warnings.every((w) => w.startsWith('MSADS_API=soap'))).toBe(true);
  });
});
