import type { MsAdsApi } from '../ports/msadsApi.js';

/**
 * What a run tells the outside world about itself: metrics, traces and alerts hang off this one seam
 * (src/observability implements it); the run code only reports facts. Never pass a token here.
 */

export type StepName = 'submit' | 'poll' | 'download' | 'load';

export interface RunAttributes {
  /** How Microsoft is called for this run (rest or soap). */
  api: MsAdsApi;
  connectionId: string;
  accountId: string;
  report: string;
  aggregation: string;
  runId: number;
  reportRequestId?: string | undefined;
}

export type RunOutcome = 'succeeded' | 'empty' | 'retrying' | 'failed';

export interface RunObserver {
  /** Runs one step inside a span (when tracing is on) and records its duration. */
  step<T>(name: StepName, attributes: RunAttributes, fn: () => Promise<T>): Promise<T>;
  /** One call to Microsoft: its operation and, when it failed, the fault code (or 'transport'). */
  microsoftCall(
    operation: string,
    result: { ok: true } | { ok: false; faultCode: number | 'transport' | 'protocol' },
    durationMs: number,
    api: MsAdsApi,
  ): void;
  tokenRefreshed(connectionId: string): void;
  /** A wait because Microsoft throttled (117/207/429) or because our own limiter said so. */
  throttled(source: 'microsoft' | 'limiter', attributes: { code?: number | undefined; customerId: string }): void;
  polled(attributes: RunAttributes): void;
  /** The learned concurrency level of a customer after Microsoft answered a submit (adaptive, per customer). */
  concurrencyLevel(customerId: string, level: number): void;
  loaded(attributes: RunAttributes, rows: number, durationMs: number): void;
  /** One attempt's end: final outcomes and retries, with the error class when it failed. */
  runEnded(attributes: RunAttributes, outcome: RunOutcome, errorClass?: string): void;
  /** An entity run (Bulk download of one account) ended for good. */
  entityRunEnded(run: EntityRunAttributes, outcome: 'succeeded' | 'failed', failure?: { errorClass: string; message: string }): void;
}

export interface EntityRunAttributes {
  connectionId: string;
  accountId: string;
  runId: number;
  mode: string;
}

export const noopObserver: RunObserver = {
  step: (_name, _attributes, fn) => fn(),
  microsoftCall: () => undefined,
  tokenRefreshed: () => undefined,
  throttled: () => undefined,
  polled: () => undefined,
  concurrencyLevel: () => undefined,
  loaded: () => undefined,
  runEnded: () => undefined,
  entityRunEnded: () => undefined,
};
