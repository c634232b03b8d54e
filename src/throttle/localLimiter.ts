import type { CallLimiter, LimiterSettings } from './limiter.js';

/**
 * The same limits kept in memory, for `run-once` (one process, no Redis). Same semantics as the Redis
 * limiter, so a foreground run behaves like a queued one.
 */
export function createLocalLimiter(settings: LimiterSettings, now: () => number = Date.now): CallLimiter {
  const calls = new Map<string, number[]>();
  const slots = new Map<string, Map<number, number>>();
  const cooldowns = new Map<string, number>();
  const penalties = new Map<string, { factor: number; until: number }>();

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
      const held = slots.get(key) ?? new Map<number, number>();
      for (const [id, expires] of held) if (expires <= now()) held.delete(id);
      slots.set(key, held);
      if (held.has(runId)) {
        held.set(runId, now() + settings.slotLeaseMs);
        return 0;
      }
      const left = cooldownLeft(`slots:${key}`);
      if (left > 0) return left;
      if (held.size < settings.maxConcurrentReports) {
        held.set(runId, now() + settings.slotLeaseMs);
        return 0;
      }
      return 15_000;
    },
    async renewReportSlot(key, runId) {
      const held = slots.get(key);
      if (held?.has(runId)) held.set(runId, now() + settings.slotLeaseMs);
    },
    async releaseReportSlot(key, runId) {
      slots.get(key)?.delete(runId);
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
