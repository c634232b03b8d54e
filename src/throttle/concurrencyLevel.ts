/**
 * How many reports a developer token × customer may have pending at Microsoft at once. Microsoft
 * documents no number: it answers 207 ConcurrentRequestOverLimit above its own. So the level is
 * learned: it starts at MSADS_MAX_CONCURRENT_REPORTS, grows by one each time Microsoft accepts a
 * submit that used the last slot (demand reached the level and Microsoft still said yes), and backs
 * off on 207 (to just under what was pending when Microsoft refused) and on throttling (by a tenth).
 * After a back-off it holds for a while before growing again, so it does not probe Microsoft's limit
 * with every other submit. The Redis limiter runs the same rules in Lua (redisLimiter.ts), where the
 * level is shared by every worker and remembered per customer for LEVEL_MEMORY_MS.
 */

export type SubmitOutcome = 'accepted' | 'over_limit' | 'throttled';

export interface LevelBounds {
  /** Never above this (MSADS_MAX_CONCURRENT_REPORTS_CEILING). */
  ceiling: number;
}

/** After a back-off the level does not grow for this long. */
export const GROWTH_HOLD_MS = 120_000;
/** A learned level is forgotten after a week without submits (Microsoft's limit may change). */
export const LEVEL_MEMORY_MS = 7 * 24 * 3_600_000;
/** On 207 the level becomes this share of the reports that were pending when Microsoft refused. */
export const OVER_LIMIT_FACTOR = 0.9;
/** On 117/429 the level shrinks to this share. */
export const THROTTLED_FACTOR = 0.9;

export interface LevelInput {
  level: number;
  outcome: SubmitOutcome;
  /** Reports of this key pending at Microsoft as far as the limiter knows, not counting this submit's. */
  othersInFlight: number;
  /** A back-off's hold is still running. */
  holding: boolean;
}

export interface LevelChange {
  level: number;
  /** Start (or restart) the growth hold. */
  hold: boolean;
}

export function clampLevel(level: number, bounds: LevelBounds): number {
  return Math.max(1, Math.min(bounds.ceiling, Math.floor(level)));
}

export function nextConcurrencyLevel(input: LevelInput, bounds: LevelBounds): LevelChange {
  const level = clampLevel(input.level, bounds);
  switch (input.outcome) {
    case 'accepted': {
      // Only a submit that filled the level proves the level was the bound, not the demand.
      const filled = input.othersInFlight + 1 >= level;
      return { level: !input.holding && filled ? clampLevel(level + 1, bounds) : level, hold: false };
    }
    // Submits in flight together meet the same limit: during a hold, a further refusal only brings the
    // level to what was pending then, it does not shrink it again step by step.
    case 'over_limit':
      return { level: Math.max(1, Math.min(input.holding ? level : level - 1, Math.floor(OVER_LIMIT_FACTOR * input.othersInFlight))), hold: true };
    case 'throttled':
      return { level: input.holding ? level : Math.max(1, Math.min(level - 1, Math.floor(THROTTLED_FACTOR * level))), hold: true };
    default: {
      const never: never = input.outcome;
      throw new Error(`unexpected submit outcome ${String(never)}`);
    }
  }
}
