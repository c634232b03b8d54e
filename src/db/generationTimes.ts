import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/**
 * How long Microsoft takes to generate a report, learned from the ledger (ready_at − submitted_at of
 * earlier runs): the median of this account's last OWN_SAMPLES runs of the report × aggregation when
 * it has MIN_OWN of them, else the median of the report kind's last KIND_SAMPLES runs of any account
 * in the last KIND_DAYS days (a new account, or the first reports of the night), else unknown.
 * Read once per submit, never per poll; both lookups are index scans (report_runs_account_target_idx,
 * report_runs_ready_idx).
 */

const OWN_SAMPLES = 5;
const MIN_OWN = 2;
const KIND_SAMPLES = 25;
const KIND_DAYS = 3;

export interface GenerationKey {
  accountId: string;
  report: string;
  aggregation: string;
}

export async function expectedGenerationMs(db: Db, key: GenerationKey): Promise<number | undefined> {
  const result = await db.execute<{ own_ms: number | null; own_n: number; kind_ms: number | null }>(sql`
    WITH own AS (
      SELECT extract(epoch FROM ready_at - submitted_at) * 1000 AS ms FROM report_runs
       WHERE account_id = ${key.accountId} AND report = ${key.report} AND aggregation = ${key.aggregation}
         AND ready_at IS NOT NULL AND submitted_at IS NOT NULL AND ready_at >= submitted_at
       ORDER BY ready_at DESC LIMIT ${OWN_SAMPLES}),
    kind AS (
      SELECT extract(epoch FROM ready_at - submitted_at) * 1000 AS ms FROM report_runs
       WHERE report = ${key.report} AND aggregation = ${key.aggregation}
         AND ready_at IS NOT NULL AND ready_at > now() - make_interval(days => ${KIND_DAYS})
         AND submitted_at IS NOT NULL AND ready_at >= submitted_at
       ORDER BY ready_at DESC LIMIT ${KIND_SAMPLES})
    SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM own) AS own_ms,
           (SELECT count(*) FROM own)::int AS own_n,
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM kind) AS kind_ms`);
  const row = result.rows[0];
  if (!row) return undefined;
  const ms = Number(row.own_n) >= MIN_OWN ? row.own_ms : row.kind_ms;
  return ms === null || !Number.isFinite(Number(ms)) ? undefined : Math.round(Number(ms));
}
