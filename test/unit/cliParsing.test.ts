import { describe, expect, it } from 'vitest';
import { exitReason } from '../../src/cli/backfill.js';
import { UsageError } from '../../src/cli/output.js';
import { runFilter } from '../../src/cli/runs.js';

describe('runs filters', () => {
  it('turns days into UTC bounds, --until inclusive', () => {
    expect(runFilter({ since: '2026-03-01', until: '2026-03-02', limit: '10' })).toMatchObject({
      since: new Date('2026-03-01T00:00:00Z'),
      until: new Date('2026-03-03T00:00:00Z'),
      limit: 10,
    });
    expect(runFilter({ since: '2026-03-01T12:30:00Z', limit: '50' }).since).toEqual(new Date('2026-03-01T12:30:00Z'));
    expect(runFilter({ aggregation: 'weekly', account: '150', limit: '1' })).toMatchObject({ aggregation: 'Weekly', accountId: '150' });
  });

  it('refuses bad values as usage errors naming the option', () => {
    const bad = (o: Parameters<typeof runFilter>[0], pattern: RegExp) => {
      expect(() => runFilter(o)).toThrow(UsageError);
      expect(() => runFilter(o)).toThrow(pattern);
    };
    bad({ since: 'yesterday', limit: '50' }, /--since "yesterday" is not a day/);
    bad({ until: '2026-02-30', limit: '50' }, /--until/);
    bad({ since: '2026-03-02', until: '2026-03-01', limit: '50' }, /is not before --until/);
    bad({ limit: '0' }, /--limit "0"/);
    bad({ limit: 'lots' }, /--limit/);
    bad({ account: 'acme', limit: '5' }, /--account "acme"/);
    bad({ aggregation: 'fortnightly', limit: '5' }, /--aggregation "fortnightly"/);
  });
});

describe('backfill exit reason', () => {
  it('names every reason for a non-zero exit', () => {
    expect(exitReason({ failed: 0, skipped: 0, interrupted: false, waited: true })).toBe('exit 0: every window loaded');
    expect(exitReason({ failed: 0, skipped: 0, interrupted: false, waited: false })).toMatch(/^exit 0: every window enqueued \(not waited for/);
    expect(exitReason({ failed: 2, skipped: 1, interrupted: false, waited: true })).toBe(
      'exit 1: 2 window(s) failed (listed above; `msads-etl runs --status failed` has each reason); 1 connection(s) skipped: they need re-authorization in Nango',
    );
    expect(exitReason({ failed: 0, skipped: 0, interrupted: true, waited: true })).toMatch(/^exit 130: stopped waiting/);
  });
});
