import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { markConnectionNeedsReauth } from '../db/connections.js';
import { expectedGenerationMs } from '../db/generationTimes.js';
import {
  claimRun,
  createRun,
  findOpenRunOfJob,
  LeaseLostError,
  markAccountNoAccess,
  markFailed,
  markLoaded,
  recordRetry,
  saveProgress,
  type ReportRun,
  type RunFailureFields,
  type RunProgressFields,
} from '../db/reportRuns.js';
import { deadCredentialReason } from '../discovery/credentials.js';
import { coerceError, MsAdsFaultError, ProtocolError } from '../errors.js';
import { downloadToFile } from '../load/download.js';
import { loadReportCsv, loadReportZip, type LoadTarget } from '../load/loadReport.js';
import type { MsAdsApi } from '../ports/msadsApi.js';
import type { ReportingCallAuth } from '../ports/reportingApi.js';
import type { SubmitOutcome } from '../throttle/concurrencyLevel.js';
import { limiterKey } from '../throttle/limiter.js';
import { classifyError, isExpiredToken } from './classifyError.js';
import type { ReportRunDeps } from './context.js';
import type { RunAttributes } from './observer.js';
import type { ReportTarget } from './reportJobData.js';
import { buildRequestSpec } from './requestSpec.js';
import { initialProgress, nextStep, type RunAction, type RunEvent, type RunFailure, type RunProgress, type Transition, type WaitReason } from './runSteps.js';

/**
 * The executor of a run: a thin loop that performs the step machine's decisions (runSteps.ts) over
 * narrow ports — Microsoft (reporting + tokens), the limiter, the loader and the ledger — and feeds
 * back what happened. Shared by the queue worker and `run-once`; they differ only in how they wait.
 *
 * Postgres is the truth: the run's progress lives in its ledger row and is written, fenced by the
 * run's lease, before the next side effect. Whoever resumes the run (after a crash, a deploy, a Redis
 * loss) resumes from the ledger, never submits a second report while one is pending, and a worker that
 * lost its lease stops without writing anything.
 */

export type RunOutcome =
  | { kind: 'wait'; untilMs: number; reason: WaitReason; runId: number; progress: RunProgress; retried?: RunFailure }
  | { kind: 'done'; summary: RunSummary }
  | { kind: 'failed'; runId: number; failure: RunFailure; error: Error; progress: RunProgress }
  /** Another worker owns the run now (this one froze past its lock) or it is already final elsewhere. */
  | { kind: 'lost'; runId: number };

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
  /** The file said Potential Incomplete Data: its last day may still change (re-pulled first next night). */
  provisional: boolean;
  /** Rows repeating every attribute of an earlier row, loaded with row_ordinal > 1. */
  repeatedRows: number;
  /** What did not stop the load but is on the run's ledger row for a user to see. */
  warnings: string[];
}

