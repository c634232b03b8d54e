import { describe, expect, it } from 'vitest';
import { entityState } from '../../src/cli/entityStatus.js';
import { entityMode } from '../../src/entities/entityRun.js';

const NOW = new Date('2026-12-03T06:00:00Z');
const run = (status: string) => ({ id: 1, status, mode: 'delta', finishedAt: NOW, errorClass: null, message: null });

describe('entity status of an account', () => {
  it('is FAILING when the latest run failed, NEVER_LOADED without a file, STALE past the lag, paused when paused', () => {
    expect(entityState(run('succeeded'), new Date('2026-12-02T23:00:00Z'), NOW, 1, false)).toBe('ok');
    expect(entityState(run('failed'), new Date('2026-12-02T23:00:00Z'), NOW, 1, false)).toBe('FAILING');
    expect(entityState(null, null, NOW, 1, false)).toBe('NEVER_LOADED');
    expect(entityState(run('succeeded'), new Date('2026-11-30T23:00:00Z'), NOW, 1, false)).toBe('STALE');
    expect(entityState(run('failed'), null, NOW, 1, true)).toBe('paused');
  });
});

describe('full or delta', () => {
  const state = { lastSyncTime: new Date('2026-12-01T10:00:00Z'), entities: ['campaigns', 'keywords'] };
  it('is full the first time, with --full, for entities not in the last file, and past 29 days; else a delta from the stored Sync Time', () => {
    expect(entityMode(undefined, ['campaigns'], NOW.getTime(), false)).toMatchObject({ mode: 'full', lastSyncTime: null });
    expect(entityMode(state, ['campaigns'], NOW.getTime(), true)).toMatchObject({ mode: 'full' });
    expect(entityMode(state, ['campaigns', 'labels'], NOW.getTime(), false)).toMatchObject({ mode: 'full', reason: expect.stringContaining('labels') });
    expect(entityMode(state, ['keywords'], Date.parse('2026-12-30T11:00:00Z'), false)).toMatchObject({ mode: 'full' });
    expect(entityMode(state, ['keywords'], NOW.getTime(), false)).toEqual({ mode: 'delta', lastSyncTime: state.lastSyncTime, reason: 'changes since 2026-12-01T10:00:00.000Z' });
  });
});
