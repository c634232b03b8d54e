import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccounts, syncConnectionAccounts } from '../../src/db/accounts.js';
import { getConnectionHealth } from '../../src/db/connections.js';
import { discoverAccounts, type DiscoveryDeps } from '../../src/discovery/discoverAccounts.js';
import { refreshConnections } from '../../src/discovery/refresh.js';
import { createLogger } from '../../src/logger.js';
import { createNangoConnectionLister } from '../../src/nango/connectionList.js';
import { createNangoTokenSource } from '../../src/nango/tokenSource.js';
import { bundledCustomerManagementWsdl } from '../../src/paths.js';
import { Secret } from '../../src/secret.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createCustomerManagementService } from '../../src/soap/customerManagementClient.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testApi } from '../helpers/e2e.js';
import { createRestCustomerApi } from '../../src/rest/customerClient.js';

/** Discovery against the simulator's Customer Management and Nango, stored in a real Postgres. */

const MANY = Array.from({ length: 2_345 }, (_, i) => String(510_000_000 + i));
let sim: Simulator;
let db: TestDatabase;
let deps: DiscoveryDeps;

beforeAll(async () => {
  sim = await startSimulator({
    nangoSecretKey: 'sk',
    developerToken: 'dev',
    connections: [
      { connectionId: 'big', customerId: '5000005', accountIds: MANY },
      { connectionId: 'small', customerId: '6000006', accountIds: ['610000001'], linkedAccounts: [{ customerId: '6100006', accountIds: ['611000001'] }] },
      { connectionId: 'flaky', customerId: '7000007', accountIds: ['710000001'] },
    ],
  });
  db = await createTestDatabase('discovery');
  const nango = { secretKey: new Secret('sk'), host: sim.urls.nango, integrationId: 'microsoft-ads', timeoutMs: 10_000 };
  deps = {
    // REST by default; test/soap-subset/discovery.soap.test.ts runs this file over SOAP.
    customer:
      testApi() === 'soap'
        ? await createCustomerManagementService({ wsdl: bundledCustomerManagementWsdl, endpoint: sim.urls.customer, timeoutMs: 10_000 })
        : createRestCustomerApi({ baseUrl: sim.urls.customerRest, timeoutMs: 10_000 }),
    tokens: createNangoTokenSource(nango),
    developerToken: new Secret('dev'),
    logger: createLogger({ level: 'silent' }),
  };
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe('account discovery', () => {
  it('pages SearchAccounts by 1,000 until a short page, every account once, in id order', async () => {
    const before = sim.stats.customerCalls.SearchAccounts ?? 0;
    const found = await discoverAccounts(deps, 'big');
    expect(found.pages).toBe(3);
    expect((sim.stats.customerCalls.SearchAccounts ?? 0) - before).toBe(3);
    expect(found.accounts.map((a) => a.accountId)).toEqual(MANY);
    expect(found.accounts[0]).toMatchObject({ connectionId: 'big', parentCustomerId: '5000005', lifecycleStatus: 'Active' });
    // Smaller pages, same result (and one extra empty page when the total divides evenly).
    const small = await discoverAccounts({ ...deps, pageSize: 469 }, 'big');
    expect(small.pages).toBe(6);
    expect(small.accounts).toEqual(found.accounts);
  });

  it('refreshes a token Microsoft calls expired (109) through Nango and carries on', async () => {
    sim.expireTokens();
    const refreshes = sim.stats.tokenRefreshes;
    const found = await discoverAccounts(deps, 'small');
    expect(found.accounts.map((a) => [a.accountId, a.parentCustomerId])).toEqual([
      ['610000001', '6000006'],
      ['611000001', '6100006'],
    ]);
    expect(sim.stats.tokenRefreshes).toBeGreaterThan(refreshes);
  });

  it('stores accounts per connection, stamps the ones that disappear, and isolates failures per connection', async () => {
    const outcomes = await refreshConnections({ db: db.database.db, discovery: deps }, ['small', 'big', 'flaky']);
    expect(outcomes.map((o) => [o.connectionId, o.status, o.accounts.length])).toEqual([
      ['small', 'ok', 2],
      ['big', 'ok', 2_345],
      ['flaky', 'ok', 1],
    ]);
    expect((await listAccounts(db.database.db, { connectionId: 'small' })).map((a) => a.accountId)).toEqual(['610000001', '611000001']);

    // A later discovery without 611000001: it is kept with removed_at, and left out of listings.
    await syncConnectionAccounts(db.database.db, 'small', (await listAccounts(db.database.db, { connectionId: 'small' })).slice(0, 1));
    expect((await listAccounts(db.database.db, { connectionId: 'small' })).map((a) => a.accountId)).toEqual(['610000001']);
    expect(await listAccounts(db.database.db, { connectionId: 'small', includeRemoved: true })).toHaveLength(2);

    // One connection revoked in Nango, one whose Customer Management call fails: the third still discovers.
    sim.faults.revokedConnections.add('small');
    sim.faults.customerInternalErrorNext = 1;
    try {
      const next = await refreshConnections({ db: db.database.db, discovery: deps, concurrency: 1 }, ['flaky', 'small', 'big']);
      expect(next.map((o) => [o.connectionId, o.status])).toEqual([
        ['flaky', 'discovery_failed'],
        ['small', 'needs_reauth'],
        ['big', 'ok'],
      ]);
      // The failed discovery falls back to the accounts found before.
      expect(next[0]?.accounts.map((a) => a.accountId)).toEqual(['710000001']);
      const health = await getConnectionHealth(db.database.db, 'small');
      expect(health).toMatchObject({ health: 'needs_reauth' });
      expect(health?.reason).toMatch(/invalid_credentials/);
      const since = health?.since;
      // Still dead on the next discovery: the original "since" is kept.
      await refreshConnections({ db: db.database.db, discovery: deps }, ['small']);
      expect((await getConnectionHealth(db.database.db, 'small'))?.since).toEqual(since);
    } finally {
      sim.faults.revokedConnections.clear();
    }
    await refreshConnections({ db: db.database.db, discovery: deps }, ['small']);
    expect(await getConnectionHealth(db.database.db, 'small')).toEqual({ health: 'ok', reason: null, since: null });
  });

  it('lists Nango connections of the integration page by page', async () => {
    const lister = createNangoConnectionLister({ secretKey: new Secret('sk'), host: sim.urls.nango, integrationId: 'microsoft-ads', timeoutMs: 5_000, pageSize: 2 });
    const before = sim.stats.nangoRequests;
    expect((await lister.listConnections()).map((c) => c.connectionId)).toEqual(['big', 'flaky', 'small']);
    expect(sim.stats.nangoRequests - before).toBe(2);
    sim.faults.revokedConnections.add('flaky');
    try {
      expect((await lister.listConnections()).find((c) => c.connectionId === 'flaky')?.errorTypes).toEqual(['auth']);
    } finally {
      sim.faults.revokedConnections.clear();
    }
    const wrongKey = createNangoConnectionLister({ secretKey: new Secret('nope'), host: sim.urls.nango, integrationId: 'microsoft-ads', timeoutMs: 5_000 });
    await expect(wrongKey.listConnections()).rejects.toThrow(/listing the connections of Nango integration "microsoft-ads" failed: Nango rejected the secret key \(HTTP 401\)/);
  });
});
