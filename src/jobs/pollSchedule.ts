/**
 * When to poll a pending report again. Microsoft suggests polling every 2–15 minutes for most reports;
 * small reports are often ready within seconds, so the interval starts short and grows by half each
 * poll up to a ceiling. Jitter spreads many waiting jobs so they do not poll in lockstep.
 */
export interface PollSettings {
  initialMs: number;
  maxMs: number;
}

const GROWTH = 1.5;
const JITTER = 0.1;

export function nextPollDelayMs(polls: number, settings: PollSettings, random: () => number = Math.random): number {
  const base = Math.min(settings.maxMs, settings.initialMs * GROWTH ** Math.max(0, polls - 1));
  const jitter = 1 + (random() * 2 - 1) * JITTER;
  return Math.max(1, Math.round(Math.min(settings.maxMs, base * jitter)));
}
