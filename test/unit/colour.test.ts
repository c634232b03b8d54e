import { describe, expect, it } from 'vitest';
import { createPaint, toneOfState, visibleLength } from '../../src/cli/colour.js';
import { renderTable } from '../../src/cli/table.js';
import { colourEnabled } from '../../src/logger.js';

describe('colourEnabled', () => {
  it('on a terminal only, unless NO_COLOR, TERM=dumb or FORCE_COLOR says otherwise', () => {
    expect(colourEnabled(true, {})).toBe(true);
    expect(colourEnabled(false, {})).toBe(false);
    expect(colourEnabled(true, { NO_COLOR: '1' })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colourEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(true, { TERM: 'dumb' })).toBe(false);
  });

  it('FORCE_COLOR decides when set, as in Node (0/false: off; anything else, empty too: on)', () => {
    expect(colourEnabled(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(false, { FORCE_COLOR: '' })).toBe(true);
    expect(colourEnabled(false, { FORCE_COLOR: '3', NO_COLOR: '1' })).toBe(true);
    expect(colourEnabled(true, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled(true, { FORCE_COLOR: 'false' })).toBe(false);
  });
});

describe('state colours', () => {
  it('paints states by tone, and not at all when off', () => {
    expect(createPaint(false)('FAILING', 'bad')).toBe('FAILING');
    expect(createPaint(true)('FAILING', 'bad')).toBe('\u001b[31mFAILING\u001b[39m');
    expect(toneOfState('ok')).toBe('good');
    expect(toneOfState('NEVER_LOADED')).toBe('bad');
    expect(toneOfState('NEEDS REAUTH')).toBe('bad');
    expect(toneOfState('failed')).toBe('bad');
    expect(toneOfState('paused')).toBe('warn');
    expect(toneOfState('pending')).toBe('warn');
  });

  it('tables align coloured cells by their visible width', () => {
    const paint = createPaint(true);
    const coloured = renderTable(['A', 'STATE', 'B'], [['x', paint('ok', 'good'), 'y'], ['xx', paint('FAILING', 'bad'), 'z']]);
    const plain = renderTable(['A', 'STATE', 'B'], [['x', 'ok', 'y'], ['xx', 'FAILING', 'z']]);
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
    expect(visibleLength(paint('FAILING', 'bad'))).toBe(7);
  });
});
