import type { Queue, QueueEvents } from 'bullmq';

/**
 * Follows a set of report jobs until each has completed or failed for good: QueueEvents for prompt
 * updates, plus a periodic read of each unfinished job's state, which also catches jobs that finished
 * before we listened. Stopping (Ctrl-C) stops the watching only: the jobs go on in the workers.
 */

export interface JobOutcome {
  state: 'completed' | 'failed' | 'missing';
  rows: number;
  reason?: string;
}

export interface WatchState {
  total: number;
  done: number;
  failed: number;
  rows: number;
}

export interface WatchResult {
  outcomes: Map<string, JobOutcome>;
  interrupted: boolean;
}

function rowsOf(returnvalue: unknown): number {
  let value = returnvalue;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return 0;
    }
  }
  const rows = (value as { rows?: unknown } | null)?.rows;
  return typeof rows === 'number' ? rows : 0;
}

export async function watchJobs(
  queue: Queue,
  events: QueueEvents,
  jobIds: readonly string[],
  options: { signal?: AbortSignal; pollMs?: number; onUpdate?: (state: WatchState) => void },
): Promise<WatchResult> {
  const pending = new Set(jobIds);
  const outcomes = new Map<string, JobOutcome>();
  const state: WatchState = { total: jobIds.length, done: 0, failed: 0, rows: 0 };
  let finish: (interrupted: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => (finish = resolve));

  const settle = (jobId: string, outcome: JobOutcome) => {
    if (!pending.delete(jobId)) return;
    outcomes.set(jobId, outcome);
    if (outcome.state === 'completed') state.done++;
    else state.failed++;
    state.rows += outcome.rows;
    options.onUpdate?.({ ...state });
    if (pending.size === 0) finish(false);
  };

  /** Reads a job's state from Redis; a failed attempt that will be retried is not an outcome. */
  const check = async (jobId: string) => {
    const job = await queue.getJob(jobId);
    if (!job) return settle(jobId, { state: 'missing', rows: 0, reason: 'the job is gone from the queue (removed or expired)' });
    const s = await job.getState();
    if (s === 'completed') settle(jobId, { state: 'completed', rows: rowsOf(job.returnvalue) });
    else if (s === 'failed') settle(jobId, { state: 'failed', rows: 0, reason: job.failedReason || 'failed' });
  };

  const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
    if (pending.has(jobId)) settle(jobId, { state: 'completed', rows: rowsOf(returnvalue) });
  };
  const onFailed = ({ jobId }: { jobId: string }) => {
    if (pending.has(jobId)) void check(jobId).catch(() => undefined);
  };
  events.on('completed', onCompleted);
  events.on('failed', onFailed);
  const onAbort = () => finish(true);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    for (const id of [...pending]) await check(id).catch(() => undefined);
    if (pending.size > 0) timer = setTimeout(() => void sweep(), options.pollMs ?? 2_000);
  };
  options.onUpdate?.({ ...state });
  if (jobIds.length === 0) finish(false);
  else void sweep();

  const interrupted = options.signal?.aborted ? true : await finished;
  clearTimeout(timer);
  events.off('completed', onCompleted);
  events.off('failed', onFailed);
  options.signal?.removeEventListener('abort', onAbort);
  return { outcomes, interrupted };
}
