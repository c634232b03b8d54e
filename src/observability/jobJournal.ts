import type { Job } from 'bullmq';
import { coerceError } from '../errors.js';
import { scrub } from '../httpText.js';
import type { RunObserver, StepName } from '../jobs/observer.js';
import type { RunOutcome } from '../jobs/reportRun.js';

/**
 * What a report job writes on itself for Bull Board: its progress (`job.updateProgress`, the Progress
 * tab) at each step, and one log line per fact (`job.log`, the Logs tab): the ReportRequestId when
 * submitted, each poll's answer, the bytes downloaded, the rows loaded, warnings, and why an attempt
 * waits, retries or fails. It hangs off the run's observer, so the run code reports facts once.
 *
 * Lines are built from ids, counts and messages that are already scrubbed; they are scrubbed again
 * (the developer token, signed URL queries, bearer values) because BullMQ keeps them in clear text.
 * Writes are queued in order and never fail the job: a Redis hiccup loses a line, not the run.
 */

export type JobStep = StepName | 'done' | 'failed';

export interface JobProgress {
  step: JobStep;
  /** Polls of the run's report requests so far (all attempts). */
  polls: number;
  /** Rows loaded (0 until the load). */
  rows: number;
  /** Bytes of the downloaded report file (0 until the download). */
  bytes: number;
}

export interface JobJournal {
  /** The run's observer with this job's progress and log lines added. */
  observer: RunObserver;
  log(line: string): void;
  progress(patch: Partial<JobProgress>): void;
  /** The outcome of one processing of the job, as lines and progress. */
  outcome(outcome: RunOutcome, now: number): void;
  /** Resolves when every queued write is done (before the job completes, fails or is delayed). */
  flush(): Promise<void>;
}

export interface JobJournalOptions {
  start: Pick<JobProgress, 'polls'> & Partial<JobProgress>;
  /** Values never to appear in a line (the developer token). */
  secrets: readonly string[];
  onError?: (err: unknown) => void;
}

