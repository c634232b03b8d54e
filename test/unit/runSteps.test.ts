import { describe, expect, it } from 'vitest';
import type { Classified } from '../../src/jobs/classifyError.js';
import { defaultRunPolicy, errorClasses, errorClassPolicy, type ErrorClass, type RunPolicy } from '../../src/jobs/runPolicy.js';
import { initialProgress, nextStep, type RunEvent, type RunProgress } from '../../src/jobs/runSteps.js';

/** Pure decisions with a fixed clock: no Postgres, no Redis, no timers. */
const NOW = Date.UTC(2026, 11, 2, 3, 0, 0);
const policy: RunPolicy = { ...defaultRunPolicy, attempts: 3, backoffMs: 1_000, maxStatusErrors: 2, maxUrlRefreshes: 3, maxFreeThrottles: 2, maxStalls: 5 };
const half = () => 0.5;
const step = (p: RunProgress, e: RunEvent, now = NOW, pol = policy) => nextStep(p, e, now, pol, half);
const failed = (cls: ErrorClass, extra: Partial<Classified> = {}): RunEvent => ({ type: 'failed', error: { class: cls, ...extra }, message: `${cls} happened` });
const polling: RunProgress = { ...initialProgress, step: 'poll', reportRequestId: 'R1', submittedAt: NOW - 10_000, submits: 1, polls: 2 };

describe('run steps: the happy path', () => {
  it('submit → wait for the first poll → poll → load', () => {
    const start = step(initialProgress, { type: 'resume', stalls: 0 });
    expect(start.action).toEqual({ do: 'submit' });
    const submitted = step(start.progress, { type: 'submitted', reportRequestId: 'R1' });
    expect(submitted.progress).toMatchObject({ step: 'poll', reportRequestId: 'R1', submittedAt: NOW, submits: 1, polls: 0 });
    expect(submitted.action).toEqual({ do: 'wait', untilMs: NOW + policy.poll.initialMs, reason: 'pending' });
    expect(step(submitted.progress, { type: 'resume', stalls: 0 }).action).toEqual({ do: 'poll', reportRequestId: 'R1' });
    const pending = step(submitted.progress, { type: 'pending' });
    expect(pending.progress.polls).toBe(1);
    expect(pending.action).toMatchObject({ do: 'wait', reason: 'pending' });
    const ready = step(pending.progress, { type: 'ready', downloadUrl: 'https://x/y.zip' });
    expect(ready.action).toEqual({ do: 'load', downloadUrl: 'https://x/y.zip' });
    expect(ready.progress.polls).toBe(2);
  });

  it('with a learned generation time the first poll lands at 90 % of it and later polls follow it; a resubmit forgets it', () => {
    const pol = { ...policy, poll: { initialMs: 2_000, maxMs: 60_000 } };
    const submitted = step(initialProgress, { type: 'submitted', reportRequestId: 'R1', expectedMs: 60_000 }, NOW, pol);
    expect(submitted.progress.expectedMs).toBe(60_000);
    expect(submitted.action).toEqual({ do: 'wait', untilMs: NOW + 54_000, reason: 'pending' });
    const pending = step(submitted.progress, { type: 'pending' }, NOW + 54_000, pol);
    expect(pending.action).toEqual({ do: 'wait', untilMs: NOW + 54_000 + 9_000, reason: 'pending' });
    const lost = step(pending.progress, { type: 'report_error', trackingId: undefined }, NOW + 63_000, pol);
    expect(lost.progress.expectedMs).toBeUndefined();
  });

  it('a run resumed in the poll step polls its pending request instead of submitting another', () => {
    expect(step(polling, { type: 'resume', stalls: 1 }).action).toEqual({ do: 'poll', reportRequestId: 'R1' });
  });

  it('our own limiter makes the run wait at no cost', () => {
    const t = step(initialProgress, { type: 'limited', waitMs: 10_000 });
    expect(t.action).toEqual({ do: 'wait', untilMs: NOW + 11_000, reason: 'limited' });
    expect(t.progress).toEqual(initialProgress);
  });
});

