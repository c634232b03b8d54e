import { colourEnabled, isTerminal } from '../logger.js';

/**
 * Colour for states in CLI tables: green ok, red a problem, yellow what needs no action yet, dim a
 * dash. Decided once per command from the output descriptor (NO_COLOR, FORCE_COLOR, TERM=dumb: see
 * colourEnabled); off a terminal the text is plain, so scripts and tests read the same words.
 */

export type Tone = 'good' | 'bad' | 'warn' | 'dim';

export type Paint = (text: string, tone: Tone) => string;

const CODES: Record<Tone, [number, number]> = { good: [32, 39], bad: [31, 39], warn: [33, 39], dim: [2, 22] };

export function createPaint(enabled: boolean): Paint {
  if (!enabled) return (text) => text;
  return (text, tone) => `\u001b[${CODES[tone][0]}m${text}\u001b[${CODES[tone][1]}m`;
}

/** The paint of what a command writes on stdout. */
export function stdoutPaint(env: Readonly<Record<string, string | undefined>> = process.env): Paint {
  return createPaint(colourEnabled(isTerminal(1), env));
}

/** ok-like words are good, upper-case problem names bad, the rest (paused, queued …) a warning. */
export function toneOfState(state: string): Tone {
  if (state === 'ok' || state === 'succeeded' || state === 'empty' || state === 'up to date') return 'good';
  if (state === '-') return 'dim';
  if (state === 'failed' || /^[A-Z_ ]+$/.test(state)) return 'bad';
  return 'warn';
}

/** Length as a terminal shows it: ANSI colour codes take no room. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
