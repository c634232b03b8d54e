import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/client.js';
import {
  claimEntityRun,
  createEntityRun,
  getSyncState,
  markEntityFailed,
  markEntityLoaded,
  saveEntityProgress,
  type EntityRun,
  type EntitySyncState,
} from '../db/entityRuns.js';
import { LeaseLostError } from '../db/reportRuns.js';
import { coerceError, MsAdsFaultError } from '../errors.js';
import { BULK_FULL_SYNC_CODES, classifyError, isExpiredToken } from '../jobs/classifyError.js';
import { errorClassPolicy } from '../jobs/runPolicy.js';
import { downloadToFile } from '../load/download.js';
import type { Logger } from '../logger.js';
import type { TokenSource } from '../nango/tokenSource.js';
import type { BulkApi, BulkCallAuth } from '../ports/bulkApi.js';
import type { Secret } from '../secret.js';
import type { CallLimiter } from '../throttle/limiter.js';
import type { RunObserver } from '../jobs/observer.js';
import { limiterKey, withJitter } from '../throttle/limiter.js';
import { downloadEntitiesFor, type EntityName, type SelectableEntity } from './catalog.js';
import { loadBulkZip, type EntityLoadOutcome } from './loadEntities.js';

/**
 * One entity run: request a Bulk download of one account (full or delta), wait while Microsoft
 * prepares it, download the zip and load it (loadEntities.ts), the ledger row (entity_runs) written
 * before every next side effect so whoever resumes the run resumes from Postgres. Shared by the queue
 * (waits park the job) and `msads-etl entities` (waits are sleeps).
 */

/** Microsoft refuses a LastSyncTimeInUTC more than 30 days ago: a day of margin. */
export const FULL_AFTER_MS = 29 * 86_400_000;
/** Expired result URLs refreshed by polling again before the run counts it as a failed attempt. */
const MAX_URL_REFRESHES = 3;

export interface EntityTarget {
  connectionId: string;
  customerId: string;
  accountId: string;
  entities: readonly SelectableEntity[];
  /** --full: download everything whatever the state says. */
  full?: boolean | undefined;
}

export interface EntityRunDeps {
  database: Database;
  bulk: BulkApi;
  tokens: TokenSource;
  developerToken: Secret;
  limiter: CallLimiter;
  logger: Logger;
  now: () => number;
  tmpDir: string;
  httpTimeoutMs: number;
  limits: { downloadMaxBytes: number; unzippedMaxBytes: number };
  settings: { pollIntervalMs: number; throttleWaitMs: number; callRateWaitMs: number; attempts: number; backoffMs: number };
  /** Metrics and alerts (noopObserver when none). */
  observer?: RunObserver;
}

export type EntityOutcome =
  | { kind: 'wait'; runId: number; untilMs: number; reason: 'pending' | 'throttled' | 'limited' | 'backoff' }
  | { kind: 'done'; runId: number; mode: 'full' | 'delta'; outcome: EntityLoadOutcome | null; bytes: number }
  | { kind: 'failed'; runId: number; error: Error; errorClass: string; mode?: string };

export interface ModeDecision {
  mode: 'full' | 'delta';
  lastSyncTime: Date | null;
  reason: string;
}

/** Full or delta (BULK-FACTS §7): from the Sync Time Microsoft gave the last file, never our clock. */
export function entityMode(state: Pick<EntitySyncState, 'lastSyncTime' | 'entities'> | undefined, tables: readonly string[], now: number, force: boolean): ModeDecision {
  if (force) return { mode: 'full', lastSyncTime: null, reason: 'asked for (--full)' };
  if (!state) return { mode: 'full', lastSyncTime: null, reason: 'first download of the account' };
  const missing = tables.filter((t) => !state.entities.includes(t));
  if (missing.length > 0) return { mode: 'full', lastSyncTime: null, reason: `entities not in the last file: ${missing.join(', ')}` };
  if (now - state.lastSyncTime.getTime() > FULL_AFTER_MS) return { mode: 'full', lastSyncTime: null, reason: 'the last sync is more than 29 days old (Microsoft refuses deltas past 30)' };
  return { mode: 'delta', lastSyncTime: state.lastSyncTime, reason: `changes since ${state.lastSyncTime.toISOString()}` };
}

/** The tables a download of `entities` fills (label associations come with labels). */
export function tablesOf(entities: readonly SelectableEntity[]): EntityName[] {
  return [...entities, ...(entities.includes('labels') ? (['label_associations'] as const) : [])];
}

type AdvanceContext = { target: EntityTarget; runId: number | undefined; jobId: string | null; lease: string; signal?: AbortSignal; onRun?: (runId: number) => Promise<void> };

