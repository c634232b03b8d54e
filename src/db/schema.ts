import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, date, index, integer, pgTable, primaryKey, text, timestamp, check } from 'drizzle-orm/pg-core';
import { msadsApis } from '../ports/msadsApi.js';

/**
 * Lifecycle of a report run, in order. `waiting`: not submitted yet, waiting for a concurrency slot of
 * its customer, the call budget or a throttle. `retrying`: an attempt failed and will be tried again.
 */
export const runStatuses = ['submitting', 'waiting', 'pending', 'loading', 'retrying', 'succeeded', 'empty', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];
/** A run in one of these never changes again: every ledger write is guarded by this list. */
export const finalRunStatuses = ['succeeded', 'empty', 'failed'] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof finalRunStatuses)[number];
export function isFinalStatus(status: string): status is FinalRunStatus {
  return (finalRunStatuses as readonly string[]).includes(status);
}

/**
 * The run ledger: one row per report run (one job = one run, however many attempts, polls or resubmits
 * it takes). Operators and BI read it to tell fresh data from stale and to see why a run failed.
 */
export const reportRuns = pgTable(
  'report_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: text('connection_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    report: text('report').notNull(),
    aggregation: text('aggregation').notNull(),
    windowStart: date('window_start', { mode: 'string' }).notNull(),
    windowEnd: date('window_end', { mode: 'string' }).notNull(),
    status: text('status', { enum: runStatuses }).notNull(),
    /** How Microsoft was called for this run (MSADS_API at its last submit): rest or soap. */
    api: text('api', { enum: msadsApis }).notNull(),
    jobId: text('job_id'),
    reportRequestId: text('report_request_id'),
    submits: integer('submits').notNull().default(0),
    polls: integer('polls').notNull().default(0),
    attempt: integer('attempt').notNull().default(1),
    bytes: bigint('bytes', { mode: 'number' }),
    rows: bigint('rows', { mode: 'number' }),
    trackingId: text('tracking_id'),
    errorClass: text('error_class'),
    errorCode: integer('error_code'),
    errorName: text('error_name'),
    errorMessage: text('error_message'),
    /** Report requests that ended with Status=Error so far (capped by the run policy). */
    statusErrors: integer('status_errors').notNull().default(0),
    /** Throttle waits taken so far; they cost no attempt but are capped (run policy). */
    throttles: integer('throttles').notNull().default(0),
    /** Expired download URLs refreshed by polling again, in the current attempt. */
    urlRefreshes: integer('url_refreshes').notNull().default(0),
    /**
     * The queue lock token of the worker that owns the run now (null in the foreground). Every progress
     * write is fenced by it, so a worker that froze past its lock cannot write over its successor.
     */
    lease: text('lease'),
    /** The failed run this one retries (a retry adds a run, it never rewrites the failed one). */
    retryOf: bigint('retry_of', { mode: 'number' }),
    /*
     * What the loaded file's report header states (src/load/reportMetadata.ts); null for an empty
     * report (no file) and runs loaded before the header was requested.
     */
    /** Rows: Microsoft's own record count, checked against the rows read (a mismatch refuses the file). */
    fileRowsStated: integer('file_rows_stated'),
    /** Time Zone: the zone the file's dates and hours are in, as written. */
    fileTimeZone: text('file_time_zone'),
    /** That zone as IANA, where we can tell (null: unknown, so no UTC instant for the hours). */
    fileTimeZoneIana: text('file_time_zone_iana'),
    /** Last Completed Available Day / Hour (UTC, as Microsoft documents). */
    lastCompletedDay: timestamp('last_completed_day', { withTimezone: true }),
    lastCompletedHour: timestamp('last_completed_hour', { withTimezone: true }),
    /**
     * Potential Incomplete Data: Microsoft may still change the window's last day, so the window is
     * provisional until a later run loads that day complete (view report_provisional_windows).
     */
    potentialIncomplete: boolean('potential_incomplete'),
    /** Rows of the file repeating every attribute of an earlier row (all loaded, row_ordinal > 1). */
    repeatedRows: integer('repeated_rows'),
    /** What did not stop the load but a user should know (unreadable header lines, blank column names …). */
    warnings: text('warnings').array(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    /** When a poll first found the report ready (Success or Error): ready_at − submitted_at is what the poll schedule learns from. */
    readyAt: timestamp('ready_at', { withTimezone: true }),
    /** The generation time the poll schedule expected for this run's report (learned from earlier runs), ms; null: none known yet. */
    expectedReadyMs: integer('expected_ready_ms'),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('report_runs_target_idx').on(t.connectionId, t.accountId, t.report, t.aggregation, t.windowStart),
    index('report_runs_status_idx').on(t.status, t.updatedAt),
    // Rows are the account's whichever connection loaded them: report_provisional_windows looks runs up so.
    index('report_runs_account_target_idx').on(t.accountId, t.report, t.aggregation, t.windowEnd),
    // The poll schedule's lookup of recent generation times of a report kind (generationTimes.ts).
    index('report_runs_ready_idx').on(t.report, t.aggregation, t.readyAt).where(sql`${t.readyAt} IS NOT NULL`),
    check('report_runs_window_check', sql`${t.windowStart} <= ${t.windowEnd}`),
    check('report_runs_api_check', sql`${t.api} IN ('rest', 'soap')`),
  ],
);

