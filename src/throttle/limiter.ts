import { createHash } from 'node:crypto';
import type { Secret } from '../secret.js';
import type { SubmitOutcome } from './concurrencyLevel.js';

/**
 * Microsoft throttles per developer token and customer: 117 CallRateExceeded when calls per minute are
 * exceeded, 207 ConcurrentRequestOverLimit when too many reports are pending. The limiter keeps every
 * worker process under both limits for each such key, and when Microsoft throttles anyway it makes the
 * whole key wait and slows it down for a while, so many workers do not stampede after a throttle.
 */
export interface CallLimiter {
  /** 0 when a call may be made now (and counts it); otherwise how many ms to wait first. */
  acquireCall(key: string): Promise<number>;
  /**
   * 0 when the run holds a report slot now (until released); otherwise ms until it asks again at the
   * latest. A run that must wait joins the key's queue (first come, first served) with its job id: when
   * a slot frees, the limiter reserves it for the first in the queue and wakes that job at once
   * (`onHandover`), so the wait returned is only a safety net, not a retry interval.
   */
  acquireReportSlot(key: string, runId: number, jobId?: string | null): Promise<number>;
  /** The run holds a slot (a handover may have reserved one for it while it was parking). */
  holdsReportSlot(key: string, runId: number): Promise<boolean>;
  /** Keeps a pending report's slot alive; a dead worker's slot expires on its own. */
  renewReportSlot(key: string, runId: number): Promise<void>;
  /** The run's report left Pending, or the run ended: its slot (or its place in the queue) is given up. */
  releaseReportSlot(key: string, runId: number): Promise<void>;
  /**
   * What Microsoft answered to the run's submit: the key's concurrency level adapts (concurrencyLevel.ts).
   * A refused submit ('over_limit' 207, 'throttled' 117/429) gives its slot up. Returns the new level.
   */
  submitAnswered(key: string, runId: number, outcome: SubmitOutcome): Promise<number>;
  /** The key's current concurrency level (learned, or the configured start). */
  concurrencyLevel(key: string): Promise<number>;
  /** Microsoft answered 117 (rate) or 207 (concurrency) on this key: everyone on it waits `waitMs`. */
  penalize(key: string, kind: 'rate' | 'concurrency', waitMs: number): Promise<void>;
}

export interface LimiterSettings {
  callsPerMinute: number;
  /** Where a customer's concurrency level starts (MSADS_MAX_CONCURRENT_REPORTS). */
  maxConcurrentReports: number;
  /** The learned level never exceeds this (MSADS_MAX_CONCURRENT_REPORTS_CEILING). */
  maxConcurrentReportsCeiling: number;
  /** How long a report slot lives without renewal (covers a worker that died holding it). */
  slotLeaseMs: number;
  /** How long the rate stays reduced after a 117. */
  penaltyMs: number;
}

/** Wakes the parked jobs a slot was handed to; returns the ids of jobs that no longer exist. */
export type HandoverWaker = (jobIds: string[]) => Promise<string[]>;

/**
 * The limiter key of a developer token and customer. The token is hashed: Redis never holds it.
 */
export function limiterKey(developerToken: Secret, customerId: string): string {
  const digest = createHash('sha256').update(developerToken.reveal()).digest('hex').slice(0, 16);
  return `${digest}:${customerId}`;
}

/** When our own limiter says wait, the job is parked this much longer at least, plus jitter. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 + random() * 0.2));
}
