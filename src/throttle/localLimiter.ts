import { GROWTH_HOLD_MS, clampLevel, nextConcurrencyLevel } from './concurrencyLevel.js';
import type { CallLimiter, LimiterSettings } from './limiter.js';

/** A foreground run waiting for a slot asks again this soon: in memory, asking costs nothing. */
const LOCAL_SLOT_RETRY_MS = 1_000;

/**
 * The same limits kept in memory, for `run-once` (one process, no Redis, no queue to hand slots over
 * through). Same calls-per-minute and concurrency-level rules as the Redis limiter, so a foreground run
 * behaves like a queued one; a run waiting for a slot simply asks again after a second.
 */
export function createLocalLimiter(settings: LimiterSettings, now: () => number = Date.now): CallLimiter {
  const calls = new Map<string, number[]>();
  const slots = new Map<string, Map<number, number>>();
  const cooldowns = new Map<string, number>();
  const penalties = new Map<string, { factor: number; until: number }>();
  const levels = new Map<string, { level: number; holdUntil: number }>();
  const bounds = { ceiling: settings.maxConcurrentReportsCeiling };
  const levelOf = (key: string) => clampLevel(levels.get(key)?.level ?? settings.maxConcurrentReports, bounds);
  const held = (key: string) => {
    const slotsOfKey = slots.get(key) ?? new Map<number, number>();
    for (const [id, expires] of slotsOfKey) if (expires <= now()) slotsOfKey.delete(id);
    slots.set(key, slotsOfKey);
    return slotsOfKey;
  };

  const cooldownLeft = (k: string) => Math.max(0, (cooldowns.get(k) ?? 0) - now());

  return {
    async acquireCall(key) {
      const left = cooldownLeft(`rate:${key}`);
      if (left > 0) return left;
      const penalty = penalties.get(key);
      const factor = penalty && penalty.until > now() ? penalty.factor : 1;
      const limit = Math.max(1, Math.floor(settings.callsPerMinute / factor));
      const recent = (calls.get(key) ?? []).filter((t) => t > now() - 60_000);
      if (recent.length < limit) {
        recent.push(now());
        calls.set(key, recent);
        return 0;
      }
      calls.set(key, recent);
      return Math.max(1, (recent[0] ?? now()) + 60_000 - now());
    },
    async acquireReportSlot(key, runId) {
      const slotsOfKey = held(key);
      if (slotsOfKey.has(runId)) {
        slotsOfKey.set(runId, now() + settings.slotLeaseMs);
        return 0;
      }
      const left = cooldownLeft(`slots:${key}`);
      if (left > 0) return left;
      if (slotsOfKey.size < levelOf(key)) {
        slotsOfKey.set(runId, now() + settings.slotLeaseMs);
        return 0;
      }
      return LOCAL_SLOT_RETRY_MS;
    },
    async holdsReportSlot(key, runId) {
      return held(key).has(runId);
    },
    async renewReportSlot(key, runId) {
      const slotsOfKey = held(key);
      if (slotsOfKey.has(runId)) slotsOfKey.set(runId, now() + settings.slotLeaseMs);
    },
    async releaseReportSlot(key, runId) {
      held(key).delete(runId);
    },
    async submitAnswered(key, runId, outcome) {
      const slotsOfKey = held(key);
      const current = levels.get(key);
      const change = nextConcurrencyLevel(
        {
          level: levelOf(key),
          outcome,
          othersInFlight: slotsOfKey.size - (slotsOfKey.has(runId) ? 1 : 0),
          holding: current !== undefined && current.holdUntil > now(),
        },
        bounds,
      );
      if (outcome !== 'accepted') slotsOfKey.delete(runId);
      levels.set(key, { level: change.level, holdUntil: change.hold ? now() + GROWTH_HOLD_MS : (current?.holdUntil ?? 0) });
      return change.level;
    },
    async concurrencyLevel(key) {
      return levelOf(key);
    },
    async penalize(key, kind, waitMs) {
      const k = `${kind === 'rate' ? 'rate' : 'slots'}:${key}`;
      cooldowns.set(k, Math.max(cooldowns.get(k) ?? 0, now() + waitMs));
      if (kind === 'rate') {
        const current = penalties.get(key);
        const factor = Math.min(8, (current && current.until > now() ? current.factor : 1) * 2);
        penalties.set(key, { factor, until: now() + settings.penaltyMs });
      }
    },
  };
}
