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
