import { sql } from 'drizzle-orm';
import { bigint, bigserial, date, index, integer, pgTable, text, timestamp, check } from 'drizzle-orm/pg-core';
import { buildReportTable } from './reportTables.js';
import { reports } from '../reports/catalog.js';

/** Lifecycle of a report run, in order. `retrying` is an attempt that failed and will be tried again. */
export const runStatuses = ['submitting', 'pending', 'loading', 'retrying', 'succeeded', 'empty', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

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
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('report_runs_target_idx').on(t.connectionId, t.accountId, t.report, t.aggregation, t.windowStart),
    index('report_runs_status_idx').on(t.status, t.updatedAt),
    check('report_runs_window_check', sql`${t.windowStart} <= ${t.windowEnd}`),
  ],
);

// Report tables are exported one by one because drizzle-kit only sees named exports.
export const campaignPerformanceDaily = buildReportTable(reports.campaign_performance, 'Daily');
export const keywordPerformanceDaily = buildReportTable(reports.keyword_performance, 'Daily');
