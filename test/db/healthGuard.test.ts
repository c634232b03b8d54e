import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markConnectionDiscovered, markConnectionNeedsReauth, recordConnectionsSeen } from '../../src/db/connections.js';
import { ConnectionNeedsReauthError } from '../../src/discovery/credentials.js';
import { guardTokenSource } from '../../src/discovery/healthGuard.js';
import type { TokenSource } from '../../src/nango/tokenSource.js';
import { Secret } from '../../src/secret.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase('healthguard');
});
afterAll(async () => {
  await testDb?.drop();
});

const tokens = (): TokenSource & { forgotten: string[] } => {
  const forgotten: string[] = [];
  return {
    forgotten,
    getAccessToken: async () => new Secret('t'),
    getConnectionMetadata: async () => ({}),
    forget: (id) => forgotten.push(id),
  };
};

describe('health guard of the report worker', () => {
  it('reuses a healthy answer for cacheMs, sees its own process’s mark at once (forget), another’s after cacheMs', async () => {
    const db = testDb.database.db;
    await recordConnectionsSeen(db, ['c1']);
    let now = 1_000_000;
    const inner = tokens();
    const guard = guardTokenSource(inner, db, { cacheMs: 30_000, now: () => now });
    await expect(guard.getAccessToken('c1')).resolves.toBeInstanceOf(Secret);
    // Another process marks it: this one still has the healthy answer for up to 30 s ...
    await markConnectionNeedsReauth(db, 'c1', '105 InvalidCredentials');
    now += 29_000;
    await expect(guard.getAccessToken('c1')).resolves.toBeInstanceOf(Secret);
    // ... and reads the row again after that.
    now += 2_000;
    await expect(guard.getAccessToken('c1')).rejects.toBeInstanceOf(ConnectionNeedsReauthError);
    // A marked connection is never cached: a lifted mark shows at once.
    await markConnectionDiscovered(db, 'c1', '4242');
    await expect(guard.getAccessToken('c1')).resolves.toBeInstanceOf(Secret);
    // This process's own mark: forget() drops the healthy answer (and tells the token cache).
    await markConnectionNeedsReauth(db, 'c1', '105 InvalidCredentials');
    guard.forget?.('c1');
    expect(inner.forgotten).toEqual(['c1']);
    await expect(guard.getAccessToken('c1')).rejects.toBeInstanceOf(ConnectionNeedsReauthError);
  });
});
