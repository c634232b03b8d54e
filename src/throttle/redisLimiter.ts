import type { Redis } from 'ioredis';
import type { CallLimiter, LimiterSettings } from './limiter.js';

/**
 * The limiter on Redis, shared by every worker process. Each operation is one Lua script, so checks and
 * updates are atomic, and time comes from Redis (TIME) so machines with skewed clocks agree.
 * All keys of one limiter key share a hash tag, so they live in one slot on Redis Cluster.
 */

// KEYS: calls zset, cooldown, penalty. ARGV: windowMs, limit, member.
const ACQUIRE_CALL = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cooldown = redis.call('PTTL', KEYS[2])
if cooldown > 0 then return cooldown end
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local factor = tonumber(redis.call('GET', KEYS[3]) or '1')
limit = math.max(1, math.floor(limit / factor))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

// KEYS: slots zset, concurrency cooldown. ARGV: leaseMs, max, member, retryMs.
const ACQUIRE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  return 0
end
local cooldown = redis.call('PTTL', KEYS[2])
if cooldown > 0 then return cooldown end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 0
end
return tonumber(ARGV[4])
`;

// KEYS: slots zset. ARGV: leaseMs, member.
const RENEW_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
end
return 0
`;

// KEYS: cooldown, penalty. ARGV: waitMs, penaltyMs, maxFactor.
const PENALIZE = `
local current = redis.call('PTTL', KEYS[1])
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
if KEYS[2] ~= '' then
  local factor = tonumber(redis.call('GET', KEYS[2]) or '1')
  factor = math.min(tonumber(ARGV[3]), factor * 2)
  redis.call('SET', KEYS[2], tostring(factor), 'PX', ARGV[2])
end
return 0
`;

/** When all report slots are taken, ask again after this long (slots free when reports finish). */
const SLOT_RETRY_MS = 15_000;
const MAX_PENALTY_FACTOR = 8;

export function createRedisLimiter(redis: Redis, prefix: string, settings: LimiterSettings): CallLimiter {
  const keys = (key: string) => {
    const base = `${prefix}:limit:{${key}}`;
    return {
      calls: `${base}:calls`,
      cooldown: `${base}:cooldown`,
      penalty: `${base}:penalty`,
      slots: `${base}:slots`,
      slotCooldown: `${base}:slot-cooldown`,
    };
  };
  let counter = 0;
  const member = () => `${process.pid}-${Date.now()}-${counter++}`;

  return {
    async acquireCall(key) {
      const k = keys(key);
      const wait = await redis.eval(ACQUIRE_CALL, 3, k.calls, k.cooldown, k.penalty, 60_000, settings.callsPerMinute, member());
      return Number(wait);
    },
    async acquireReportSlot(key, runId) {
      const k = keys(key);
      const wait = await redis.eval(ACQUIRE_SLOT, 2, k.slots, k.slotCooldown, settings.slotLeaseMs, settings.maxConcurrentReports, String(runId), SLOT_RETRY_MS);
      return Number(wait);
    },
    async renewReportSlot(key, runId) {
      await redis.eval(RENEW_SLOT, 1, keys(key).slots, settings.slotLeaseMs, String(runId));
    },
    async releaseReportSlot(key, runId) {
      await redis.zrem(keys(key).slots, String(runId));
    },
    async penalize(key, kind, waitMs) {
      const k = keys(key);
      if (kind === 'rate') {
        await redis.eval(PENALIZE, 2, k.cooldown, k.penalty, waitMs, settings.penaltyMs, MAX_PENALTY_FACTOR);
      } else {
        await redis.eval(PENALIZE, 2, k.slotCooldown, '', waitMs, settings.penaltyMs, MAX_PENALTY_FACTOR);
      }
    },
  };
}
