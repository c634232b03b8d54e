import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReportRunDeps } from '../jobs/context.js';
import type { BulkApi } from '../ports/bulkApi.js';
import { advanceEntityRun, type EntityOutcome, type EntityRunDeps, type EntityTarget } from './entityRun.js';

/** The entity run's dependencies, from a process's report-run dependencies plus the Bulk adapter. */
export function entityRunDeps(
  deps: ReportRunDeps,
  bulk: BulkApi,
  settings: { pollIntervalMs: number; throttleWaitMs: number; attempts: number; backoffMs: number },
): EntityRunDeps {
  return {
    database: deps.database,
    bulk,
    tokens: deps.tokens,
    developerToken: deps.developerToken,
    limiter: deps.limiter,
    logger: deps.logger,
    now: deps.now,
    tmpDir: deps.tmpDir,
    httpTimeoutMs: deps.httpTimeoutMs,
    limits: deps.limits,
    settings: { ...settings, callRateWaitMs: deps.policy.throttleWaits.callRateMs },
    observer: deps.observer,
  };
}

/**
 * One account's entity run through the same executor as the queue, in the foreground: a wait is a
 * sleep here. Resolves with the final outcome (done or failed), never a wait.
 */
export async function runEntitiesInForeground(
  deps: EntityRunDeps,
  target: EntityTarget,
  options: { signal?: AbortSignal; onWait?: (o: Extract<EntityOutcome, { kind: 'wait' }>) => void } = {},
): Promise<Exclude<EntityOutcome, { kind: 'wait' }>> {
  const lease = `foreground:${randomUUID()}`;
  let runId: number | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const outcome = await advanceEntityRun(deps, {
      target,
      runId,
      jobId: null,
      lease,
      ...(options.signal ? { signal: options.signal } : {}),
      onRun: async (id) => {
        runId = id;
      },
    });
    if (outcome.kind !== 'wait') return outcome;
    runId = outcome.runId;
    options.onWait?.(outcome);
    await sleep(Math.max(0, outcome.untilMs - deps.now()), undefined, options.signal ? { signal: options.signal } : {});
  }
}
