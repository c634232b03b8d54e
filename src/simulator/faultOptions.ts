import { defaultFaultSwitches, type CsvLayoutOverride, type FaultSwitches } from './faultSwitches.js';

/**
 * The `--fault NAME[=VALUE]` syntax of `msads-etl simulator`, as a pure function over a FaultSwitches
 * object: a boolean switch by name alone (`faultWithHttp200`) or `name=true|false`; a numeric switch as
 * `name=<non-negative integer>` (`throttleNext=3`), wrongRowCount also negative (`wrongRowCount=-1`); a connection-set switch as `name=connA,connB`
 * (added to the set); csvHeaderLayout as `csvHeaderLayout=totalRow,noFinalNewline,…` (the named
 * layout flags set to true). Anything else is a FaultOptionError that lists the valid names.
 */

export class FaultOptionError extends Error {
  override name = 'FaultOptionError';
}

const LAYOUT_KEYS: readonly (keyof CsvLayoutOverride)[] = ['excludeReportHeader', 'excludeReportFooter', 'totalRow', 'noFinalNewline'];

/** Numeric switches that make sense below zero. */
const SIGNED: ReadonlySet<string> = new Set(['wrongRowCount']);

type Kind = 'number' | 'boolean' | 'set' | 'layout';

function kindOf(value: unknown): Kind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Set) return 'set';
  return 'layout';
}

/** Every switch name with the form its value takes, for help and error texts. */
export function faultOptionNames(): string[] {
  return Object.entries(defaultFaultSwitches()).map(([name, value]) => {
    switch (kindOf(value)) {
      case 'number':
        return SIGNED.has(name) ? `${name}=<±n>` : `${name}=<n>`;
      case 'boolean':
        return name;
      case 'set':
        return `${name}=<connectionId,…>`;
      case 'layout':
        return `${name}=<${LAYOUT_KEYS.join('|')},…>`;
    }
  });
}

const fail = (text: string, why: string) => new FaultOptionError(`--fault ${text}: ${why}. Valid faults: ${faultOptionNames().join(', ')}`);

/** Applies one `--fault` value to `faults`; returns how the switch now reads (e.g. "throttleNext=3"). */
export function applyFaultOption(faults: FaultSwitches, text: string): string {
  const eq = text.indexOf('=');
  const name = (eq < 0 ? text : text.slice(0, eq)).trim();
  const value = eq < 0 ? undefined : text.slice(eq + 1).trim();
  const defaults = defaultFaultSwitches() as unknown as Record<string, unknown>;
  if (!Object.hasOwn(defaults, name)) throw fail(text, `unknown fault '${name}'`);
  const target = faults as unknown as Record<string, unknown>;
  switch (kindOf(defaults[name])) {
    case 'boolean': {
      if (value !== undefined && value !== 'true' && value !== 'false') throw fail(text, `${name} takes no value, or true/false`);
      target[name] = value !== 'false';
      return `${name}=${String(target[name])}`;
    }
    case 'number': {
      if (SIGNED.has(name)) {
        if (value === undefined || !/^-?[0-9]+$/.test(value)) throw fail(text, `${name} needs an integer value, e.g. ${name}=2`);
      } else if (value === undefined || !/^[0-9]+$/.test(value)) throw fail(text, `${name} needs a non-negative integer value, e.g. ${name}=1`);
      target[name] = Number(value);
      return `${name}=${value}`;
    }
    case 'set': {
      const ids = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
      if (ids.length === 0) throw fail(text, `${name} needs connection ids, e.g. ${name}=connA,connB`);
      const set = target[name] as Set<string>;
      for (const id of ids) set.add(id);
      return `${name}=${[...set].join(',')}`;
    }
    case 'layout': {
      const keys = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
      const bad = keys.find((k) => !(LAYOUT_KEYS as readonly string[]).includes(k));
      if (keys.length === 0 || bad !== undefined) throw fail(text, `${name} takes a comma-separated list of ${LAYOUT_KEYS.join(', ')}`);
      const layout: CsvLayoutOverride = { ...(faults.csvHeaderLayout ?? {}) };
      for (const k of keys) layout[k as keyof CsvLayoutOverride] = true;
      faults.csvHeaderLayout = layout;
      return `${name}=${keys.join(',')}`;
    }
  }
}
