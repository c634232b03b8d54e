import { describe, expect, it } from 'vitest';
import type { OpenRun } from '../../src/db/reconcileRuns.js';
import { decideReconcile, REQUEST_ID_MAX_AGE_MS, type JobView, type ReconcilePolicy } from '../../src/jobs/reconcile.js';

/** The reconciler's decision: one non-final ledger row and what the queue says of its job → one action. */

const NOW = Date.parse('2026-07-01T12:00:00Z');
const MIN = 60_000;
const policy: ReconcilePolicy = { now: NOW, graceMs: 2 * MIN, abandonAfterMs: 5 * 60 * MIN };
const JOB_ID = 'report|conn-1|111|campaign_performance|daily|2026-06-01|2026-06-03';

function run(patch: Partial<OpenRun> = {}): OpenRun {
  return {
    id: 42,
    jobId: JOB_ID,
    status: 'pending',
    connectionId: 'conn-1',
    customerId: '1100001',
    accountId: '111',
    report: 'campaign_performance',
    aggregation: 'Daily',
    from: '2026-06-01',
    to: '2026-06-03',
    reportRequestId: 'rr-1',
    submittedAt: new Date(NOW - 30 * MIN),
    createdAt: new Date(NOW - 31 * MIN),
    updatedAt: new Date(NOW - 10 * MIN),
    submits: 1,
    polls: 7,
    ...patch,
  };
}

const missing: JobView = { state: 'missing' };

