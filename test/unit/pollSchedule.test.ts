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

  it('polls first at 80 % of the expectation, then in growing steps', () => {
    expect(at(60_000).slice(0, 4)).toEqual([48_000, 63_000, 85_500, 119_250]);
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
