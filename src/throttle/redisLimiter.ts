import type { Redis } from 'ioredis';
import { GROWTH_HOLD_MS, LEVEL_MEMORY_MS, OVER_LIMIT_FACTOR, THROTTLED_FACTOR } from './concurrencyLevel.js';
import type { CallLimiter, HandoverWaker, LimiterSettings } from './limiter.js';

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

/*
 * Report slots. KEYS (the same six for every slot script): 1 slots zset (run id → lease expiry),
 * 2 concurrency cooldown, 3 queue zset (run id → arrival), 4 queue info hash (run id → "lastSeen|jobId"),
 * 5 level, 6 growth hold. ARGV: 1 leaseMs, 2 initial level, 3 ceiling, 4 staleMs, 5 run id, then
 * per script. Each script purges expired slots and hands free slots over to the queue in order: the
 * slot is reserved under the waiter's run id and its job id returned so the caller wakes the job.
 * Returns { waitMs, runId1, jobId1, runId2, jobId2, … }.
 */
const SLOT_PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local ceiling = tonumber(ARGV[3])
local stale = tonumber(ARGV[4])
local run = ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local function level()
  local l = tonumber(redis.call('GET', KEYS[5]) or ARGV[2])
  return math.max(1, math.min(ceiling, math.floor(l)))
end
local function handover(result)
  local free = level() - redis.call('ZCARD', KEYS[1])
  while free > 0 do
    local first = redis.call('ZRANGE', KEYS[3], 0, 0)
    if #first == 0 then break end
    local waiter = first[1]
    local info = redis.call('HGET', KEYS[4], waiter) or ''
    redis.call('ZREM', KEYS[3], waiter)
    redis.call('HDEL', KEYS[4], waiter)
    local sep = string.find(info, '|', 1, true)
    local seen = sep and tonumber(string.sub(info, 1, sep - 1)) or 0
    -- A waiter that has not asked for a long time is gone (its job removed): no slot for it.
    if seen >= now - stale then
      redis.call('ZADD', KEYS[1], now + lease, waiter)
      redis.call('PEXPIRE', KEYS[1], lease * 2)
      free = free - 1
      local job = sep and string.sub(info, sep + 1) or ''
      if waiter ~= run and job ~= '' then
        table.insert(result, waiter)
        table.insert(result, job)
      end
    end
  end
  return result
end
`;

// ARGV 6: job id ('' in the foreground), 7: safety-net wait.
const ACQUIRE_SLOT = `${SLOT_PRELUDE}
if redis.call('ZSCORE', KEYS[1], run) then
  redis.call('ZADD', KEYS[1], now + lease, run)
  redis.call('ZREM', KEYS[3], run)
  redis.call('HDEL', KEYS[4], run)
  return { 0 }
end
redis.call('ZADD', KEYS[3], 'NX', now, run)
redis.call('HSET', KEYS[4], run, now .. '|' .. ARGV[6])
redis.call('PEXPIRE', KEYS[3], stale * 2)
redis.call('PEXPIRE', KEYS[4], stale * 2)
local cooldown = redis.call('PTTL', KEYS[2])
if cooldown > 0 then return { cooldown } end
local result = handover({ 0 })
if redis.call('ZSCORE', KEYS[1], run) then return result end
result[1] = tonumber(ARGV[7])
return result
`;

const HOLDS_SLOT = `${SLOT_PRELUDE}
if redis.call('ZSCORE', KEYS[1], run) then return { 1 } end
return { 0 }
`;

const RENEW_SLOT = `${SLOT_PRELUDE}
if redis.call('ZSCORE', KEYS[1], run) then
  redis.call('ZADD', KEYS[1], now + lease, run)
  redis.call('PEXPIRE', KEYS[1], lease * 2)
end
return handover({ 0 })
`;

const RELEASE_SLOT = `${SLOT_PRELUDE}
redis.call('ZREM', KEYS[1], run)
redis.call('ZREM', KEYS[3], run)
redis.call('HDEL', KEYS[4], run)
return handover({ 0 })
`;

// ARGV 6: outcome, 7: growth hold ms, 8: level memory ms, 9: over-limit factor, 10: throttled factor.
// The rules of nextConcurrencyLevel (concurrencyLevel.ts), kept identical; a test checks they agree.
const SUBMIT_ANSWERED = `${SLOT_PRELUDE}
local current = level()
local holding = redis.call('PTTL', KEYS[6]) > 0
local mine = redis.call('ZSCORE', KEYS[1], run) and 1 or 0
local others = redis.call('ZCARD', KEYS[1]) - mine
local outcome = ARGV[6]
local nextLevel = current
if outcome == 'accepted' then
  if (not holding) and others + 1 >= current then nextLevel = math.min(ceiling, current + 1) end