export function createJobJournal(job: Pick<Job, 'log' | 'updateProgress'>, inner: RunObserver, options: JobJournalOptions): JobJournal {
  const state: JobProgress = { step: 'submit', rows: 0, bytes: 0, ...options.start };
  let chain: Promise<void> = Promise.resolve();
  let reported = false;
  const write = (op: () => Promise<unknown>) => {
    chain = chain.then(op).then(
      () => undefined,
      (err: unknown) => {
        if (!reported) options.onError?.(err);
        reported = true;
      },
    );
  };
  const log = (line: string) => {
    const text = redactLine(line, options.secrets);
    write(() => job.log(text));
  };
  const progress = (patch: Partial<JobProgress>) => {
    Object.assign(state, patch);
    const snapshot = { ...state };
    write(() => job.updateProgress(snapshot));
  };

  const observer: RunObserver = {
    async step(name, attributes, fn) {
      progress({ step: name });
      try {
        const result = await inner.step(name, attributes, fn);
        describeStep(name, result);
        return result;
      } catch (err) {
        log(`${name} failed: ${coerceError(err).message}`);
        throw err;
      }
    },
    microsoftCall: (...args) => inner.microsoftCall(...args),
    tokenRefreshed(connectionId) {
      log('access token expired at Microsoft; refreshed through Nango');
      inner.tokenRefreshed(connectionId);
    },
    throttled(source, attributes) {
      log(source === 'microsoft' ? `throttled by Microsoft (code ${attributes.code ?? '?'})` : `waiting for the shared rate limiter (customer ${attributes.customerId})`);
      inner.throttled(source, attributes);
    },
    polled: (attributes) => inner.polled(attributes),
    concurrencyLevel: (customerId, level) => inner.concurrencyLevel(customerId, level),
    entityRunEnded: (run, outcome, failure) => inner.entityRunEnded(run, outcome, failure),
    loaded(attributes, rows, durationMs) {
      progress({ rows });
      log(`loaded ${rows} rows in ${durationMs} ms`);
      inner.loaded(attributes, rows, durationMs);
    },
    runEnded: (...args) => inner.runEnded(...args),
  };

  // Step results are read by shape (the port's result types): the run code needs no journal hooks.
  function describeStep(name: StepName, result: unknown): void {
    const r = (result ?? {}) as Record<string, unknown>;
    const tracking = typeof r['trackingId'] === 'string' ? ` (TrackingId ${r['trackingId']})` : '';
    if (name === 'submit' && typeof r['reportRequestId'] === 'string') {
      log(`submitted: ReportRequestId ${r['reportRequestId']}${tracking}`);
    } else if (name === 'poll' && typeof r['status'] === 'string') {
      progress({ polls: state.polls + 1 });
      const empty = r['status'] === 'Success' && r['downloadUrl'] === null ? ' (no rows for this window)' : '';
      log(`poll ${state.polls}: ${r['status']}${empty}${r['status'] === 'Error' ? tracking : ''}`);
    } else if (name === 'download' && typeof r['bytes'] === 'number') {
      progress({ bytes: r['bytes'] });
      log(`downloaded ${r['bytes']} bytes`);
    }
  }

  return {
    observer,
    log,
    progress,
    outcome(outcome, now) {
      switch (outcome.kind) {
        case 'wait': {
          const seconds = Math.max(0, Math.round((outcome.untilMs - now) / 100) / 10);
          if (outcome.retried) {
            const code = outcome.retried.code !== undefined ? ` ${outcome.retried.code}` : '';
            log(`attempt ${outcome.progress.attempt - 1} failed (${outcome.retried.class}${code}): ${outcome.retried.message}; next attempt in ${seconds} s`);
          } else {
            log(outcome.reason === 'pending' ? `report pending at Microsoft; next poll in ${seconds} s` : `waiting ${seconds} s (${outcome.reason})`);
          }
          progress({ step: outcome.progress.step, polls: outcome.progress.polls });
          return;
        }
        case 'done': {
          const s = outcome.summary;
          progress({ step: 'done', rows: s.rows, bytes: s.bytes, polls: s.polls });
          for (const w of s.warnings) log(`warning: ${w}`);
          const notes = [s.provisional ? 'provisional (Microsoft may still change its last day)' : '', s.repeatedRows > 0 ? `${s.repeatedRows} repeated rows` : '']
            .filter(Boolean)
            .join(', ');
          log(`finished ${s.status}: ${s.rows} rows, ${s.bytes} bytes, ${s.polls} polls, ${s.submits} submits (run ${s.runId})${notes ? `; ${notes}` : ''}`);
          return;
        }
        case 'failed': {
          const f = outcome.failure;
          progress({ step: 'failed', polls: outcome.progress.polls });
          const code = f.code !== undefined ? ` ${f.code}` : '';
          const tracking = f.trackingId !== undefined ? ` (TrackingId ${f.trackingId})` : '';
          log(`failed for good (${f.class}${code}): ${f.message}${tracking}`);
          return;
        }
        case 'lost':
          log(`run ${outcome.runId} belongs to another worker now; this attempt stopped without writing`);
          return;
      }
    },
    flush: () => chain,
  };
}

/** A line as stored: secrets scrubbed, URL queries (signed download links) and bearer values cut, length capped. */
export function redactLine(line: string, secrets: readonly string[]): string {
  const text = scrub(line, secrets)
    .replace(/(https?:\/\/[^\s?#]+)\?[^\s]*/gi, '$1?[redacted]')
    .replace(/\b(bearer)\s+[^\s,;]+/gi, '$1 [redacted]')
    .replace(/\b((?:access|refresh)_?token|developer_?token|client_secret|password)(["']?\s*[:=]\s*["']?)[^\s"',;]+/gi, '$1$2[redacted]');
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}
