import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { limiterKey, type LimiterSettings } from '../../src/throttle/limiter.js';
import { createLocalLimiter } from '../../src/throttle/localLimiter.js';
import { createRedisLimiter } from '../../src/throttle/redisLimiter.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

const settings: LimiterSettings = { callsPerMinute: 3, maxConcurrentReports: 2, slotLeaseMs: 60_000, penaltyMs: 60_000 };
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
    expect(await l.acquireReportSlot(key, 3)).toBe(15_000);
    await l.releaseReportSlot(key, 1);
    expect(await l.acquireReportSlot(key, 3)).toBe(0);
  });
});