describe('run steps: every cap', () => {
  it('Status=Error is resubmitted maxStatusErrors times, then the run fails as generation (not retried)', () => {
    let p = polling;
    for (let i = 1; i <= policy.maxStatusErrors; i++) {
      const t = step(p, { type: 'report_error', trackingId: 'T' });
      expect(t.action).toEqual({ do: 'submit' });
      expect(t.progress).toMatchObject({ step: 'submit', reportRequestId: undefined, statusErrors: i });
      p = { ...t.progress, step: 'poll', reportRequestId: `R${i + 1}`, submittedAt: NOW };
    }
    const last = step(p, { type: 'report_error', trackingId: 'T9' });
    expect(last.action).toMatchObject({ do: 'fail', failure: { class: 'generation', scope: 'run', name: 'status_error', trackingId: 'T9' } });
    expect(last.retried).toBeUndefined();
  });

  it('a ReportRequestId Microsoft forgot (2100/2101) is resubmitted under the same cap', () => {
    const t = step(polling, failed('resubmit', { code: 2100 }));
    expect(t.action).toEqual({ do: 'submit' });
    const capped = step({ ...polling, statusErrors: policy.maxStatusErrors }, failed('resubmit', { code: 2101 }));
    expect(capped.action).toMatchObject({ do: 'fail', failure: { class: 'generation' } });
  });

  it('an expired download URL is refreshed by polling maxUrlRefreshes times in an attempt, then the attempt is retried', () => {
    let p = polling;
    for (let i = 1; i <= policy.maxUrlRefreshes; i++) {
      const t = step(p, failed('expired_url', { code: 403 }));
      expect(t.action).toEqual({ do: 'poll', reportRequestId: 'R1' });
      p = t.progress;
    }
    const t = step(p, failed('expired_url', { code: 403 }));
    expect(t.action).toMatchObject({ do: 'wait', reason: 'backoff' });
    expect(t.retried).toMatchObject({ class: 'expired_url' });
    expect(t.progress).toMatchObject({ attempt: 2, urlRefreshes: 0 });
  });

  it('a ReportRequestId older than requestIdMaxAgeMs is submitted anew, never polled', () => {
    const old = { ...polling, submittedAt: NOW - policy.requestIdMaxAgeMs - 1 };
    const t = step(old, { type: 'resume', stalls: 0 }, NOW, { ...policy, pollDeadlineMs: 23 * 3_600_000 });
    expect(t.action).toEqual({ do: 'submit' });
    expect(t.progress.reportRequestId).toBeUndefined();
  });

  it('a passed poll deadline fails the run as generation at once (no retries that fail at once)', () => {
    const late = { ...polling, submittedAt: NOW - policy.pollDeadlineMs - 1 };
    expect(step(late, { type: 'resume', stalls: 0 }).action).toMatchObject({ do: 'fail', failure: { class: 'generation', name: 'deadline' } });
    expect(step(late, { type: 'pending' }).action).toMatchObject({ do: 'fail', failure: { class: 'generation', name: 'deadline' } });
    const onTime = { ...polling, submittedAt: NOW - policy.pollDeadlineMs };
    expect(step(onTime, { type: 'pending' }).action).toMatchObject({ do: 'wait', reason: 'pending' });
  });

  it('throttles are free up to maxFreeThrottles, then each costs an attempt; 117/207 slow the whole key down', () => {
    const t117 = step(initialProgress, failed('throttled', { code: 117 }));
    expect(t117.action).toEqual({ do: 'wait', untilMs: NOW + Math.round(policy.throttleWaits.callRateMs * 1.1), reason: 'throttled' });
    expect(t117.penalize).toEqual({ kind: 'rate', waitMs: policy.throttleWaits.callRateMs });
    expect(t117.progress).toMatchObject({ throttles: 1, attempt: 1 });
    const t207 = step(initialProgress, failed('throttled', { code: 207, retryAfterMs: 90_000 }));
    expect(t207.penalize).toEqual({ kind: 'concurrency', waitMs: 90_000 });
    // Without Retry-After the learned concurrency level backs off instead: no pause for the whole key.
    expect(step(initialProgress, failed('throttled', { code: 207 })).penalize).toBeUndefined();
    const t429 = step(initialProgress, failed('throttled', { code: 429, waitMs: 5_000 }));
    expect(t429.action).toMatchObject({ untilMs: NOW + 5_500 });
    expect(t429.penalize).toBeUndefined();
    const spent = step({ ...initialProgress, throttles: policy.maxFreeThrottles }, failed('throttled', { code: 117 }));
    expect(spent.action).toMatchObject({ do: 'wait', reason: 'backoff' });
    expect(spent.retried).toMatchObject({ class: 'throttled' });
    expect(spent.progress.attempt).toBe(2);
  });

  it('transient failures back off exponentially until attempts run out, then the run fails', () => {
    const a1 = step(initialProgress, failed('transient', { code: 0 }));
    expect(a1.action).toEqual({ do: 'wait', untilMs: NOW + 750, reason: 'backoff' });
    expect(a1.retried).toMatchObject({ class: 'transient', scope: 'run', code: 0 });
    const a2 = step(a1.progress, failed('transient'));
    expect(a2.action).toEqual({ do: 'wait', untilMs: NOW + 1_500, reason: 'backoff' });
    expect(a2.progress.attempt).toBe(3);
    const a3 = step(a2.progress, failed('transient'));
    expect(a3.action).toMatchObject({ do: 'fail', failure: { class: 'transient' } });
    expect(a3.retried).toBeUndefined();
  });

  it('a job recovered from dead workers more than maxStalls times fails as stalled', () => {
    expect(step(polling, { type: 'resume', stalls: policy.maxStalls }).action).toEqual({ do: 'poll', reportRequestId: 'R1' });
    expect(step(polling, { type: 'resume', stalls: policy.maxStalls + 1 }).action).toMatchObject({ do: 'fail', failure: { class: 'stalled' } });
  });
});

