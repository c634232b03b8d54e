import type { MsAdsApi } from '../ports/msadsApi.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRun, getRun, markLoaded, markSubmitted, recordPoll } from '../db/reportRuns.js';
import { DownloadExpiredError, MsAdsFaultError, ProtocolError, ReportGenerationError } from '../errors.js';
import { downloadToFile } from '../load/download.js';
import { loadReportCsv, loadReportZip, type LoadTarget } from '../load/loadReport.js';
import type { ReportingCallAuth } from '../ports/reportingApi.js';
import { limiterKey, withJitter } from '../throttle/limiter.js';
import { classifyError, isExpiredToken } from './classifyError.js';
import type { ReportRunDeps } from './context.js';
import { nextPollDelayMs } from './pollSchedule.js';
import type { RunAttributes } from './observer.js';
import type { ReportJobData, ReportProgress } from './reportJobData.js';
import { buildRequestSpec } from './requestSpec.js';

/**
 * The step machine of one run, shared by the queue worker and `run-once`. Each call advances the run as
 * far as it can without waiting and says what to do next: wait until a time (the caller parks the job
 * in the queue, or sleeps in the foreground) or nothing (done). Progress is written through `persist`
 * before the next side effect, so a run that restarts anywhere resumes at its step and never submits a
 * second report while one is pending.
 */

export type StepOutcome =
  | { kind: 'wait'; untilMs: number; reason: 'pending' | 'resubmit' | 'throttled' }
  | { kind: 'done'; summary: RunSummary };

export interface RunSummary {
  runId: number;
  /** How Microsoft was called (rest or soap). */
  api: MsAdsApi;
  status: 'succeeded' | 'empty';
  rows: number;
  bytes: number;
  polls: number;
  submits: number;
  reportRequestId: string | undefined;
}

export interface StepContext {
  data: ReportJobData;
  jobId: string | null;
  /** 1-based attempt number, recorded in the ledger. */
  attempt: number;
  persist(patch: Partial<ReportProgress>): Promise<void>;
  signal?: AbortSignal;
}

/** Microsoft keeps a ReportRequestId about a day (REPORTING-FACTS §3.1); past this age we submit anew. */
const REQUEST_ID_MAX_AGE_MS = 22 * 3_600_000;
/** Status=Error reports are submitted again this many times before the run fails. */
const MAX_STATUS_ERRORS = 2;
/** Expired download URLs are refreshed by polling again this many times in a row. */
const MAX_URL_REFRESHES = 3;

