import { describe, expect, it } from 'vitest';
import { createProgressView, describeProgress, etaMs } from '../../src/cli/progressView.js';
import { formatDuration, renderTable } from '../../src/cli/table.js';

describe('backfill progress', () => {
  it('ETA from the pace so far; unknown before the first window ends', () => {
    expect(etaMs({ total: 10, done: 0, failed: 0, rows: 0 }, 5_000)).toBeUndefined();
    expect(etaMs({ total: 10, done: 3, failed: 1, rows: 0 }, 8_000)).toBe(12_000);
    expect(etaMs({ total: 2, done: 1, failed: 1, rows: 0 }, 8_000)).toBe(0);
    expect(describeProgress({ total: 10, done: 3, failed: 1, rows: 1234 }, 65_000)).toBe(
      'windows 4/10 (done 3, failed 1), rows 1234, elapsed 1m05s, ETA 1m38s',
    );
    expect(formatDuration(3 * 3_600_000 + 7 * 60_000)).toBe('3h07m');
  });

  it('not a terminal: a plain line when counts change, at most every 5 s, and the final state', () => {
    const lines: string[] = [];
    let now = 0;
    const stream = { isTTY: false, write: (s: string) => lines.push(s.trim()) } as unknown as NodeJS.WriteStream;
    const view = createProgressView(stream, 0, () => now);
    view.update({ total: 3, done: 0, failed: 0, rows: 0 });
    now = 1_000;
    view.update({ total: 3, done: 1, failed: 0, rows: 10 });
    now = 2_000;
    view.update({ total: 3, done: 2, failed: 0, rows: 20 });
    now = 7_000;
    view.update({ total: 3, done: 2, failed: 0, rows: 20 });
    view.update({ total: 3, done: 2, failed: 1, rows: 20 });
    view.stop();
    expect(lines).toEqual([
      'windows 0/3 (done 0, failed 0), rows 0, elapsed 0s, ETA ?',
      // 1/3 at 1 s and 2/3 at 2 s come within 5 s of the last line: folded into the next one.
      'windows 2/3 (done 2, failed 0), rows 20, elapsed 7s, ETA 4s',
      'windows 3/3 (done 2, failed 1), rows 20, elapsed 7s, ETA 0s',
    ]);
  });

  it('tables align columns without trailing spaces', () => {
    expect(renderTable(['A', 'LONGER'], [['xyz', '1'], ['', '22']])).toBe('A    LONGER\n---  ------\nxyz  1\n     22');
  });
});
