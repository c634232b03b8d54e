import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { limiterKey, type LimiterSettings } from '../../src/throttle/limiter.js';
import { createLocalLimiter } from '../../src/throttle/localLimiter.js';
import { createRedisLimiter } from '../../src/throttle/redisLimiter.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

const settings: LimiterSettings = { callsPerMinute: 3, maxConcurrentReports: 2, maxConcurrentReportsCeiling: 4, slotLeaseMs: 60_000, penaltyMs: 60_000 };
const { prefix, cleanup } = createTestPrefix('limiter');
// A hash-tagged prefix, as on Redis Cluster: every key of the limiter must still work under it.
const taggedPrefix = `{${prefix}}`;
const connections: Redis[] = [];
const redis = () => {
  const r = new Redis(TEST_REDIS_URL);
  connections.push(r);
  return r;
};

afterAll(async () => {
  const r = redis();
  const keys = await r.keys(`${taggedPrefix}*`);
  if (keys.length) await r.del(...keys);
  for (const c of connections) c.disconnect();
  await cleanup();
});

const developerToken = new Secret('dev-token-SECRET-123');

describe('Redis limiter shared by workers', () => {
  it('shares calls per minute between processes on the same developer token and customer', async () => {
    const a = createRedisLimiter(redis(), taggedPrefix, settings);
    const b = createRedisLimiter(redis(), taggedPrefix, settings);
    const key = limiterKey(developerToken, '1001');
    expect(await a.acquireCall(key)).toBe(0);
    expect(await b.acquireCall(key)).toBe(0);
    expect(await a.acquireCall(key)).toBe(0);
    const wait = await b.acquireCall(key);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    // Another customer on the same token has its own budget.
    expect(await b.acquireCall(limiterKey(developerToken, '1002'))).toBe(0);
  });

  it('makes every worker on the key wait after a 117, then halves its rate', async () => {
    const a = createRedisLimiter(redis(), taggedPrefix, { ...settings, callsPerMinute: 4 });
    const b = createRedisLimiter(redis(), taggedPrefix, { ...settings, callsPerMinute: 4 });
    const key = limiterKey(developerToken, '2001');
    await a.penalize(key, 'rate', 150);
    const wait = await b.acquireCall(key);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(150);
    await new Promise((r) => setTimeout(r, wait + 20));
    // Rate halved: 4 per minute becomes 2.
    expect(await b.acquireCall(key)).toBe(0);
    expect(await a.acquireCall(key)).toBe(0);
    expect(await b.acquireCall(key)).toBeGreaterThan(0);
  });

  it('limits concurrent reports, re-grants a held slot, frees on release and on lease expiry', async () => {
    const a = createRedisLimiter(redis(), taggedPrefix, { ...settings, slotLeaseMs: 200 });
    const key = limiterKey(developerToken, '3001');
    expect(await a.acquireReportSlot(key, 1)).toBe(0);
    expect(await a.acquireReportSlot(key, 2)).toBe(0);
    expect(await a.acquireReportSlot(key, 3)).toBeGreaterThan(0);
    expect(await a.acquireReportSlot(key, 1)).toBe(0);
    await a.releaseReportSlot(key, 2);
    expect(await a.acquireReportSlot(key, 3)).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(await a.acquireReportSlot(key, 4)).toBe(0);
    await a.penalize(key, 'concurrency', 10_000);
    expect(await a.acquireReportSlot(key, 5)).toBeGreaterThan(0);
  });

  it('hands a freed slot to the first run in the queue and wakes its job; later arrivals wait their turn', async () => {
    const woken: string[][] = [];
    const a = createRedisLimiter(redis(), taggedPrefix, settings, {
      onHandover: async (ids) => {
        woken.push(ids);
        return [];
      },
    });
    const key = limiterKey(developerToken, '3101');
    expect(await a.acquireReportSlot(key, 1, 'j1')).toBe(0);
    expect(await a.acquireReportSlot(key, 2, 'j2')).toBe(0);
    // Full: the waits are the safety net (the slot lease), not a retry interval.
    expect(await a.acquireReportSlot(key, 3, 'j3')).toBe(settings.slotLeaseMs);
    expect(await a.acquireReportSlot(key, 4, 'j4')).toBe(settings.slotLeaseMs);
    // Run 4 asking again does not jump the queue, and does not take the slot freed for run 3.
    await a.releaseReportSlot(key, 1);
    expect(woken).toEqual([['j3']]);
    expect(await a.holdsReportSlot(key, 3)).toBe(true);
    expect(await a.acquireReportSlot(key, 4, 'j4')).toBe(settings.slotLeaseMs);
    expect(await a.holdsReportSlot(key, 4)).toBe(false);
    // Woken, run 3 finds its reserved slot.
    expect(await a.acquireReportSlot(key, 3, 'j3')).toBe(0);
    // A run that ends while queued leaves the queue; the next slot goes to run 4.
    expect(await a.acquireReportSlot(key, 5, 'j5')).toBe(settings.slotLeaseMs);
    await a.releaseReportSlot(key, 4);
    await a.releaseReportSlot(key, 2);
    expect(woken.at(-1)).toEqual(['j5']);
  });

  it('gives a slot whose job no longer exists on to the next in the queue', async () => {
    const woken: string[] = [];
    const a = createRedisLimiter(redis(), taggedPrefix, settings, {
      onHandover: async (ids) => {
        woken.push(...ids);
        return ids.filter((id) => id === 'gone');
      },
    });
    const key = limiterKey(developerToken, '3201');
    await a.acquireReportSlot(key, 1, 'j1');
    await a.acquireReportSlot(key, 2, 'j2');
    await a.acquireReportSlot(key, 3, 'gone');
    await a.acquireReportSlot(key, 4, 'j4');
    await a.releaseReportSlot(key, 1);
    expect(woken).toEqual(['gone', 'j4']);
    expect(await a.holdsReportSlot(key, 3)).toBe(false);
    expect(await a.holdsReportSlot(key, 4)).toBe(true);
  });

  it('learns the concurrency level: grows on accepted submits that fill it, backs off on 207 and holds, capped by the ceiling', async () => {
    const woken: string[] = [];
    const a = createRedisLimiter(redis(), taggedPrefix, settings, {
      onHandover: async (ids) => {
        woken.push(...ids);
        return [];
      },
    });
    const key = limiterKey(developerToken, '3301');
    expect(await a.concurrencyLevel(key)).toBe(2);
    await a.acquireReportSlot(key, 1, 'j1');
    await a.submitAnswered(key, 1, 'accepted');
    // One of two slots used: the level was not what bounded the submit.
    expect(await a.concurrencyLevel(key)).toBe(2);
    await a.acquireReportSlot(key, 2, 'j2');
    expect(await a.acquireReportSlot(key, 3, 'j3')).toBeGreaterThan(0);
    await a.submitAnswered(key, 2, 'accepted');
    // It filled the level and Microsoft said yes: one more, handed to the queued run 3 at once.
    expect(await a.concurrencyLevel(key)).toBe(3);
    expect(woken).toEqual(['j3']);
    await a.submitAnswered(key, 3, 'accepted');
    expect(await a.concurrencyLevel(key)).toBe(4);
    await a.acquireReportSlot(key, 4, 'j4');
    await a.submitAnswered(key, 4, 'accepted');
    // The ceiling.
    expect(await a.concurrencyLevel(key)).toBe(4);
    // 207 with three others pending: floor(0.9 × 3) = 2, and run 4's slot is given up.
    await a.submitAnswered(key, 4, 'over_limit');
    expect(await a.concurrencyLevel(key)).toBe(2);
    expect(await a.holdsReportSlot(key, 4)).toBe(false);
    // Held: an accepted submit does not grow the level again right away.
    await a.releaseReportSlot(key, 3);
    await a.releaseReportSlot(key, 2);
    await a.acquireReportSlot(key, 5, 'j5');
    await a.submitAnswered(key, 5, 'accepted');
    expect(await a.concurrencyLevel(key)).toBe(2);
    // Another worker sees the same learned level.
    const b = createRedisLimiter(redis(), taggedPrefix, settings);
    expect(await b.concurrencyLevel(key)).toBe(2);
    // Still in the hold after the 207: a throttle answered to a submit of the same burst does not shrink it again.
    await b.submitAnswered(key, 1, 'throttled');
    expect(await b.concurrencyLevel(key)).toBe(2);
  });

  it('runs the same level rules as the pure function and the local limiter', async () => {
    const r = createRedisLimiter(redis(), taggedPrefix, { ...settings, maxConcurrentReports: 3, maxConcurrentReportsCeiling: 9 });
    const l = createLocalLimiter({ ...settings, maxConcurrentReports: 3, maxConcurrentReportsCeiling: 9 }, () => 5_000_000);
    const key = limiterKey(developerToken, '3401');
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 60; i++) {
      const run = 1 + Math.floor(random() * 12);
      const op = random();
      for (const lim of [r, l]) {
        if (op < 0.45) await lim.acquireReportSlot(key, run, `j${run}`);
        else if (op < 0.7) await lim.releaseReportSlot(key, run);
        else if (op < 0.93) await lim.submitAnswered(key, run, 'accepted');
        else await lim.submitAnswered(key, run, op < 0.97 ? 'over_limit' : 'throttled');
      }
      expect([i, await r.concurrencyLevel(key)]).toEqual([i, await l.concurrencyLevel(key)]);
    }
  });

  it('never writes the developer token to Redis', async () => {
    const r = redis();
    const keys = await r.keys(`${taggedPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).not.toContain('SECRET');
  });
});

describe('local limiter (run-once)', () => {
  it('keeps the same limits in memory', async () => {
    let now = 1_000_000;
    const l = createLocalLimiter(settings, () => now);
    const key = limiterKey(developerToken, '1');
    expect(await l.acquireCall(key)).toBe(0);
    expect(await l.acquireCall(key)).toBe(0);
    expect(await l.acquireCall(key)).toBe(0);
    expect(await l.acquireCall(key)).toBe(60_000);
    now += 60_001;
    expect(await l.acquireCall(key)).toBe(0);
    await l.penalize(key, 'rate', 5_000);
    expect(await l.acquireCall(key)).toBe(5_000);
    expect(await l.acquireReportSlot(key, 1)).toBe(0);
    expect(await l.acquireReportSlot(key, 2)).toBe(0);
    expect(await l.acquireReportSlot(key, 3)).toBe(1_000);
    await l.releaseReportSlot(key, 1);
    expect(await l.acquireReportSlot(key, 3)).toBe(0);
  });
});
