import type pg from 'pg';
import { reportJobId, type ReportTarget } from '../../src/jobs/reportJobData.js';

/** Seeds a report_runs row as a worker would have left it, with its ages given in minutes. */
export interface RunSeed {
  status?: string;
  /** Default: the target's deterministic job id; null for a run-once run. */
  jobId?: string | null;
  reportRequestId?: string | null;
  submittedMinutesAgo?: number | null;
  /** Minutes since the row's last update. */
  idleMinutes?: number;
  submits?: number;
  polls?: number;
}

export async function insertRun(pool: pg.Pool, t: ReportTarget, seed: RunSeed = {}): Promise<number> {
  const result = await pool.query<{ id: number }>(
    `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, job_id,
                              report_request_id, submits, polls, submitted_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'rest', $9, $10, $11, $12,
             CASE WHEN $13::int IS NULL THEN NULL ELSE now() - make_interval(mins => $13::int) END,
             now() - make_interval(mins => $14::int + 1), now() - make_interval(mins => $14::int))
     RETURNING id`,
    [
      t.connectionId,
      t.customerId,
      t.accountId,
      t.report,
      t.aggregation,
      t.from,
      t.to,
      seed.status ?? 'pending',
      seed.jobId === undefined ? reportJobId(t) : seed.jobId,
      seed.reportRequestId === undefined ? 'rr-1' : seed.reportRequestId,
      seed.submits ?? 1,
      seed.polls ?? 3,
      seed.submittedMinutesAgo === undefined ? 30 : seed.submittedMinutesAgo,
      seed.idleMinutes ?? 10,
    ],
  );
  return Number(result.rows[0]!.id);
}
