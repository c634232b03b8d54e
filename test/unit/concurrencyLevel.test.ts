import { describe, expect, it } from 'vitest';
import { nextConcurrencyLevel } from '../../src/throttle/concurrencyLevel.js';

const bounds = { ceiling: 100 };

describe('nextConcurrencyLevel', () => {
  it('grows by one when an accepted submit filled the level, and only then', () => {
    expect(nextConcurrencyLevel({ level: 20, outcome: 'accepted', othersInFlight: 19, holding: false }, bounds)).toEqual({ level: 21, hold: false });
    expect(nextConcurrencyLevel({ level: 20, outcome: 'accepted', othersInFlight: 5, holding: false }, bounds)).toEqual({ level: 20, hold: false });
  });

  it('does not grow during a hold or past the ceiling', () => {
    expect(nextConcurrencyLevel({ level: 20, outcome: 'accepted', othersInFlight: 19, holding: true }, bounds).level).toBe(20);
    expect(nextConcurrencyLevel({ level: 100, outcome: 'accepted', othersInFlight: 99, holding: false }, bounds).level).toBe(100);
  });

  it('on 207 drops to 90 % of what was pending, always below the current level, never below 1, and holds', () => {
    expect(nextConcurrencyLevel({ level: 60, outcome: 'over_limit', othersInFlight: 50, holding: false }, bounds)).toEqual({ level: 45, hold: true });
    expect(nextConcurrencyLevel({ level: 20, outcome: 'over_limit', othersInFlight: 40, holding: false }, bounds)).toEqual({ level: 19, hold: true });
    expect(nextConcurrencyLevel({ level: 3, outcome: 'over_limit', othersInFlight: 0, holding: false }, bounds)).toEqual({ level: 1, hold: true });
  });

  it('on throttling shrinks by a tenth (at least one) and holds', () => {
    expect(nextConcurrencyLevel({ level: 50, outcome: 'throttled', othersInFlight: 10, holding: false }, bounds)).toEqual({ level: 45, hold: true });
    expect(nextConcurrencyLevel({ level: 5, outcome: 'throttled', othersInFlight: 4, holding: false }, bounds)).toEqual({ level: 4, hold: true });
    expect(nextConcurrencyLevel({ level: 1, outcome: 'throttled', othersInFlight: 0, holding: false }, bounds)).toEqual({ level: 1, hold: true });
  });

  it('during a hold, further refusals of submits that were in flight together do not shrink it step by step', () => {
    expect(nextConcurrencyLevel({ level: 27, outcome: 'over_limit', othersInFlight: 30, holding: true }, bounds)).toEqual({ level: 27, hold: true });
    expect(nextConcurrencyLevel({ level: 27, outcome: 'over_limit', othersInFlight: 20, holding: true }, bounds)).toEqual({ level: 18, hold: true });
    expect(nextConcurrencyLevel({ level: 27, outcome: 'throttled', othersInFlight: 20, holding: true }, bounds)).toEqual({ level: 27, hold: true });
  });

  it('clamps a remembered level that is above a lowered ceiling', () => {
    expect(nextConcurrencyLevel({ level: 300, outcome: 'accepted', othersInFlight: 0, holding: false }, bounds).level).toBe(100);
  });
});
