import { describe, expect, it } from 'vitest';
import { judgeConnection, judgeTarget, statusExitCode, type StatusPolicy, type TargetFacts } from '../../src/cli/statusVerdict.js';

/** status's decisions as pure functions of the facts and a fixed `now` (2026-03-20 10:00 UTC: yesterday is 03-19). */

const policy: StatusPolicy = { now: new Date('2026-03-20T10:00:00Z'), timeZone: 'UTC', maxLagDays: 2, lookbackDays: 30 };
const fresh: TargetFacts = {
  lastLoadedDay: '2026-03-19',
  failing: false,
  connectionNeedsReauth: false,
  connectionPaused: false,
  accountNoAccess: false,
  firstProvisionalDay: null,
};

describe('judgeTarget', () => {
  it('a target loaded up to yesterday with nothing else is ok', () => {
    expect(judgeTarget(fresh, policy)).toEqual({ state: 'ok', problems: [], behindDays: 0 });
  });

  it('never loaded is a problem, whether or not its first run is on its way', () => {
    expect(judgeTarget({ ...fresh, lastLoadedDay: null }, policy)).toEqual({ state: 'NEVER_LOADED', problems: ['NEVER_LOADED'], behindDays: null });
  });

  it('behind by more than FRESHNESS_MAX_LAG_DAYS, not by exactly it', () => {
    expect(judgeTarget({ ...fresh, lastLoadedDay: '2026-03-17' }, policy)).toMatchObject({ state: 'ok', behindDays: 2 });
    expect(judgeTarget({ ...fresh, lastLoadedDay: '2026-03-16' }, policy)).toMatchObject({ state: 'BEHIND', behindDays: 3 });
    expect(judgeTarget({ ...fresh, lastLoadedDay: '2026-02-24' }, { ...policy, maxLagDays: 0 })).toMatchObject({ state: 'BEHIND', behindDays: 23 });
    expect(judgeTarget({ ...fresh, lastLoadedDay: '2026-03-18' }, { ...policy, maxLagDays: 0 })).toMatchObject({ state: 'BEHIND', behindDays: 1 });
  });

  it('yesterday is a day of the report time zone, not of UTC', () => {
    // 2026-03-20 02:00 UTC is still 03-19 in Los Angeles: yesterday there is 03-18.
    const early = { ...policy, now: new Date('2026-03-20T02:00:00Z'), timeZone: 'America/Los_Angeles' };
    expect(judgeTarget({ ...fresh, lastLoadedDay: '2026-03-18' }, early).behindDays).toBe(0);
    expect(judgeTarget({ ...fresh, lastLoadedDay: '2026-03-18' }, policy).behindDays).toBe(1);
  });

  it('failing, needs re-authorization and no access are problems even when fresh', () => {
    expect(judgeTarget({ ...fresh, failing: true }, policy).state).toBe('FAILING');
    expect(judgeTarget({ ...fresh, connectionNeedsReauth: true }, policy).state).toBe('NEEDS_REAUTH');
    expect(judgeTarget({ ...fresh, accountNoAccess: true }, policy).state).toBe('NO_ACCESS');
  });

  it('a provisional window is a problem only once its last day is older than today − LOOKBACK_DAYS', () => {
    // today − 30 = 2026-02-18
    expect(judgeTarget({ ...fresh, firstProvisionalDay: '2026-02-18' }, policy).state).toBe('ok');
    expect(judgeTarget({ ...fresh, firstProvisionalDay: '2026-02-17' }, policy).state).toBe('PROVISIONAL_EXPIRED');
    expect(judgeTarget({ ...fresh, firstProvisionalDay: '2026-02-17' }, { ...policy, lookbackDays: 60 }).state).toBe('ok');
  });

  it('lists every problem, most serious first; the state is the first', () => {
    const verdict = judgeTarget({ ...fresh, lastLoadedDay: '2026-01-01', failing: true, connectionNeedsReauth: true, firstProvisionalDay: '2026-01-01' }, policy);
    expect(verdict.problems).toEqual(['NEEDS_REAUTH', 'FAILING', 'BEHIND', 'PROVISIONAL_EXPIRED']);
    expect(verdict.state).toBe('NEEDS_REAUTH');
  });

  it('a paused connection’s targets are paused, whatever else holds', () => {
    expect(judgeTarget({ ...fresh, lastLoadedDay: null, failing: true, connectionPaused: true }, policy)).toEqual({ state: 'paused', problems: [], behindDays: null });
  });
});

describe('judgeConnection', () => {
  const ok = { needsReauth: false, paused: false, accounts: 2, discoveryFailed: false };
  it('fails on a dead credential, or a failing discovery with no account known', () => {
    expect(judgeConnection(ok)).toBe('ok');
    expect(judgeConnection({ ...ok, needsReauth: true })).toBe('NEEDS_REAUTH');
    expect(judgeConnection({ ...ok, discoveryFailed: true })).toBe('ok');
    expect(judgeConnection({ ...ok, discoveryFailed: true, accounts: 0 })).toBe('DISCOVERY_FAILED');
    expect(judgeConnection({ ...ok, needsReauth: true, paused: true })).toBe('paused');
  });
});

describe('statusExitCode', () => {
  it('0 only when every target and connection is ok or paused, and there is a target', () => {
    expect(statusExitCode([{ state: 'ok' }, { state: 'paused' }], [{ state: 'ok' }, { state: 'paused' }])).toBe(0);
    expect(statusExitCode([{ state: 'ok' }, { state: 'NEVER_LOADED' }], [{ state: 'ok' }])).toBe(1);
    expect(statusExitCode([{ state: 'ok' }], [{ state: 'NEEDS_REAUTH' }])).toBe(1);
    expect(statusExitCode([{ state: 'PROVISIONAL_EXPIRED' }], [])).toBe(1);
    // Nothing to load at all is not "all ok".
    expect(statusExitCode([], [{ state: 'ok' }])).toBe(1);
  });
});
