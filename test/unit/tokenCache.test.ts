import { describe, expect, it } from 'vitest';
import { cacheTokenSource } from '../../src/nango/tokenCache.js';
import type { TokenSource } from '../../src/nango/tokenSource.js';
import { Secret } from '../../src/secret.js';

/** A token source that counts its calls and hands out a new token each time (as Nango after a refresh). */
function countingSource(): TokenSource & { calls: { connectionId: string; force: boolean }[]; release: () => void; hold: boolean } {
  const state = {
    calls: [] as { connectionId: string; force: boolean }[],
    hold: false,
    waiters: [] as (() => void)[],
  };
  return {
    get calls() {
      return state.calls;
    },
    get hold() {
      return state.hold;
    },
    set hold(v: boolean) {
      state.hold = v;
    },
    release: () => state.waiters.splice(0).forEach((w) => w()),
    async getAccessToken(connectionId, opts) {
      state.calls.push({ connectionId, force: opts?.forceRefresh === true });
      const n = state.calls.length;
      if (state.hold) await new Promise<void>((r) => state.waiters.push(r));
      return new Secret(`token-${connectionId}-${n}`);
    },
    getConnectionMetadata: async () => ({}),
  };
}

describe('cacheTokenSource', () => {
  it('asks Nango once per connection within the TTL, again after it', async () => {
    let clock = 1_000_000;
    const source = countingSource();
    const tokens = cacheTokenSource(source, { ttlMs: 300_000, now: () => clock });
    const a1 = await tokens.getAccessToken('a');
    for (let i = 0; i < 50; i++) expect((await tokens.getAccessToken('a')).reveal()).toBe(a1.reveal());
    await tokens.getAccessToken('b');
    expect(source.calls.map((c) => c.connectionId)).toEqual(['a', 'b']);
    clock += 299_999;
    await tokens.getAccessToken('a');
    expect(source.calls).toHaveLength(2);
    clock += 1;
    const a2 = await tokens.getAccessToken('a');
    expect(a2.reveal()).not.toBe(a1.reveal());
    expect(source.calls).toHaveLength(3);
  });

  it('forceRefresh always asks Nango (with forceRefresh) and the fresh token is what later calls get', async () => {
    const source = countingSource();
    const tokens = cacheTokenSource(source, { ttlMs: 300_000, now: () => 0 });
    const stale = await tokens.getAccessToken('a');
    const fresh = await tokens.getAccessToken('a', { forceRefresh: true });
    expect(source.calls).toEqual([
      { connectionId: 'a', force: false },
      { connectionId: 'a', force: true },
    ]);
    expect(fresh.reveal()).not.toBe(stale.reveal());
    expect((await tokens.getAccessToken('a')).reveal()).toBe(fresh.reveal());
    expect(source.calls).toHaveLength(2);
  });

  it('concurrent misses for one connection share one Nango request', async () => {
    const source = countingSource();
    source.hold = true;
    const tokens = cacheTokenSource(source, { ttlMs: 300_000, now: () => 0 });
    const all = Promise.all(Array.from({ length: 20 }, () => tokens.getAccessToken('a')));
    await new Promise((r) => setImmediate(r));
    source.release();
    const got = await all;
    expect(source.calls).toHaveLength(1);
    expect(new Set(got.map((t) => t.reveal())).size).toBe(1);
  });

  it('a failed Nango request is not cached', async () => {
    let fail = true;
    const calls: string[] = [];
    const tokens = cacheTokenSource(
      {
        async getAccessToken(id) {
          calls.push(id);
          if (fail) throw new Error('Nango is unavailable');
          return new Secret('ok');
        },
        getConnectionMetadata: async () => ({}),
      },
      { ttlMs: 300_000, now: () => 0 },
    );
    await expect(tokens.getAccessToken('a')).rejects.toThrow('unavailable');
    fail = false;
    expect((await tokens.getAccessToken('a')).reveal()).toBe('ok');
    expect(calls).toHaveLength(2);
  });

  it('ttlMs 0 turns the cache off', async () => {
    const source = countingSource();
    const tokens = cacheTokenSource(source, { ttlMs: 0 });
    await tokens.getAccessToken('a');
    await tokens.getAccessToken('a');
    expect(source.calls).toHaveLength(2);
  });
});