/** Advances the run as far as it can go now; a run that ends is told to the observer (metrics, alerts). */
export async function advanceEntityRun(deps: EntityRunDeps, ctx: AdvanceContext): Promise<EntityOutcome> {
  const outcome = await advance(deps, ctx);
  const run = (mode: string) => ({ connectionId: ctx.target.connectionId, accountId: ctx.target.accountId, runId: outcome.runId, mode });
  if (outcome.kind === 'done' && outcome.outcome !== null) deps.observer?.entityRunEnded(run(outcome.mode), 'succeeded');
  if (outcome.kind === 'failed' && outcome.errorClass !== 'lost') {
    deps.observer?.entityRunEnded(run(outcome.mode ?? 'delta'), 'failed', { errorClass: outcome.errorClass, message: outcome.error.message });
  }
  return outcome;
}

async function advance(deps: EntityRunDeps, ctx: AdvanceContext): Promise<EntityOutcome> {
  const { db } = deps.database;
  const t = ctx.target;
  const tables = tablesOf(t.entities);
  let run = await openEntityRun(deps, ctx, tables);
  if (run.status === 'succeeded') return { kind: 'done', runId: run.id, mode: run.mode as 'full' | 'delta', outcome: null, bytes: run.bytes ?? 0 };
  const runId = run.id;
  const key = limiterKey(deps.developerToken, t.customerId);
  const save = (fields: Parameters<typeof saveEntityProgress>[3]) => saveEntityProgress(db, runId, ctx.lease, fields);
  let urlRefreshes = 0;

  try {
    for (;;) {
      const callWait = await deps.limiter.acquireCall(key);
      if (callWait > 0) return { kind: 'wait', runId, untilMs: deps.now() + withJitter(callWait), reason: 'limited' };
      try {
        if (run.downloadRequestId === null) {
          const state = await getSyncState(db, t.accountId);
          const decision = entityMode(state, tables, deps.now(), t.full === true || run.mode === 'full');
          const submitted = await withToken(deps, t, (auth) =>
            deps.bulk.submitDownload(auth, { accountId: t.accountId, downloadEntities: downloadEntitiesFor(t.entities), lastSyncTime: decision.lastSyncTime }, ctx.signal),
          );
          deps.logger.info({ runId, accountId: t.accountId, mode: decision.mode, reason: decision.reason, downloadRequestId: submitted.downloadRequestId }, 'bulk download requested');
          await save({
            status: 'pending',
            mode: decision.mode,
            downloadRequestId: submitted.downloadRequestId,
            lastSyncTimeSent: decision.lastSyncTime,
            submittedAt: new Date(deps.now()),
            ...(submitted.trackingId ? { trackingId: submitted.trackingId } : {}),
          });
          return { kind: 'wait', runId, untilMs: deps.now() + deps.settings.pollIntervalMs, reason: 'pending' };
        }
        const status = await withToken(deps, t, (auth) => deps.bulk.downloadStatus(auth, run.downloadRequestId as string, ctx.signal));
        if (status.status === 'InProgress') {
          await save({ polls: run.polls + 1 });
          return { kind: 'wait', runId, untilMs: deps.now() + deps.settings.pollIntervalMs, reason: 'pending' };
        }
        if (status.status === 'FailedFullSyncRequired') {
          deps.logger.warn({ runId, accountId: t.accountId }, 'Microsoft asks for a full download (FailedFullSyncRequired)');
          await save({ mode: 'full', downloadRequestId: null, polls: run.polls + 1 });
          run = { ...run, mode: 'full', downloadRequestId: null, polls: run.polls + 1 };
          continue;
        }
        if (status.status === 'Failed') {
          const detail = status.errors.map((e) => `${e.code ?? '?'} ${e.errorCode ?? ''} ${e.message}`.trim()).join('; ');
          return await fail(deps, ctx.lease, run.mode, runId, 'generation', new Error(`the bulk download failed at Microsoft (RequestStatus Failed${detail ? `: ${detail}` : ''}); Microsoft suggests fewer entities or trying later`), status.trackingId);
        }
        await save({ status: 'loading', polls: run.polls + 1, ...(status.trackingId ? { trackingId: status.trackingId } : {}) });
        const done = await downloadAndLoad(deps, ctx, run, status.resultFileUrl, tables);
        return { kind: 'done', runId, mode: run.mode as 'full' | 'delta', ...done };
      } catch (err) {
        if (err instanceof LeaseLostError) throw err;
        if (ctx.signal?.aborted) throw err;
        const classified = classifyError(err);
        if (err instanceof MsAdsFaultError && err.code !== undefined && BULK_FULL_SYNC_CODES.has(err.code) && run.mode !== 'full') {
          deps.logger.warn({ runId, code: err.code }, 'Microsoft refused the delta\u2019s last sync time; downloading in full');
          await save({ mode: 'full', downloadRequestId: null });
          run = { ...run, mode: 'full', downloadRequestId: null };
          continue;
        }
        if (classified.class === 'expired_url' && urlRefreshes < MAX_URL_REFRESHES) {
          urlRefreshes += 1;
          continue;
        }
        if (classified.class === 'throttled') {
          const waitMs = classified.code === 4204 ? Math.max(deps.settings.throttleWaitMs, classified.retryAfterMs ?? 0) : Math.max(classified.retryAfterMs ?? 0, classified.code === 429 ? (classified.waitMs ?? deps.settings.callRateWaitMs) : deps.settings.callRateWaitMs);
          await save({ throttles: run.throttles + 1 });
          run = { ...run, throttles: run.throttles + 1 };
          if (classified.code === 117) await deps.limiter.penalize(key, 'rate', waitMs);
          deps.logger.warn({ runId, code: classified.code, waitMs }, 'bulk call throttled');
          return { kind: 'wait', runId, untilMs: deps.now() + withJitter(waitMs), reason: 'throttled' };
        }
        const disposition = errorClassPolicy[classified.class].disposition;
        const message = coerceError(err).message;
        if (disposition !== 'fail' && run.attempt < deps.settings.attempts) {
          await save({ attempt: run.attempt + 1, status: 'retrying', errorClass: classified.class, errorCode: classified.code ?? null, errorMessage: message.slice(0, 2_000) });
          const backoff = deps.settings.backoffMs * 2 ** (run.attempt - 1);
          deps.logger.warn({ runId, errorClass: classified.class, attempt: run.attempt, err: message }, 'entity run attempt failed; retrying');
          return { kind: 'wait', runId, untilMs: deps.now() + withJitter(backoff), reason: 'backoff' };
        }
        return await fail(deps, ctx.lease, run.mode, runId, classified.class, coerceError(err), classified.trackingId);
      }
    }
  } catch (err) {
    if (err instanceof LeaseLostError) return { kind: 'failed', runId, error: err, errorClass: 'lost' };
    throw err;
  }
}

