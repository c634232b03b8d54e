/**
 * When to poll a pending report again.
 *
 * Without an expectation (a report kind never seen before) the interval starts short and grows by half
 * each poll up to a ceiling: small reports are often ready within seconds.
 *
 * With one (the generation time learned from earlier runs, generationTimes.ts) the first poll lands at
 * FIRST_POLL_SHARE of it and the next ones follow at growing steps from there: a report as slow as
 * expected costs two polls, a slower one a few more. Landing a little before the expected time keeps
 * the estimate honest: the estimate is learned from when a poll *saw* the report ready, which is never
 * earlier than it was; polling first at 90 % lets a shorter generation show and pull the estimate down.
 * The second poll lands just past the expectation (105 %). Each report holds one of the customer's
 * few concurrency slots until a poll sees it ready, so the overshoot is what a night pays: with the
 * earlier 80 % + 25 % the learned estimate drifted up to ~1.16× a fixed 60 s generation (every poll
 * that finds it ready is late, and the next estimate is learned from that), with 90 % + 15 % ~1.08×
 * (modelled in test/unit/pollSchedule.test.ts).
 *
 * Every wait stays within [POLL_INITIAL_MS, POLL_MAX_MS]; Microsoft's guidance (poll every 2–15
 * minutes, re-think after 60) bounds the expectation to MAX_EXPECTED_MS. Jitter spreads many waiting
 * jobs so they do not poll in lockstep.
 */
export interface PollSettings {
  initialMs: number;
  maxMs: number;
}

const GROWTH = 1.5;
const JITTER = 0.1;
export const FIRST_POLL_SHARE = 0.9;
/** After the first poll, the first step is this share of the expectation, growing by GROWTH. */
const STEP_SHARE = 0.15;
/** An expectation longer than Microsoft's longest suggested polling interval is not trusted. */
export const MAX_EXPECTED_MS = 15 * 60_000;

export interface PollState {
  /** Polls made so far for this report request (0: the wait right after the submit). */
  polls: number;
  /** The learned generation time of this report, if any. */
  expectedMs?: number | undefined;
}

export function nextPollDelayMs(state: PollState | number, settings: PollSettings, random: () => number = Math.random): number {
  const { polls, expectedMs } = typeof state === 'number' ? { polls: state, expectedMs: undefined } : state;
  const base = expectedMs === undefined || expectedMs <= 0 ? unknownCurve(polls, settings) : expectedCurve(polls, Math.min(expectedMs, MAX_EXPECTED_MS), settings);
  const jitter = 1 + (random() * 2 - 1) * JITTER;
  return Math.max(1, Math.round(Math.min(settings.maxMs, Math.max(settings.initialMs, base) * jitter)));
}

function unknownCurve(polls: number, settings: PollSettings): number {
  // The wait after the submit is POLL_INITIAL_MS, as is the one after the first poll; then ×1.5.
  return Math.min(settings.maxMs, settings.initialMs * GROWTH ** Math.max(0, polls - 1));
}

function expectedCurve(polls: number, expectedMs: number, settings: PollSettings): number {
  if (polls === 0) return Math.min(settings.maxMs, FIRST_POLL_SHARE * expectedMs);
  return Math.min(settings.maxMs, Math.max(settings.initialMs, STEP_SHARE * expectedMs * GROWTH ** (polls - 1)));
}