describe('reconcile decision', () => {
  it('leaves a run updated within the grace period alone, whatever the queue says (it may be being created right now)', () => {
    const fresh = run({ updatedAt: new Date(NOW - MIN) });
    expect(decideReconcile(fresh, missing, policy)).toEqual({ kind: 'leave', why: 'recent' });
    expect(decideReconcile(run({ jobId: null, updatedAt: new Date(NOW - MIN) }), undefined, policy)).toEqual({ kind: 'leave', why: 'recent' });
  });

  it('leaves a run whose job is waiting, delayed or active with the same run id, or with none yet (it adopts the open run of its id)', () => {
    expect(decideReconcile(run(), { state: 'alive', runId: 42 }, policy)).toEqual({ kind: 'leave', why: 'alive' });
    expect(decideReconcile(run(), { state: 'alive', runId: undefined }, policy)).toEqual({ kind: 'leave', why: 'alive' });
  });

  it('a failed job that never noted a run id ends this run (the open run of its id) with its reason', () => {
    expect(decideReconcile(run(), { state: 'failed', runId: undefined, failedReason: 'invalid report job data', failure: undefined }, policy)).toEqual({
      kind: 'fail',
      why: 'job-failed',
      failure: { errorClass: 'unknown', message: 'invalid report job data' },
    });
  });

  it('a job that vanished between two reads is left for the next pass', () => {
    expect(decideReconcile(run(), { state: 'unknown' }, policy)).toEqual({ kind: 'leave', why: 'vanished' });
  });

  it('re-enqueues a pending run whose job is gone at its poll step: same run id, same ReportRequestId, no second submit', () => {
    const action = decideReconcile(run(), missing, policy);
    expect(action).toEqual({
      kind: 'reenqueue',
      jobId: JOB_ID,
      data: {
        connectionId: 'conn-1',
        customerId: '1100001',
        accountId: '111',
        report: 'campaign_performance',
        aggregation: 'Daily',
        from: '2026-06-01',
        to: '2026-06-03',
        runId: 42,
        step: 'poll',
        reportRequestId: 'rr-1',
        submittedAt: NOW - 30 * MIN,
        polls: 7,
        submits: 1,
        statusErrors: 0,
        throttles: 0,
        startedAt: NOW - 31 * MIN,
      },
    });
  });

  it('re-enqueues at the submit step when nothing was submitted yet, or the request is too old for Microsoft to remember', () => {
    const notSubmitted = decideReconcile(run({ status: 'submitting', reportRequestId: null, submittedAt: null, submits: 0, polls: 0 }), missing, policy);
    expect(notSubmitted).toMatchObject({ kind: 'reenqueue', data: { runId: 42, step: 'submit', submits: 0 } });
    expect(notSubmitted.kind === 'reenqueue' && notSubmitted.data.reportRequestId).toBeUndefined();

    const old = decideReconcile(run({ submittedAt: new Date(NOW - REQUEST_ID_MAX_AGE_MS - MIN) }), missing, policy);
    expect(old).toMatchObject({ kind: 'reenqueue', data: { runId: 42, step: 'submit', submits: 1, polls: 0 } });
    expect(old.kind === 'reenqueue' && old.data.reportRequestId).toBeUndefined();

    const young = decideReconcile(run({ submittedAt: new Date(NOW - REQUEST_ID_MAX_AGE_MS + MIN) }), missing, policy);
    expect(young).toMatchObject({ kind: 'reenqueue', data: { step: 'poll', reportRequestId: 'rr-1' } });
  });

  it('a row that does not make a valid job is failed instead of re-enqueued', () => {
    const action = decideReconcile(run({ accountId: 'not-a-number' }), missing, policy);
    expect(action).toMatchObject({ kind: 'fail', why: 'invalid', failure: { errorClass: 'unknown' } });
  });

  it('a job BullMQ failed outside the processor (stalled too often) ends its run failed with the queue’s reason', () => {
    const reason = 'job stalled more than allowable limit';
    expect(decideReconcile(run(), { state: 'failed', runId: 42, failedReason: reason, failure: undefined }, policy)).toEqual({
      kind: 'fail',
      why: 'job-failed',
      failure: { errorClass: 'stalled', message: reason },
    });
    expect(decideReconcile(run(), { state: 'failed', runId: 42, failedReason: 'job started more than allowable limit', failure: undefined }, policy)).toEqual({
      kind: 'fail',
      why: 'job-failed',
      failure: { errorClass: 'unknown', message: 'job started more than allowable limit' },
    });
    expect(decideReconcile(run(), { state: 'failed', runId: 42, failedReason: '', failure: undefined }, policy)).toMatchObject({
      failure: { errorClass: 'unknown', message: 'the job failed without a reason' },
    });
  });

  it('a failed job whose worker stored its classification (Postgres was down) ends the run with that classification', () => {
    const failure = { errorClass: 'auth', errorCode: 105, errorName: 'InvalidCredentials', message: 'Microsoft refused the user', trackingId: 'tr-9' };
    expect(decideReconcile(run(), { state: 'failed', runId: 42, failedReason: 'Microsoft refused the user', failure }, policy)).toEqual({
      kind: 'fail',
      why: 'job-failed',
      failure,
    });
    // A malformed stored failure falls back to the derived one.
    expect(decideReconcile(run(), { state: 'failed', runId: 42, failedReason: 'boom', failure: { errorClass: 7 } }, policy)).toMatchObject({
      failure: { errorClass: 'unknown', message: 'boom' },
    });
  });

  it('a completed job with a non-final row is left (and reported), not ended from its return value', () => {
    expect(decideReconcile(run({ status: 'loading' }), { state: 'completed', runId: 42 }, policy)).toEqual({ kind: 'leave', why: 'completed' });
  });

  it('a job that now carries another run supersedes this row: it is ended abandoned', () => {
    for (const job of [
      { state: 'alive', runId: 43 },
      { state: 'completed', runId: 43 },
      { state: 'failed', runId: 43, failedReason: 'x', failure: undefined },
    ] satisfies JobView[]) {
      expect(decideReconcile(run(), job, policy), JSON.stringify(job)).toMatchObject({ kind: 'fail', why: 'superseded', failure: { errorClass: 'abandoned' } });
    }
  });

  it('a foreground run (no job) is abandoned once idle past the poll deadline plus margin, left before', () => {
    expect(decideReconcile(run({ jobId: null, updatedAt: new Date(NOW - 4 * 60 * MIN) }), undefined, policy)).toEqual({ kind: 'leave', why: 'foreground' });
    const action = decideReconcile(run({ jobId: null, updatedAt: new Date(NOW - 6 * 60 * MIN) }), undefined, policy);
    expect(action).toMatchObject({ kind: 'fail', why: 'abandoned', failure: { errorClass: 'abandoned' } });
    expect(action.kind === 'fail' && action.failure.message).toMatch(/run-once.*360 min/);
  });
});
