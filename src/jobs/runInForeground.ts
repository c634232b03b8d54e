import { setTimeout as sleep } from 'node:timers/promises';
import { decideOnFailure, runAttributes } from './runFailure.js';
import type { ReportRunDeps } from './context.js';
import { advanceRun, type RunSummary } from './reportRun.js';
import { parseReportJobData, type ReportJobData, type ReportTarget } from './reportJobData.js';

export interface ForegroundOptions {
  attempts: number;
  /** Base of the exponential backoff between failed attempts (the worker uses 30 s). */
  backoffMs: number;
  signal?: AbortSignal;
  /** Called on every wait so the CLI can show what is happening. */
  onWait?: (event: { reason: string; untilMs: number; data: ReportJobData }) => void;
}

/**
 * Runs one report through the same steps as the worker, in the foreground and without Redis: waits are
 * sleeps here (this process has nothing else to do), failures follow the same classification.
 */
export async function runInForeground(
  deps: ReportRunDeps,
  target: ReportTarget,
  options: ForegroundOptions,
): Promise<RunSummary & { durationMs: number }> {
  const started = deps.now();
  let data = parseReportJobData({ ...target });
  let attempt = 1;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const outcome = await advanceRun(deps, {
        data,
        jobId: null,
        attempt,
        persist: async (patch) => {
          data = { ...data, ...patch };
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (outcome.kind === 'done') {
        deps.observer.runEnded(runAttributes(data, deps.reporting.api), outcome.summary.status);
        return { ...outcome.summary, durationMs: deps.now() - started };
      }
      options.onWait?.({ reason: outcome.reason, untilMs: outcome.untilMs, data });
      await sleep(Math.max(0, outcome.untilMs - deps.now()), undefined, options.signal ? { signal: options.signal } : {});
    } catch (err) {
      if ((err as { name?: string }).name === 'AbortError') throw err;
      const decision = await decideOnFailure(deps, data, err, { number: attempt, max: options.attempts });
      if (decision.action === 'wait') {
        data = { ...data, throttles: data.throttles + 1 };
        options.onWait?.({ reason: 'throttled by Microsoft', untilMs: deps.now() + decision.waitMs, data });
        await sleep(decision.waitMs, undefined, options.signal ? { signal: options.signal } : {});
        continue;
      }
      if (decision.action === 'fail') throw decision.error;
      const backoff = options.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() * 0.5);
      options.onWait?.({
        reason: `retry after ${decision.classified.class} error: ${decision.error.message}`,
        untilMs: deps.now() + backoff,
        data,
      });
      await sleep(backoff, undefined, options.signal ? { signal: options.signal } : {});
      attempt++;
    }
  }
}