export interface StepContext {
  target: ReportTarget;
  /** The run the job knows of, if any (job data). */
  runId: number | undefined;
  jobId: string | null;
  /** Fences the run's ledger writes: the queue lock token, or a random id in the foreground. */
  lease: string;
  /** Times the job was recovered from a dead worker (BullMQ's stalledCounter; 0 in the foreground). */
  stalls: number;
  /** Called once the run id is known, so the job can carry it. */
  onRun?: (runId: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * The ledger could not record the outcome (Postgres away). The queue keeps the failure in the job and
 * retries the attempt; the reconciler writes a final failure once Postgres is back.
 */
export class LedgerWriteError extends Error {
  override name = 'LedgerWriteError';
  constructor(
    readonly runId: number | undefined,
    readonly failure: RunFailure,
    readonly final: boolean,
    cause: unknown,
  ) {
    super(`could not record run ${runId ?? '?'} (${failure.class}: ${failure.message}) in the ledger: ${coerceError(cause).message}`, { cause });
  }
}

export async function advanceRun(deps: ReportRunDeps, ctx: StepContext): Promise<RunOutcome> {
  const { db } = deps.database;
  const opened = await openRun(deps, ctx);
  if (opened.kind !== 'open') return opened.outcome;
  const run = opened.run;
  const runId = run.id;
  const target = ctx.target;
  let progress = progressOf(run);
  // The error behind the latest failed event: a final failure keeps it as its cause (dead credentials…).
  let lastError: unknown;
  const key = limiterKey(deps.developerToken, target.customerId);
  const attributes = (): RunAttributes => ({
    api: deps.reporting.api,
    connectionId: target.connectionId,
    accountId: target.accountId,
    report: target.report,
    aggregation: target.aggregation,
    runId,
    reportRequestId: progress.reportRequestId,
  });
  const fields = (p: RunProgress, status: RunProgressFields['status'], trackingId?: string): RunProgressFields => ({
    status,
    api: deps.reporting.api,
    reportRequestId: p.reportRequestId ?? null,
    submittedAt: p.submittedAt !== undefined ? new Date(p.submittedAt) : null,
    submits: p.submits,
    polls: p.polls,
    statusErrors: p.statusErrors,
    throttles: p.throttles,
    urlRefreshes: p.urlRefreshes,
    attempt: p.attempt,
    trackingId,
    expectedReadyMs: p.expectedMs ?? null,
  });

  let transition: Transition = nextStep(progress, { type: 'resume', stalls: ctx.stalls }, deps.now(), deps.policy);
  try {
    for (;;) {
      progress = transition.progress;
      const action: RunAction = transition.action;
      if (transition.penalize) await deps.limiter.penalize(key, transition.penalize.kind, transition.penalize.waitMs);

      if (action.do === 'wait') {
        const retried = transition.retried;
        if (retried) {
          await recordRetry(db, runId, ctx.lease, failureFields(retried), fields(progress, 'retrying')).catch((e: unknown) => {
            throw wrapLedger(e, runId, retried, false);
          });
          deps.logger.warn({ runId, errorClass: retried.class, errorCode: retried.code, attempt: progress.attempt - 1, err: retried.message }, 'report run attempt failed');
          deps.observer.runEnded(attributes(), 'retrying', retried.class);
        } else {
          // A run not submitted yet is 'waiting' (for a slot, the call budget or a throttle), never 'submitting'.
          await saveProgress(db, runId, ctx.lease, fields(progress, progress.step === 'poll' ? 'pending' : 'waiting'));
        }
        return { kind: 'wait', untilMs: action.untilMs, reason: action.reason, runId, progress, ...(retried ? { retried } : {}) };
      }

      if (action.do === 'fail') return await fail(deps, ctx, runId, key, progress, action.failure, fields(progress, 'retrying'), lastError);

      let event: RunEvent;
      lastError = undefined;
      try {
        const result = await perform(action);
        if ('summary' in result) return { kind: 'done', summary: result.summary };
        event = result.event;
      } catch (err) {
        if (err instanceof LeaseLostError) throw err;
        if (ctx.signal?.aborted) throw err;
        lastError = err;
        event = { type: 'failed', error: classifyError(err), message: coerceError(err).message };
      }
      if (event.type === 'limited') deps.observer.throttled('limiter', { customerId: target.customerId });
      if (event.type === 'failed' && event.error.class === 'throttled') {
        deps.observer.throttled('microsoft', { code: event.error.code, customerId: target.customerId });
      }
      transition = nextStep(progress, event, deps.now(), deps.policy);
    }
  } catch (err) {
    if (err instanceof LeaseLostError) {
      deps.logger.warn({ runId }, 'run lost to another worker (lock expired) or already final; this attempt stops without writing');
      return { kind: 'lost', runId };
    }
    throw err;
  }

  /** Tells the limiter how Microsoft answered a submit; the level is learning, so a Redis hiccup here only costs one lesson. */
  async function adaptLevel(outcome: SubmitOutcome): Promise<void> {
    try {
      deps.observer.concurrencyLevel(target.customerId, await deps.limiter.submitAnswered(key, runId, outcome));
    } catch (err) {
      deps.logger.warn({ runId, err: coerceError(err) }, 'could not update the concurrency level (Redis)');
    }
  }

  /** Does what the action says; what happened comes back as the next event (or the run's summary). */
  async function perform(action: Extract<RunAction, { do: 'submit' | 'poll' | 'load' }>): Promise<{ event: RunEvent } | { summary: RunSummary }> {
    switch (action.do) {
      case 'submit': {
        const spec = buildRequestSpec(target, deps);
        const slotWait = await deps.limiter.acquireReportSlot(key, runId, ctx.jobId);
        if (slotWait > 0) return { event: { type: 'limited', waitMs: slotWait, slot: true } };
        const callWait = await deps.limiter.acquireCall(key);
        if (callWait > 0) return { event: { type: 'limited', waitMs: callWait } };
        // Read before the submit, so nothing slow sits between Microsoft's answer and the ledger write.
        const expectedMs = await expectedGenerationMs(db, target).catch((err: unknown) => {
          deps.logger.warn({ runId, err: coerceError(err) }, 'could not read the learned generation time; polling on the default schedule');
          return undefined;
        });
        let submitted: Awaited<ReturnType<typeof deps.reporting.submit>>;
        try {
          submitted = await deps.observer.step('submit', attributes(), () =>
            callWithToken(deps, target, 'SubmitGenerateReport', (auth) => deps.reporting.submit(auth, spec, ctx.signal)),
          );
        } catch (err) {
          // Microsoft's 207 and throttles teach the customer's concurrency level; the slot is given up.
          const refused = refusalOf(classifyError(err));
          if (refused) await adaptLevel(refused);
          throw err;
        }
        const event: RunEvent = { type: 'submitted', reportRequestId: submitted.reportRequestId, expectedMs };
        // The id goes to the ledger before anything else can fail: whoever resumes the run polls it.
        await saveProgress(db, runId, ctx.lease, fields(nextStep(progress, event, deps.now(), deps.policy).progress, 'pending', submitted.trackingId));
        deps.logger.info({ runId, reportRequestId: submitted.reportRequestId, trackingId: submitted.trackingId }, 'report submitted');
        await adaptLevel('accepted');
        return { event };
      }
      case 'poll': {
        const callWait = await deps.limiter.acquireCall(key);
        if (callWait > 0) return { event: { type: 'limited', waitMs: callWait } };
        const status = await deps.observer.step('poll', attributes(), () =>
          callWithToken(deps, target, 'PollGenerateReport', (auth) => deps.reporting.poll(auth, action.reportRequestId, ctx.signal)),
        );
        deps.observer.polled(attributes());
        if (status.status === 'Pending') {
          await deps.limiter.renewReportSlot(key, runId);
          return { event: { type: 'pending' } };
        }
        // The report is no longer pending at Microsoft: its concurrency slot is free for another run.
        await deps.limiter.releaseReportSlot(key, runId);
        if (status.status === 'Error') {
          deps.logger.warn({ runId, reportRequestId: action.reportRequestId, trackingId: status.trackingId }, 'report generation ended with Status=Error');
          return { event: { type: 'report_error', trackingId: status.trackingId } };
        }
        const event: RunEvent = { type: 'ready', downloadUrl: status.downloadUrl };
        await saveProgress(db, runId, ctx.lease, { ...fields(nextStep(progress, event, deps.now(), deps.policy).progress, 'loading', status.trackingId), readyAt: new Date(deps.now()) });
        return { event };
      }
      case 'load': {
        const loaded = await load(deps, target, ctx.lease, runId, progress, action.downloadUrl, attributes(), ctx.signal);
        return {
          summary: { runId, api: deps.reporting.api, ...loaded, polls: progress.polls, submits: progress.submits, reportRequestId: progress.reportRequestId },
        };
      }
      default:
        return assertNever(action);
    }
  }
}

/** A submit Microsoft refused for load, not for what was asked: 207 over the limit, 117/429 throttled. */
function refusalOf(error: ReturnType<typeof classifyError>): 'over_limit' | 'throttled' | undefined {
  if (error.class !== 'throttled') return undefined;
  return error.code === 207 ? 'over_limit' : 'throttled';
}

function assertNever(value: never): never {
  throw new Error(`unexpected action: ${JSON.stringify(value)}`);
}

/**
 * The run ends failed: the ledger row and its attempt say why, and the failure's scope reaches as far
 * as it must — the account (no access), the connection (dead credentials), or the operator (configuration).
 */
async function fail(
  deps: ReportRunDeps,
  ctx: StepContext,
  runId: number,
  key: string,
  progress: RunProgress,
  failure: RunFailure,
  progressFields: RunProgressFields,
  cause: unknown,
): Promise<RunOutcome> {
  const { db } = deps.database;
  const target = ctx.target;
  const error = cause instanceof Error && failure.message === cause.message ? cause : new Error(failure.message, cause === undefined ? undefined : { cause });
  try {
    await markFailed(db, runId, ctx.lease, failureFields(failure), progressFields);
    if (failure.scope === 'account') {
      await markAccountNoAccess(db, target.connectionId, target.accountId, failure.message);
    } else if (failure.scope === 'connection') {
      const dead = cause !== undefined ? deadCredentialReason(cause) : undefined;
      if (dead !== undefined) {
        await markConnectionNeedsReauth(db, target.connectionId, dead);
        // This process's own cached health and token of the connection are stale now.
        deps.tokens.forget?.(target.connectionId);
      }
    }
  } catch (e) {
    throw wrapLedger(e, runId, failure, true);
  }
  if (failure.scope === 'config') {
    deps.logger.error({ runId, errorCode: failure.code }, `configuration problem, every run will fail the same way until it is fixed: ${failure.message}`);
  }
  // A run that gives up no longer holds a report slot.
  await deps.limiter.releaseReportSlot(key, runId).catch(() => undefined);
  return { kind: 'failed', runId, failure, error, progress };
}

async function load(
  deps: ReportRunDeps,
  t: ReportTarget,
  lease: string,
  runId: number,
  progress: RunProgress,
  downloadUrl: string | null,
  attributes: RunAttributes,
  signal: AbortSignal | undefined,
): Promise<Pick<RunSummary, 'status' | 'rows' | 'bytes' | 'provisional' | 'repeatedRows' | 'warnings'>> {
  const target: LoadTarget = {
    report: deps.reports.get(t.report),
    aggregation: t.aggregation,
    accountId: t.accountId,
    from: t.from,
    to: t.to,
    timeZone: deps.timeZone,
    runId,
  };
  const ledger = { polls: progress.polls, attempt: progress.attempt };
  if (downloadUrl === null) {
    // Success without a URL means Microsoft has no rows for this window: the window becomes empty.
    const started = deps.now();
    const outcome = await deps.observer.step('load', attributes, () =>
      loadReportCsv(deps.database.pool, target, null, (client, o) =>
        markLoaded(client, runId, lease, { status: 'empty', rows: o.rows, bytes: 0, ...ledger }, o),
      ),
    );
    deps.observer.loaded(attributes, outcome.rows, deps.now() - started);
    return { status: 'empty', rows: outcome.rows, bytes: 0, provisional: false, repeatedRows: 0, warnings: [] };
  }
  // The report is ready and its Microsoft slot released: waiting here costs Microsoft nothing.
  const releaseLoad = deps.loadGate ? await deps.loadGate.acquire(signal) : () => undefined;
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
    const outcome = await deps.observer.step('load', attributes, () =>
      loadReportZip(
        deps.database.pool,
        target,
        file.path,
        { maxUncompressedBytes: deps.limits.unzippedMaxBytes },
        (client, o) => markLoaded(client, runId, lease, { status: 'succeeded', rows: o.rows, bytes: file.bytes, ...ledger }, o),
      ),
    );
    deps.observer.loaded(attributes, outcome.rows, deps.now() - started);
    if (outcome.warnings.length > 0) deps.logger.warn({ runId, warnings: outcome.warnings }, 'report file loaded with warnings');
    return {
      status: 'succeeded',
      rows: outcome.rows,
      bytes: file.bytes,
      provisional: outcome.metadata?.potentialIncompleteData === true,
      repeatedRows: outcome.repeatedRows,
      warnings: outcome.warnings,
    };
  } finally {
    releaseLoad();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Fetches the connection's token from Nango right before the call (Nango refreshes it server-side), and
 * on 109 AuthenticationTokenExpired (REST: or a bare HTTP 401) forces one refresh and tries again at once.
 */
async function callWithToken<T>(
  deps: ReportRunDeps,
  target: ReportTarget,
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
    customerId: target.customerId,
    accountId: target.accountId,
  });
  const token = await deps.tokens.getAccessToken(target.connectionId);
  try {
    return await call(auth(token));
  } catch (err) {
    if (!isExpiredToken(err)) throw err;
    deps.logger.info({ connectionId: target.connectionId }, 'access token expired at Microsoft; forcing a refresh through Nango');
    const fresh = await deps.tokens.getAccessToken(target.connectionId, { forceRefresh: true });
    deps.observer.tokenRefreshed(target.connectionId);
    return call(auth(fresh));
  }
}

type Opened = { kind: 'open'; run: ReportRun } | { kind: 'settled'; outcome: RunOutcome };

/**
 * Finds or creates the run this attempt works on and takes its lease. A job whose run already ended:
 * succeeded/empty → done (never load twice); failed → a new run that retries it (retry_of), so the
 * failed run keeps its history.
 */
async function openRun(deps: ReportRunDeps, ctx: StepContext): Promise<Opened> {
  const { db } = deps.database;
  let existing = ctx.runId !== undefined ? await claimRun(db, ctx.runId, ctx.lease, ctx.jobId) : undefined;
  if (existing === undefined && ctx.jobId !== null) {
    const open = await findOpenRunOfJob(db, ctx.jobId);
    if (open) existing = await claimRun(db, open.id, ctx.lease, ctx.jobId);
  }
  if (existing && (existing.status === 'succeeded' || existing.status === 'empty')) {
    return {
      kind: 'settled',
      outcome: {
        kind: 'done',
        summary: {
          runId: existing.id,
          api: existing.api,
          status: existing.status,
          rows: existing.rows ?? 0,
          bytes: existing.bytes ?? 0,
          polls: existing.polls,
          submits: existing.submits,
          reportRequestId: existing.reportRequestId ?? undefined,
          provisional: existing.potentialIncomplete === true,
          repeatedRows: existing.repeatedRows ?? 0,
          warnings: existing.warnings ?? [],
        },
      },
    };
  }
  if (existing && existing.status !== 'failed' && existing.lease === ctx.lease) {
    if (ctx.runId !== existing.id) await ctx.onRun?.(existing.id);
    return { kind: 'open', run: existing };
  }
  const retryOf = existing?.status === 'failed' ? existing.id : undefined;
  const run = await createRun(db, ctx.target, { jobId: ctx.jobId, api: deps.reporting.api, lease: ctx.lease, retryOf });
  if (retryOf !== undefined) deps.logger.info({ runId: run.id, retryOf }, 'retrying a failed run as a new run');
  await ctx.onRun?.(run.id);
  return { kind: 'open', run };
}

function progressOf(run: ReportRun): RunProgress {
  const polling = run.reportRequestId !== null;
  return {
    ...initialProgress,
    step: polling ? 'poll' : 'submit',
    reportRequestId: run.reportRequestId ?? undefined,
    submittedAt: polling && run.submittedAt ? run.submittedAt.getTime() : undefined,
    polls: run.polls,
    submits: run.submits,
    statusErrors: run.statusErrors,
    throttles: run.throttles,
    urlRefreshes: run.urlRefreshes,
    attempt: run.attempt,
    expectedMs: polling ? (run.expectedReadyMs ?? undefined) : undefined,
  };
}

function failureFields(f: RunFailure): RunFailureFields {
  return { errorClass: f.class, errorCode: f.code, errorName: f.name, message: f.message, trackingId: f.trackingId };
}

function wrapLedger(err: unknown, runId: number, failure: RunFailure, final: boolean): Error {
  if (err instanceof LeaseLostError) return err;
  return new LedgerWriteError(runId, failure, final, err);
}