/**
 * One row per attempt of a run: when it started and ended, how it ended, and why. A retry adds a row;
 * nothing here is ever rewritten once the attempt has ended.
 */
export const reportRunAttempts = pgTable(
  'report_run_attempts',
  {
    runId: bigint('run_id', { mode: 'number' })
      .notNull()
      .references(() => reportRuns.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    jobId: text('job_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** succeeded, empty, retrying (failed, another attempt follows) or failed; null while it runs. */
    outcome: text('outcome'),
    errorClass: text('error_class'),
    errorCode: integer('error_code'),
    errorName: text('error_name'),
    errorMessage: text('error_message'),
    trackingId: text('tracking_id'),
    rows: bigint('rows', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.attempt] })],
);

/** Health of a Nango connection: `needs_reauth` once its credentials are dead (Nango cannot refresh, Microsoft 105, 108, 120, 122–125). */
export const connectionHealths = ['ok', 'needs_reauth'] as const;
export type ConnectionHealth = (typeof connectionHealths)[number];

/**
 * Nango connections as the scheduler has seen them, with their health. A connection marked
 * needs_reauth is skipped by the scheduler and its jobs fail fast, until a discovery with the
 * credential Nango then holds succeeds again.
 */
export const connections = pgTable('connections', {
  connectionId: text('connection_id').primaryKey(),
  health: text('health', { enum: connectionHealths }).notNull().default('ok'),
  healthReason: text('health_reason'),
  /** When the connection became needs_reauth (kept while it stays so). */
  healthSince: timestamp('health_since', { withTimezone: true }),
  /** Microsoft user id behind the connection (GetUser). */
  userId: bigint('user_id', { mode: 'number' }),
  firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
  /** Last time Nango listed the connection. */
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  lastDiscoveryAt: timestamp('last_discovery_at', { withTimezone: true }),
  /** Why the last discovery failed (null when it succeeded). */
  lastDiscoveryError: text('last_discovery_error'),
  /**
   * Set when an operator paused the connection (dashboard or CLI): the scheduler plans nothing for it
   * and says so, until it is resumed (null again). Runs already queued finish.
   */
  pausedAt: timestamp('paused_at', { withTimezone: true }),
  /** Who or why, as the operator gave it. */
  pausedReason: text('paused_reason'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const accountAccesses = ['ok', 'no_access'] as const;
export type AccountAccess = (typeof accountAccesses)[number];

/**
 * Ad accounts each connection can reach, as Customer Management's SearchAccounts returned them. The
 * same account may be reachable through two connections (two users): one row per connection.
 */
export const accounts = pgTable(
  'accounts',
  {
    connectionId: text('connection_id').notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    accountNumber: text('account_number'),
    accountName: text('account_name'),
    /** The CustomerId header of the account's report requests. */
    parentCustomerId: bigint('parent_customer_id', { mode: 'number' }).notNull(),
    currencyCode: text('currency_code'),
    /** Customer Management TimeZoneType of the account (not necessarily the report time zone). */
    timeZone: text('time_zone'),
    lifecycleStatus: text('lifecycle_status'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set when a later discovery of the connection no longer returned the account. */
    removedAt: timestamp('removed_at', { withTimezone: true }),
    /**
     * `no_access` once Microsoft refused this account to the connection's user (106, 2003) while the
     * credentials themselves work; cleared by the account's next successful run.
     */
    access: text('access', { enum: accountAccesses }).notNull().default('ok'),
    accessReason: text('access_reason'),
    accessSince: timestamp('access_since', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.accountId] }), index('accounts_account_idx').on(t.accountId)],
);

// The built-in report tables, one named export each (drizzle-kit only sees named exports).
export * from './reportSchema.js';
export * from './entitySchema.js';