export async function advanceRun(deps: ReportRunDeps, ctx: StepContext): Promise<StepOutcome> {
  const { db } = deps.database;
  let data = ctx.data;
  const update = async (patch: Partial<ReportProgress>) => {
    data = { ...data, ...patch };
    await ctx.persist(patch);
  };

  if (data.runId === undefined) {
    const runId = await createRun(db, data, ctx.jobId, deps.reporting.api);
    await update({ runId, startedAt: deps.now() });
  } else {
    // A run that committed its load but crashed before the queue heard of it is done: do not load twice.
    const run = await getRun(db, data.runId);
    if (run && (run.status === 'succeeded' || run.status === 'empty')) {
      return {
        kind: 'done',
        summary: {
          runId: run.id,
          api: run.api,
          status: run.status,
          rows: run.rows ?? 0,
          bytes: run.bytes ?? 0,
          polls: run.polls,
          submits: run.submits,
          reportRequestId: run.reportRequestId ?? undefined,
        },
      };
    }
  }
  const runId = data.runId as number;
  const key = limiterKey(deps.developerToken, data.customerId);
  // Our own limiter asked us to wait: park the run (it costs nothing and holds no worker slot).
  const throttled = (waitMs: number): StepOutcome => {
    deps.observer.throttled('limiter', { customerId: data.customerId });
    return { kind: 'wait', untilMs: deps.now() + withJitter(waitMs), reason: 'throttled' };
  };
  const attributes = (): RunAttributes => ({
    api: deps.reporting.api,
    connectionId: data.connectionId,
    accountId: data.accountId,
    report: data.report,
    aggregation: data.aggregation,
    runId,
    reportRequestId: data.reportRequestId,
  });
  let urlRefreshes = 0;

  for (;;) {
    if (data.step === 'submit') {
      const spec = buildRequestSpec(data, deps);
      const slotWait = await deps.limiter.acquireReportSlot(key, runId);
      if (slotWait > 0) return throttled(slotWait);
      const callWait = await deps.limiter.acquireCall(key);
      if (callWait > 0) return throttled(callWait);
      const submitted = await deps.observer.step('submit', attributes(), () =>
        callWithToken(deps, data, 'SubmitGenerateReport', (auth) => deps.reporting.submit(auth, spec, ctx.signal)),
      );
      const submits = data.submits + 1;
      // The id goes to the job and the ledger before anything else can fail.
      await Promise.all([
        update({ step: 'poll', reportRequestId: submitted.reportRequestId, submittedAt: deps.now(), polls: 0, submits }),
        markSubmitted(db, runId, {
          reportRequestId: submitted.reportRequestId,
          trackingId: submitted.trackingId,
          submits,
          attempt: ctx.attempt,
          api: deps.reporting.api,
        }),
      ]);
      deps.logger.info({ runId, reportRequestId: submitted.reportRequestId, trackingId: submitted.trackingId }, 'report submitted');
      return { kind: 'wait', untilMs: deps.now() + deps.poll.initialMs, reason: 'pending' };
    }

    const reportRequestId = data.reportRequestId;
    const submittedAt = data.submittedAt ?? deps.now();
    if (reportRequestId === undefined || deps.now() - submittedAt > REQUEST_ID_MAX_AGE_MS) {
      await update({ step: 'submit' });
      continue;
    }
    if (deps.now() - submittedAt > deps.poll.deadlineMs) {
      throw new ReportGenerationError(
        'deadline',
        `report ${reportRequestId} still pending after ${Math.round((deps.now() - submittedAt) / 60_000)} min (deadline ${Math.round(deps.poll.deadlineMs / 60_000)} min)`,
      );
    }

    const callWait = await deps.limiter.acquireCall(key);
    if (callWait > 0) return throttled(callWait);
    let status;
    try {
      status = await deps.observer.step('poll', attributes(), () =>
        callWithToken(deps, data, 'PollGenerateReport', (auth) => deps.reporting.poll(auth, reportRequestId, ctx.signal)),
      );
      deps.observer.polled(attributes());
    } catch (err) {
      // Microsoft forgot the request (unknown or expired id): submit again rather than fail.
      if (classifyError(err).class === 'resubmit') {
        deps.logger.warn({ runId, reportRequestId, err }, 'report request unknown to Microsoft; submitting again');
        await update({ step: 'submit', reportRequestId: undefined });
        continue;
      }
      throw err;
    }
    const polls = data.polls + 1;

    if (status.status === 'Pending') {
      await Promise.all([
        update({ polls }),
        recordPoll(db, runId, { polls, trackingId: status.trackingId, status: 'pending' }),
        deps.limiter.renewReportSlot(key, runId),
      ]);
      return { kind: 'wait', untilMs: deps.now() + nextPollDelayMs(polls, deps.poll), reason: 'pending' };
    }

    // The report is no longer pending at Microsoft: its concurrency slot is free for another run.
    await deps.limiter.releaseReportSlot(key, runId);

    if (status.status === 'Error') {
      const statusErrors = data.statusErrors + 1;
      if (statusErrors > MAX_STATUS_ERRORS) {
        throw new ReportGenerationError(
          'status_error',
          `report generation ended with Status=Error ${statusErrors} times (last ReportRequestId ${reportRequestId}${status.trackingId ? `, TrackingId ${status.trackingId}` : ''})`,
        );
      }
      deps.logger.warn({ runId, reportRequestId, trackingId: status.trackingId }, 'report generation failed; submitting again');
      await update({ step: 'submit', reportRequestId: undefined, polls, statusErrors });
      return { kind: 'wait', untilMs: deps.now(), reason: 'resubmit' };
    }

    await Promise.all([update({ polls }), recordPoll(db, runId, { polls, trackingId: status.trackingId, status: 'loading' })]);
    try {
      const loaded = await load(deps, data, ctx.attempt, runId, status.downloadUrl, ctx.signal, attributes());
      return {
        kind: 'done',
        summary: { runId, api: deps.reporting.api, ...loaded, polls, submits: data.submits, reportRequestId },
      };
    } catch (err) {
      if (err instanceof DownloadExpiredError && urlRefreshes < MAX_URL_REFRESHES) {
        urlRefreshes++;
        deps.logger.info({ runId, reportRequestId }, 'download URL expired; polling for a fresh one');
        continue;
      }
      throw err;
    }
  }
}

