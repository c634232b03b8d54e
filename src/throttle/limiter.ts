import { createHash } from 'node:crypto';
import type { Secret } from '../secret.js';

/**
 * Microsoft throttles per developer token and customer: 117 CallRateExceeded when calls per minute are
 * exceeded, 207 ConcurrentRequestOverLimit when too many reports are pending. The limiter keeps every
 * worker process under both limits for each such key, and when Microsoft throttles anyway it makes the
 * whole key wait and slows it down for a while, so many workers do not stampede after a throttle.
 */
export interface CallLimiter {
  /** 0 when a call may be made now (and counts it); otherwise how many ms to wait first. */
  acquireCall(key: string): Promise<number>;
  /** 0 when a report may be submitted now (the run holds a slot until released); otherwise ms to wait. */
  acquireReportSlot(key: string, runId: number): Promise<number>;
  /** Keeps a pending report's slot alive; a dead worker's slot expires on its own. */
  renewReportSlot(key: string, runId: number): Promise<void>;
  releaseReportSlot(key: string, runId: number): Promise<void>;
  /** Microsoft answered 117 (rate) or 207 (concurrency) on this key: everyone on it waits `waitMs`. */
  penalize(key: string, kind: 'rate' | 'concurrency', waitMs: number): Promise<void>;
}

export interface LimiterSettings {
  callsPerMinute: number;
  maxConcurrentReports: number;
  /** How long a report slot lives without renewal (covers a worker that died holding it). */
  slotLeaseMs: number;
  /** How long the rate stays reduced after a 117. */
  penaltyMs: number;
}

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