describe('run steps: every class', () => {
  const expected: Record<ErrorClass, { action: 'wait' | 'fail' | 'submit' | 'poll'; scope: string }> = {
    throttled: { action: 'wait', scope: 'run' },
    transient: { action: 'wait', scope: 'run' },
    token_expired: { action: 'wait', scope: 'run' },
    auth: { action: 'fail', scope: 'connection' },
    account: { action: 'fail', scope: 'account' },
    config: { action: 'fail', scope: 'config' },
    request: { action: 'fail', scope: 'run' },
    resubmit: { action: 'submit', scope: 'run' },
    expired_url: { action: 'poll', scope: 'run' },
    generation: { action: 'fail', scope: 'run' },
    bad_file: { action: 'fail', scope: 'run' },
    stalled: { action: 'fail', scope: 'run' },
    abandoned: { action: 'fail', scope: 'run' },
    unknown: { action: 'wait', scope: 'run' },
  };

  it.each(errorClasses)('%s', (cls) => {
    const t = step(polling, failed(cls));
    expect(t.action.do).toBe(expected[cls].action);
    expect(errorClassPolicy[cls].scope).toBe(expected[cls].scope);
    if (t.action.do === 'fail') {
      expect(t.action.failure).toMatchObject({ class: cls, scope: expected[cls].scope, message: `${cls} happened` });
      expect(t.retried).toBeUndefined();
    }
  });

  it('106 fails the account, never the connection; a developer-token 105 is the configuration', () => {
    expect(step(polling, failed('account', { code: 106 })).action).toMatchObject({ do: 'fail', failure: { scope: 'account', code: 106 } });
    expect(step(polling, failed('config', { code: 105 })).action).toMatchObject({ do: 'fail', failure: { scope: 'config' } });
  });
});
