import { z } from 'zod';
import { aggregations } from '../reports/aggregations.js';

/**
 * What a report job carries: ids only (never a token), then the progress the job writes back as it
 * moves through its steps. Parsed with zod before any side effect: a job that does not parse fails
 * for good with the reason.
 */

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

export const reportTargetSchema = z
  .object({
    connectionId: z.string().min(1).max(255),
    customerId: z.string().regex(/^\d{1,19}$/, 'a numeric Microsoft CustomerId'),
    accountId: z.string().regex(/^\d{1,19}$/, 'a numeric Microsoft account id (not the account number)'),
    // Any report name: it is resolved against the process's registry (built-ins plus configured custom
    // reports) when the run is processed, so a job names a report of the configuration it runs under.
    report: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a report name such as campaign_performance'),
    aggregation: z.enum(aggregations),
    from: isoDate,
    to: isoDate,
  })
  .refine((t) => t.from <= t.to, { message: 'from must not be after to', path: ['from'] });

export type ReportTarget = z.infer<typeof reportTargetSchema>;

export const reportStepSchema = z.enum(['submit', 'poll']);
export type ReportStep = z.infer<typeof reportStepSchema>;

/** A final failure as the job keeps it (the reconciler writes it to the ledger if Postgres was away). */
export const jobFailureSchema = z.object({
  errorClass: z.string(),
  errorCode: z.number().int().optional(),
  errorName: z.string().optional(),
  message: z.string(),
  trackingId: z.string().optional(),
});
export type JobFailure = z.infer<typeof jobFailureSchema>;

/**
 * Progress as the job shows it. The ledger row is the truth and is what a resumed run reads; this copy
 * is for Bull Board and operators (and tells the reconciler which run the job belongs to).
 */
export const reportProgressSchema = z.object({
  runId: z.number().int().positive().optional(),
  step: reportStepSchema.default('submit'),
  reportRequestId: z.string().optional(),
  /** Epoch ms when the current ReportRequestId was submitted. */
  submittedAt: z.number().optional(),
  polls: z.number().int().nonnegative().default(0),
  submits: z.number().int().nonnegative().default(0),
  /** Reports that ended with Status=Error and were submitted again. */
  statusErrors: z.number().int().nonnegative().default(0),
  /** Throttle waits taken; they cost no attempt but are capped. */
  throttles: z.number().int().nonnegative().default(0),
  /** Epoch ms the run started, for its duration. */
  startedAt: z.number().optional(),
  failure: jobFailureSchema.optional(),
});

export type ReportProgress = z.infer<typeof reportProgressSchema>;

export const reportJobDataSchema = z.intersection(reportTargetSchema, reportProgressSchema);
export type ReportJobData = ReportTarget & ReportProgress;

export function parseReportJobData(data: unknown): ReportJobData {
  return reportJobDataSchema.parse(data) as ReportJobData;
}

/**
 * Deterministic job id for a unit of work, so the same window is never queued twice while waiting or
 * running. BullMQ refuses ids with ':' (unless split in three) and integer-looking ids, so parts are
 * joined with '|' and any ':' in a connection id is percent-encoded.
 */
export function reportJobId(t: ReportTarget): string {
  const conn = t.connectionId.replaceAll('%', '%25').replaceAll(':', '%3A').replaceAll('|', '%7C');
  return `report|${conn}|${t.accountId}|${t.report}|${t.aggregation.toLowerCase()}|${t.from}|${t.to}`;
}
