import { describe, expect, it } from 'vitest';
import { applyFaultOption, FaultOptionError, faultOptionNames } from '../../src/simulator/faultOptions.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';

/** The `msads-etl simulator --fault NAME[=VALUE]` parser (a pure function; no simulator needed). */

describe('applyFaultOption', () => {
  it('sets numeric switches from name=value', () => {
    const faults = defaultFaultSwitches();
    expect(applyFaultOption(faults, 'throttleNext=3')).toBe('throttleNext=3');
    expect(applyFaultOption(faults, 'concurrentLimit=1')).toBe('concurrentLimit=1');
    expect(applyFaultOption(faults, 'retryAfterSeconds=5')).toBe('retryAfterSeconds=5');
    expect(faults).toMatchObject({ throttleNext: 3, concurrentLimit: 1, retryAfterSeconds: 5 });
  });

  it('turns boolean switches on by name, or sets them with =true/=false', () => {
    const faults = defaultFaultSwitches();
    expect(applyFaultOption(faults, 'faultWithHttp200')).toBe('faultWithHttp200=true');
    expect(faults.faultWithHttp200).toBe(true);
    applyFaultOption(faults, 'emptyReport=true');
    applyFaultOption(faults, 'faultWithHttp200=false');
    expect(faults).toMatchObject({ emptyReport: true, faultWithHttp200: false });
  });

  it('adds connection ids to the set switches', () => {
    const faults = defaultFaultSwitches();
    expect(applyFaultOption(faults, 'invalidCredentialConnections=connA,connB')).toBe('invalidCredentialConnections=connA,connB');
    applyFaultOption(faults, 'invalidCredentialConnections=connC');
    expect([...faults.invalidCredentialConnections]).toEqual(['connA', 'connB', 'connC']);
  });

  it('sets CSV layout flags', () => {
    const faults = defaultFaultSwitches();
    applyFaultOption(faults, 'csvHeaderLayout=totalRow,noFinalNewline');
    expect(faults.csvHeaderLayout).toEqual({ totalRow: true, noFinalNewline: true });
  });

  it.each([
    ['an unknown name', 'throttle=3', "unknown fault 'throttle'"],
    ['a numeric switch without value', 'throttleNext', 'non-negative integer'],
    ['a negative number', 'throttleNext=-1', 'non-negative integer'],
    ['a fraction', 'latencyMs=1.5', 'non-negative integer'],
    ['a word for a number', 'concurrentLimit=one', 'non-negative integer'],
    ['a bad boolean', 'faultWithHttp200=yes', 'true/false'],
    ['a set switch without ids', 'revokedConnections=', 'connection ids'],
    ['an unknown layout flag', 'csvHeaderLayout=header', 'comma-separated list'],
  ])('refuses %s with the list of valid names', (_name, text, why) => {
    const faults = defaultFaultSwitches();
    let error: unknown;
    try {
      applyFaultOption(faults, text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaultOptionError);
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).toContain('Valid faults: ');
    expect((error as Error).message).toContain('throttleNext=<n>');
    expect(faults).toEqual(defaultFaultSwitches());
  });

  it('lists every switch', () => {
    const names = faultOptionNames();
    expect(names).toHaveLength(Object.keys(defaultFaultSwitches()).length);
    expect(names).toContain('faultWithHttp200');
    expect(names).toContain('malformedJsonNext=<n>');
    expect(names).toContain('missingScopeConnections=<connectionId,…>');
  });
});
