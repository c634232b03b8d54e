import type { Logger } from '../logger.js';
import type { Database } from '../db/client.js';
import type { ReportingApi } from '../ports/reportingApi.js';
import type { TokenSource } from '../nango/tokenSource.js';
import type { Secret } from '../secret.js';
import type { ReportRegistry } from '../reports/registry.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import type { CallLimiter } from '../throttle/limiter.js';
import type { RunObserver } from './observer.js';
import type { LoadGate } from './loadGate.js';
import type { RunPolicy } from './runPolicy.js';

/**
 * Terminology, used the same way everywhere:
 * - report request: one SubmitGenerateReport call at Microsoft; it has a ReportRequestId that stays
 *   valid about a day and is polled until Success or Error.
 * - run: one unit of our work (connection × account × report × aggregation × window), one row of the
 *   run ledger (report_runs) and one queue job. A run may take several attempts, polls and even report
 *   requests (after Status=Error) but loads its window once.
 * - window: the inclusive date range [from, to] a run replaces in its table.
 * - step: where a run stands: submit (no pending report request) or poll (one is pending). Loading
 *   happens inside the poll step the moment Microsoft answers Success, because the download URL is
 *   only valid for five minutes; a run interrupted while loading polls again for a fresh URL.
 */

/** Everything a run needs from the outside world, built once per process by its composition root. */
export interface ReportRunDeps {
  database: Database;
  reporting: ReportingApi;
  tokens: TokenSource;
  developerToken: Secret;
  timeZone: ReportTimeZone;
  /** Every cap, wait and backoff of a run (src/jobs/runPolicy.ts), filled from the configuration. */
  policy: RunPolicy;
  limits: { downloadMaxBytes: number; unzippedMaxBytes: number };
  httpTimeoutMs: number;
  /** Where zips are downloaded to (a fresh subdirectory per run, removed afterwards). */
  tmpDir: string;
  /** Downloads + loads at once in this process (the queue worker; run-once has none). */
  loadGate?: LoadGate;
  /** Shared per developer token × customer: calls per minute and concurrent reports. */
  limiter: CallLimiter;
  /** Built-in and configured custom reports: job report names are resolved here when a run is processed. */
  reports: ReportRegistry;
  /** Metrics, traces and alerts; noopObserver when none are configured. */
  observer: RunObserver;
  logger: Logger;
  now: () => number;
}