async function load(
  deps: ReportRunDeps,
  data: ReportJobData,
  attempt: number,
  runId: number,
  downloadUrl: string | null,
  signal: AbortSignal | undefined,
  attributes: RunAttributes,
): Promise<{ status: 'succeeded' | 'empty'; rows: number; bytes: number }> {
  const target: LoadTarget = {
    report: deps.reports.get(data.report),
    aggregation: data.aggregation,
    accountId: data.accountId,
    from: data.from,
    to: data.to,
    timeZone: deps.timeZone,
    runId,
  };
  if (downloadUrl === null) {
    // Success without a URL means Microsoft has no rows for this window: the window becomes empty.
    const started = deps.now();
    const { rows } = await deps.observer.step('load', attributes, () =>
      loadReportCsv(deps.database.pool, target, null, (client, outcome) =>
        markLoaded(client, runId, { status: 'empty', rows: outcome.rows, bytes: 0, attempt }),
      ),
    );
    deps.observer.loaded(attributes, rows, deps.now() - started);
    return { status: 'empty', rows, bytes: 0 };
  }
  const dir = await mkdtemp(join(deps.tmpDir, 'msads-run-'));
  try {
    const file = await deps.observer.step('download', attributes, () =>
      downloadToFile(downloadUrl, {
        dir,
        maxBytes: deps.limits.downloadMaxBytes,
        timeoutMs: deps.httpTimeoutMs,
        ...(signal ? { signal } : {}),
      }),
    );
    const started = deps.now();
    const { rows } = await deps.observer.step('load', attributes, () =>
      loadReportZip(
        deps.database.pool,
        target,
        file.path,
        { maxUncompressedBytes: deps.limits.unzippedMaxBytes },
        (client, outcome) => markLoaded(client, runId, { status: 'succeeded', rows: outcome.rows, bytes: file.bytes, attempt }),
      ),
    );
    deps.observer.loaded(attributes, rows, deps.now() - started);
    return { status: 'succeeded', rows, bytes: file.bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Fetches the connection's token from Nango right before the call (Nango refreshes it server-side), and
 * on 109 AuthenticationTokenExpired (REST: or a bare HTTP 401) forces one refresh and tries again at once.
 */
async function callWithToken<T>(
  deps: ReportRunDeps,
  data: ReportJobData,
  operation: 'SubmitGenerateReport' | 'PollGenerateReport',
  send: (auth: ReportingCallAuth) => Promise<T>,
): Promise<T> {
  const call = async (a: ReportingCallAuth): Promise<T> => {
    const started = deps.now();
    try {
      const result = await send(a);
      deps.observer.microsoftCall(operation, { ok: true }, deps.now() - started, deps.reporting.api);
      return result;
    } catch (err) {
      const faultCode = err instanceof MsAdsFaultError ? (err.code ?? 'protocol') : err instanceof ProtocolError ? 'protocol' : 'transport';
      deps.observer.microsoftCall(operation, { ok: false, faultCode }, deps.now() - started, deps.reporting.api);
      throw err;
    }
  };
  const auth = (accessToken: ReportingCallAuth['accessToken']): ReportingCallAuth => ({
    accessToken,
    developerToken: deps.developerToken,
    customerId: data.customerId,
    accountId: data.accountId,
  });
  const token = await deps.tokens.getAccessToken(data.connectionId);
  try {
    return await call(auth(token));
  } catch (err) {
    if (!isExpiredToken(err)) throw err;
    deps.logger.info({ connectionId: data.connectionId }, 'access token expired at Microsoft; forcing a refresh through Nango');
    const fresh = await deps.tokens.getAccessToken(data.connectionId, { forceRefresh: true });
    deps.observer.tokenRefreshed(data.connectionId);
    return call(auth(fresh));
  }
}
