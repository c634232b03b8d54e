import { Nango } from '@nangohq/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSimulatorOptions, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, OTHER_ACCOUNT, SECRET, testOptions } from './helpers.js';

/** The Nango face, exercised through the real @nangohq/node SDK. */

let sim: Simulator;
let nango: Nango;
beforeEach(async () => {
  sim = await startSimulator(testOptions({ tokenTtlMs: 60_000 }));
  nango = new Nango({ secretKey: SECRET, host: sim.urls.nango });
});
afterEach(async () => {
  await sim.close();
});

/** The HTTP status and Nango error code of a rejected SDK call. */
async function nangoError(call: Promise<unknown>): Promise<{ status: number | undefined; code: string | undefined }> {
  try {
    await call;
  } catch (error) {
    // The SDK rejects with plain AxiosErrors (STACK-NOTES §2).
    const response = (error as { isAxiosError?: boolean; response?: { status: number; data?: { error?: { code?: string } } } }).response;
    if (!response) throw error;
    return { status: response.status, code: response.data?.error?.code };
  }
  throw new Error('expected the call to fail');
}

describe('Nango API through @nangohq/node', () => {
  it('getToken returns an access token that stays the same until it expires', async () => {
    const token = await nango.getToken('microsoft-ads', 'conn-a');
    expect(typeof token).toBe('string');
    expect(await nango.getToken('microsoft-ads', 'conn-a')).toBe(token);
    expect(sim.stats.tokenRefreshes).toBe(0);
  });

  it('getConnection returns the full connection with OAuth2 credentials and metadata', async () => {
    const connection = await nango.getConnection('microsoft-ads', 'conn-a', false, true);
    expect(connection).toMatchObject({
      connection_id: 'conn-a',
      provider_config_key: 'microsoft-ads',
      provider: 'microsoft',
      metadata: { customer_id: '1000001', account_ids: [ACCOUNT, OTHER_ACCOUNT] },
      connection_config: {},
      errors: [],
      end_user: null,
      tags: {},
      credentials: { type: 'OAUTH2' },
    });
    const credentials = connection.credentials as { access_token: string; refresh_token?: string; expires_at: string };
    expect(credentials.refresh_token).toBeTruthy();
    expect(Date.parse(credentials.expires_at)).toBeGreaterThan(Date.now());
    expect(connection.last_fetched_at).toBeTruthy();
    const withoutRefresh = await nango.getConnection('microsoft-ads', 'conn-a');
    expect((withoutRefresh.credentials as { refresh_token?: string }).refresh_token).toBeUndefined();
  });

  it('force refresh and expired tokens issue new tokens and count refreshes', async () => {
    const first = await nango.getToken('microsoft-ads', 'conn-a');
    const forced = await nango.getToken('microsoft-ads', 'conn-a', true);
    expect(forced).not.toBe(first);
    sim.expireTokens();
    const renewed = await nango.getToken('microsoft-ads', 'conn-a');
    expect(renewed).not.toBe(forced);
    expect(sim.stats.tokenRefreshes).toBe(2);
  });

  it('listConnections lists connections without credentials', async () => {
    const { connections } = await nango.listConnections();
    expect(connections.map((c) => c.connection_id)).toEqual(['conn-a', 'conn-b']);
    expect(connections[0]).not.toHaveProperty('credentials');
    const filtered = await nango.listConnections({ connectionId: 'conn-b', integrationId: 'microsoft-ads' });
    expect(filtered.connections.map((c) => c.connection_id)).toEqual(['conn-b']);
  });

  it('404 not_found for an unknown connection, 404 unknown_provider_config for an unknown integration', async () => {
    expect(await nangoError(nango.getToken('microsoft-ads', 'nope'))).toEqual({ status: 404, code: 'not_found' });
    expect(await nangoError(nango.getConnection('google-ads', 'conn-a'))).toEqual({ status: 404, code: 'unknown_provider_config' });
  });

  it('401 for a wrong secret key', async () => {
    const wrong = new Nango({ secretKey: 'wrong', host: sim.urls.nango });
    expect((await nangoError(wrong.getToken('microsoft-ads', 'conn-a'))).status).toBe(401);
  });

  it('setMetadata replaces and updateMetadata merges', async () => {
    await nango.setMetadata('microsoft-ads', 'conn-a', { customer_id: '1000001', account_ids: [ACCOUNT] });
    expect(await nango.getMetadata('microsoft-ads', 'conn-a')).toEqual({ customer_id: '1000001', account_ids: [ACCOUNT] });
    await nango.updateMetadata('microsoft-ads', 'conn-a', { label: 'x' });
    expect(await nango.getMetadata('microsoft-ads', 'conn-a')).toEqual({ customer_id: '1000001', account_ids: [ACCOUNT], label: 'x' });
    expect((await nangoError(nango.setMetadata('microsoft-ads', 'nope', {}))).status).toBe(404);
  });

  it('a revoked connection fails like a refused refresh; a deleted one is gone', async () => {
    sim.faults.revokedConnections.add('conn-a');
    expect(await nangoError(nango.getToken('microsoft-ads', 'conn-a'))).toEqual({ status: 400, code: 'invalid_credentials' });
    const listed = await nango.listConnections();
    expect(listed.connections.find((c) => c.connection_id === 'conn-a')?.errors).toHaveLength(1);
    sim.faults.revokedConnections.clear();
    await nango.getToken('microsoft-ads', 'conn-a');

    sim.faults.deletedConnections.add('conn-b');
    expect((await nangoError(nango.getToken('microsoft-ads', 'conn-b'))).status).toBe(404);
    expect((await nango.listConnections()).connections.map((c) => c.connection_id)).toEqual(['conn-a']);
    await nango.deleteConnection('microsoft-ads', 'conn-a');
    expect((await nangoError(nango.getConnection('microsoft-ads', 'conn-a'))).code).toBe('not_found');
  });

  it('the demo options describe one connection whose metadata the worker reads', async () => {
    const demo = await startSimulator(demoSimulatorOptions());
    try {
      const client = new Nango({ secretKey: 'sim-nango-secret', host: demo.urls.nango });
      const metadata = await client.getMetadata<{ customer_id: string; account_ids: string[] }>('microsoft-ads', 'demo-connection');
      expect(metadata.customer_id).toBe('1000001');
      expect(metadata.account_ids).toHaveLength(2);
    } finally {
      await demo.close();
    }
  });
});
