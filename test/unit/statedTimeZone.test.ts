import { describe, expect, it } from 'vitest';
import { resolveStatedTimeZone, statedTimeZoneText } from '../../src/reports/statedTimeZone.js';
import { reportTimeZones } from '../../src/reports/timeZones.js';

describe('the Time Zone line of a report header', () => {
  it("resolves Microsoft's documented example to Pacific time (guides/reports.md#reportschema)", () => {
    expect(resolveStatedTimeZone('(GMT-08:00) Pacific Time (US & Canada); Tijuana')).toEqual({
      stated: '(GMT-08:00) Pacific Time (US & Canada); Tijuana',
      zone: 'PacificTimeUSCanadaTijuana',
      iana: 'America/Los_Angeles',
    });
  });

  it.each(reportTimeZones)('round-trips the display text of %s', (zone) => {
    expect(resolveStatedTimeZone(statedTimeZoneText(zone)).zone).toBe(zone);
  });

  it('writes the standard offset, not the daylight one', () => {
    expect(statedTimeZoneText('PacificTimeUSCanadaTijuana')).toBe('(GMT-08:00) Pacific Time (US & Canada); Tijuana');
    expect(statedTimeZoneText('GreenwichMeanTimeDublinEdinburghLisbonLondon')).toBe('(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London');
    expect(statedTimeZoneText('ChennaiKolkataMumbaiNewDelhi')).toBe('(GMT+05:30) Chennai, Kolkata, Mumbai, New Delhi');
    expect(statedTimeZoneText('CanberraMelbourneSydney')).toBe('(GMT+10:00) Canberra, Melbourne, Sydney');
  });

  it('accepts the newer Windows names that drop a place, when only one zone fits', () => {
    expect(resolveStatedTimeZone('(UTC-08:00) Pacific Time (US & Canada)').iana).toBe('America/Los_Angeles');
    expect(resolveStatedTimeZone('(UTC-05:00) Eastern Time (US & Canada)').iana).toBe('America/New_York');
  });

  it('knows UTC itself', () => {
    expect(resolveStatedTimeZone('(UTC) Coordinated Universal Time').iana).toBe('UTC');
    expect(resolveStatedTimeZone('(GMT)').iana).toBe('UTC');
  });

  it('leaves a text it cannot match unresolved instead of guessing from the offset', () => {
    expect(resolveStatedTimeZone('(GMT-08:00) Somewhere Else')).toEqual({ stated: '(GMT-08:00) Somewhere Else', zone: null, iana: null });
  });
});