else
  redis.call('ZREM', KEYS[1], run)
  local cap = current - 1
  if holding then cap = current end
  if outcome == 'over_limit' then
    nextLevel = math.max(1, math.min(cap, math.floor(tonumber(ARGV[9]) * others)))
  elseif not holding then
    nextLevel = math.max(1, math.min(current - 1, math.floor(tonumber(ARGV[10]) * current)))
  end
  redis.call('SET', KEYS[6], '1', 'PX', ARGV[7])
end
redis.call('SET', KEYS[5], tostring(nextLevel), 'PX', ARGV[8])
local result = handover({ 0 })
result[1] = nextLevel
return result
`;

const LEVEL = `${SLOT_PRELUDE}
return { level() }
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

const MAX_PENALTY_FACTOR = 8;

export interface RedisLimiterOptions {
  /** Wakes jobs a slot was handed to (the worker promotes them out of the delayed set). */
  onHandover?: HandoverWaker;
  /** A wake-up that failed (Redis away): the job wakes by its safety net instead. */
  onError?: (err: unknown) => void;
}

export function createRedisLimiter(redis: Redis, prefix: string, settings: LimiterSettings, options: RedisLimiterOptions = {}): CallLimiter {
  const keys = (key: string) => {
    const base = `${prefix}:limit:{${key}}`;
    return {
      calls: `${base}:calls`,
      cooldown: `${base}:cooldown`,
      penalty: `${base}:penalty`,
      slots: `${base}:slots`,
      slotCooldown: `${base}:slot-cooldown`,
      queue: `${base}:slot-queue`,
      queueInfo: `${base}:slot-queue-info`,
      level: `${base}:level`,
      hold: `${base}:level-hold`,
    };
  };
  let counter = 0;
  const member = () => `${process.pid}-${Date.now()}-${counter++}`;
  // A waiter re-asks at least once per safety net; one silent for three is gone.
  const safetyMs = settings.slotLeaseMs;
  const staleMs = safetyMs * 3;

  const slotScript = async (script: string, key: string, runId: number | string, ...extra: (string | number)[]): Promise<unknown[]> => {
    const k = keys(key);
    const result = await redis.eval(
      script,
      6,
      k.slots,
      k.slotCooldown,
      k.queue,
      k.queueInfo,
      k.level,
      k.hold,
      settings.slotLeaseMs,
      settings.maxConcurrentReports,
      settings.maxConcurrentReportsCeiling,
      staleMs,
      String(runId),
      ...extra,
    );
    return result as unknown[];
  };

  /** Wakes the jobs slots were handed to; a job that no longer exists gives its slot on to the next. */
  const wake = async (key: string, result: unknown[]): Promise<void> => {
    let pairs = result.slice(1).map(String);
    while (pairs.length > 0 && options.onHandover) {
      const runOfJob = new Map<string, string>();
      for (let i = 0; i + 1 < pairs.length; i += 2) runOfJob.set(pairs[i + 1] as string, pairs[i] as string);
      let missing: string[];
      try {
        missing = await options.onHandover([...runOfJob.keys()]);
      } catch (err) {
        options.onError?.(err);
        return;
      }
      pairs = [];
      for (const job of missing) {
        const run = runOfJob.get(job);
        if (run !== undefined) pairs.push(...(await slotScript(RELEASE_SLOT, key, run)).slice(1).map(String));
      }
    }
  };
  const withHandover = async (key: string, script: string, runId: number, ...extra: (string | number)[]): Promise<number> => {
    const result = await slotScript(script, key, runId, ...extra);
    await wake(key, result);
    return Number(result[0]);
  };

  return {
    async acquireCall(key) {
      const k = keys(key);
      const wait = await redis.eval(ACQUIRE_CALL, 3, k.calls, k.cooldown, k.penalty, 60_000, settings.callsPerMinute, member());
      return Number(wait);
    },
    acquireReportSlot: (key, runId, jobId) => withHandover(key, ACQUIRE_SLOT, runId, jobId ?? '', safetyMs),
    async holdsReportSlot(key, runId) {
      return Number((await slotScript(HOLDS_SLOT, key, runId))[0]) === 1;
    },
    async renewReportSlot(key, runId) {
      await withHandover(key, RENEW_SLOT, runId);
    },
    async releaseReportSlot(key, runId) {
      await withHandover(key, RELEASE_SLOT, runId);
    },
    async submitAnswered(key, runId, outcome) {
      return withHandover(key, SUBMIT_ANSWERED, runId, outcome, GROWTH_HOLD_MS, LEVEL_MEMORY_MS, OVER_LIMIT_FACTOR, THROTTLED_FACTOR);
    },
    async concurrencyLevel(key) {
      return Number((await slotScript(LEVEL, key, 0))[0]);
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
