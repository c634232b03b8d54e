import { describe, expect, it } from 'vitest';
import { nextPollDelayMs } from '../../src/jobs/pollSchedule.js';

const settings = { initialMs: 2_000, maxMs: 60_000 };
const noJitter = () => 0.5;

describe('nextPollDelayMs', () => {
  it('starts at the initial interval and grows by half each poll', () => {
    expect(nextPollDelayMs(1, settings, noJitter)).toBe(2_000);
    expect(nextPollDelayMs(2, settings, noJitter)).toBe(3_000);
    expect(nextPollDelayMs(3, settings, noJitter)).toBe(4_500);
  });

  it('never exceeds the ceiling, jitter included', () => {
    for (let polls = 1; polls < 50; polls++) {
      expect(nextPollDelayMs(polls, settings, () => 0.999)).toBeLessThanOrEqual(60_000);
    }
    expect(nextPollDelayMs(40, settings, noJitter)).toBe(60_000);
  });

  it('spreads waits by at most ±10 %', () => {
    expect(nextPollDelayMs(1, settings, () => 0)).toBe(1_800);
    expect(nextPollDelayMs(1, settings, () => 1)).toBe(2_200);
  });
});

describe('nextPollDelayMs with a learned generation time', () => {
  const at = (expectedMs: number) => {
    // Cumulative poll times after the submit, without jitter.
    const times: number[] = [];
    let t = 0;
    for (let polls = 0; polls < 12; polls++) {
      t += nextPollDelayMs({ polls, expectedMs }, settings, noJitter);
      times.push(t);
    }
    return times;
  };
  const pollsFor = (generationMs: number, expectedMs: number) => at(expectedMs).findIndex((t) => t >= generationMs) + 1;

  it('polls first at 90 % of the expectation, then in growing steps', () => {
    expect(at(60_000).slice(0, 4)).toEqual([54_000, 63_000, 76_500, 96_750]);
  });

  it('costs at most 5 polls for a 60 s report expected at 60 s, and when the estimate is off by half either way', () => {
    expect(pollsFor(60_000, 60_000)).toBe(2);
    expect(pollsFor(60_000, 40_000)).toBeLessThanOrEqual(5);
    expect(pollsFor(60_000, 90_000)).toBe(1);
    expect(pollsFor(30_000, 60_000)).toBe(1);
  });

  it('keeps every wait within POLL_INITIAL_MS..POLL_MAX_MS and trusts no expectation beyond 15 minutes', () => {
    expect(nextPollDelayMs({ polls: 0, expectedMs: 1_000 }, settings, noJitter)).toBe(2_000);
    expect(nextPollDelayMs({ polls: 0, expectedMs: 3_600_000 }, settings, noJitter)).toBe(60_000);
    expect(nextPollDelayMs({ polls: 5, expectedMs: 3_600_000 }, settings, noJitter)).toBe(60_000);
  });

  it('falls back to the default curve when nothing is known', () => {
    expect(nextPollDelayMs({ polls: 2, expectedMs: undefined }, settings, noJitter)).toBe(nextPollDelayMs(2, settings, noJitter));
  });
});

describe('the poll schedule with the ledger’s estimate (median of the account’s last 5 observed times)', () => {
  /** Deterministic PRNG (mulberry32) for the jitter. */
  const seeded = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /**
   * A report that always takes `generationMs`, run night after night: the estimate is learned from
   * when a poll saw it ready (never earlier than it was), so a late poll feeds a later estimate.
   * Returns the mean time a report held its slot (submit → the poll that saw it ready) and the most polls.
   */
  function steadyState(generationMs: number) {
    const random = seeded(7);
    const observed: number[] = [];
    const holds: number[] = [];
    let maxPolls = 0;
    for (let run = 0; run < 400; run++) {
      const last = observed.slice(-5).sort((a, b) => a - b);
      const expectedMs = last.length >= 2 ? (last.length % 2 ? (last[(last.length - 1) / 2] as number) : ((last[last.length / 2 - 1] as number) + (last[last.length / 2] as number)) / 2) : undefined;
      let t = 0;
      let polls = 0;
      while (t < generationMs) t += nextPollDelayMs({ polls: polls++, expectedMs }, settings, random);
      observed.push(t);
      if (run >= 100) {
        holds.push(t);
        maxPolls = Math.max(maxPolls, polls);
      }
    }
    return { hold: holds.reduce((a, b) => a + b, 0) / holds.length / generationMs, maxPolls };
  }

  it('does not let the learned estimate drift far past the real generation time: slots are held ≤ 1.10× it', () => {
    for (const generationMs of [30_000, 60_000, 180_000]) {
      const { hold, maxPolls } = steadyState(generationMs);
      expect(hold, `${generationMs} ms`).toBeLessThanOrEqual(1.1);
      expect(maxPolls, `${generationMs} ms`).toBeLessThanOrEqual(5);
    }
  });
});
