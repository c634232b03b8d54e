import { describe, expect, it } from 'vitest';
import { aggregationAllowsPeriod, calendarDate, predefinedWindow, todayIn } from '../../src/simulator/reportTime.js';

describe('report time', () => {
  it('establishes today in the report time zone', () => {
    const instant = Date.parse('2026-11-28T03:00:00Z');
    expect(todayIn('GreenwichMeanTimeDublinEdinburghLisbonLondon', instant)).toBe('2026-11-28');
    expect(todayIn(undefined, instant)).toBe('2026-11-27'); // PacificTimeUSCanadaTijuana
    expect(todayIn('OsakaSapporoTokyo', instant)).toBe('2026-11-28');
  });

  it('resolves predefined periods to inclusive windows (2026-11-28 is a Saturday)', () => {
    const today = '2026-11-28';
    expect(predefinedWindow('Yesterday', today)).toEqual({ from: '2026-11-27', to: '2026-11-27' });
    expect(predefinedWindow('LastSevenDays', today)).toEqual({ from: '2026-11-21', to: '2026-11-27' });
    expect(predefinedWindow('ThisWeek', today)).toEqual({ from: '2026-11-22', to: today });
    expect(predefinedWindow('LastWeekStartingMonday', today)).toEqual({ from: '2026-11-16', to: '2026-11-22' });
    expect(predefinedWindow('LastMonth', today)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(predefinedWindow('LastThreeMonths', today)).toEqual({ from: '2026-08-01', to: '2026-10-31' });
    expect(predefinedWindow('LastYear', today)).toEqual({ from: '2025-01-01', to: '2025-12-31' });
  });

  it('knows calendar dates and which periods each aggregation allows', () => {
    expect(calendarDate(29, 2, 2028)).toBe('2028-02-29');
    expect(calendarDate(29, 2, 2026)).toBeUndefined();
    expect(aggregationAllowsPeriod('Hourly', 'Yesterday')).toBe(true);
    expect(aggregationAllowsPeriod('Hourly', 'LastMonth')).toBe(false);
    expect(aggregationAllowsPeriod('Daily', undefined)).toBe(true);
  });
});
