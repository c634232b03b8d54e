import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReportRunDeps } from './context.js';
import { advanceRun, type RunSummary } from './reportRun.js';
import { parseReportJobData, type ReportJobData, type ReportTarget } from './reportJobData.js';
import { progressView, runAttributes } from './runFailure.js';

export interface ForegroundOptions {
  /** Overrides the policy's attempts (JOB_ATTEMPTS). */
  attempts: number;
  /** Overrides the policy's backoff base (JOB_BACKOFF_MS). */
  backoffMs: number;
  signal?: AbortSignal;
  /** Called on every wait so the CLI can show what is happening. */
  onWait?: (event: { reason: string; untilMs: number; data: ReportJobData }) => void;
}

/**
 * Runs one report through the same executor and policy as the worker, in the foreground and without
 * Redis. The only difference: a wait is a sleep here (this process has nothing else to do).
 */
export async function runInForeground(
  deps: ReportRunDeps,
  target: ReportTarget,
  options: ForegroundOptions,
): Promise<RunSummary & { durationMs: number }> {
  const started = deps.now();
  const runDeps: ReportRunDeps = { ...deps, policy: { ...deps.policy, attempts: options.attempts, backoffMs: options.backoffMs } };
  let data = parseReportJobData({ ...target });
  // The lease of this foreground run: a second run-once of the same window is a different run.
  const lease = `foreground:${randomUUID()}`;
  const sleepOptions = options.signal ? { signal: options.signal } : {};
  for (;;) {
    options.signal?.throwIfAborted();
    const outcome = await advanceRun(runDeps, {
      target,
      runId: data.runId,
      jobId: null,
      lease,
      stalls: 0,
      onRun: async (runId) => {
        data = { ...data, runId };
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    switch (outcome.kind) {
      case 'done':
        deps.observer.runEnded(runAttributes(data, deps.reporting.api), outcome.summary.status);
        return { ...outcome.summary, durationMs: deps.now() - started };
      case 'failed':
        deps.observer.runEnded(runAttributes({ ...data, runId: outcome.runId }, deps.reporting.api), 'failed', outcome.failure.class);
        throw outcome.error;
      case 'lost':
        throw new Error(`run ${outcome.runId} was taken over or ended by another process`);
      case 'wait': {
        data = { ...data, ...progressView(outcome.progress, outcome.runId) };
        const reason =
          outcome.reason === 'backoff' && outcome.retried
            ? `retry after ${outcome.retried.class} error: ${outcome.retried.message}`
            : outcome.reason === 'throttled'
              ? 'throttled by Microsoft'
              : outcome.reason;
        options.onWait?.({ reason, untilMs: outcome.untilMs, data });
        await sleep(Math.max(0, outcome.untilMs - deps.now()), undefined, sleepOptions);
        break;
      }
    }
  }
}