async function fail(deps: EntityRunDeps, lease: string, mode: string, runId: number, errorClass: string, error: Error, trackingId: string | undefined): Promise<EntityOutcome> {
  const code = error instanceof MsAdsFaultError ? error.code : undefined;
  await markEntityFailed(deps.database.db, runId, lease, { errorClass, errorCode: code, message: error.message, trackingId });
  deps.logger.error({ runId, errorClass, err: error.message }, 'entity run failed');
  return { kind: 'failed', runId, error, errorClass, mode };
}

async function openEntityRun(deps: EntityRunDeps, ctx: { target: EntityTarget; runId: number | undefined; jobId: string | null; lease: string; onRun?: (runId: number) => Promise<void> }, tables: readonly string[]): Promise<EntityRun> {
  const { db } = deps.database;
  if (ctx.runId !== undefined) {
    const existing = await claimEntityRun(db, ctx.runId, ctx.lease);
    if (existing && existing.status !== 'failed') return existing;
  }
  const run = await createEntityRun(db, { ...ctx.target, entities: tables }, { jobId: ctx.jobId, lease: ctx.lease, mode: ctx.target.full ? 'full' : 'delta' });
  await ctx.onRun?.(run.id);
  return run;
}

async function downloadAndLoad(
  deps: EntityRunDeps,
  ctx: { target: EntityTarget; lease: string; signal?: AbortSignal },
  run: EntityRun,
  url: string,
  tables: readonly EntityName[],
): Promise<{ outcome: EntityLoadOutcome; bytes: number }> {
  const dir = await mkdtemp(join(deps.tmpDir, 'msads-bulk-'));
  try {
    const file = await downloadToFile(url, { dir, maxBytes: deps.limits.downloadMaxBytes, timeoutMs: deps.httpTimeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const mode = run.mode as 'full' | 'delta';
    const outcome = await loadBulkZip(
      deps.database.pool,
      { accountId: ctx.target.accountId, runId: run.id, mode, tables },
      file.path,
      { maxUncompressedBytes: deps.limits.unzippedMaxBytes },
      (client, o) =>
        markEntityLoaded(client, run.id, ctx.lease, {
          accountId: ctx.target.accountId,
          mode,
          entities: tables,
          syncTime: o.syncTime,
          bytes: file.bytes,
          rows: o.tables,
          unknownTypes: o.unknownTypes,
          warnings: o.warnings,
        }),
    );
    if (outcome.warnings.length > 0) deps.logger.warn({ runId: run.id, warnings: outcome.warnings }, 'bulk file loaded with warnings');
    return { outcome, bytes: file.bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The connection's token from Nango right before the call; one forced refresh on 109 / HTTP 401. */
async function withToken<T>(deps: EntityRunDeps, t: EntityTarget, send: (auth: BulkCallAuth) => Promise<T>): Promise<T> {
  const auth = (accessToken: Secret): BulkCallAuth => ({ accessToken, developerToken: deps.developerToken, customerId: t.customerId, accountId: t.accountId });
  try {
    return await send(auth(await deps.tokens.getAccessToken(t.connectionId)));
  } catch (err) {
    if (!isExpiredToken(err)) throw err;
    return send(auth(await deps.tokens.getAccessToken(t.connectionId, { forceRefresh: true })));
  }
}
