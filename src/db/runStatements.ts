import { and, desc, eq, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { finalRunStatuses, reportRunAttempts, reportRuns } from './schema.js';

/**
 * The run ledger's hottest statements, built once per database handle and prepared (named statements,
 * parsed once per connection). Every job activation reads or writes its run three or four times; at
 * an agency's night that is tens of thousands of statements, and building each one through drizzle's
 * query builder cost ~0.3 ms of CPU (measured: 290–336 µs for these shapes, report_runs has 41
 * columns), a sixth of a worker's CPU. Values whose absence means "leave the column alone" are
 * passed as NULL and kept with coalesce, so one statement serves every call.
 */

const p = sql.placeholder;
/** Not succeeded, empty or failed: a final run is never written again. */
export const notFinal = notInArray(reportRuns.status, [...finalRunStatuses]);

function prepareRunStatements(db: Db) {
  return {
    getRun: db.select().from(reportRuns).where(eq(reportRuns.id, p('runId'))).prepare('msads_run_get'),
    openRunOfJob: db
      .select()
      .from(reportRuns)
      .where(and(eq(reportRuns.jobId, p('jobId')), isNotNull(reportRuns.jobId), notFinal))
      .orderBy(desc(reportRuns.id))
      .limit(1)
      .prepare('msads_run_open_of_job'),
    /** jobId NULL keeps the run's job id. */
    claimRun: db
      .update(reportRuns)
      .set({ lease: sql`${p('lease')}::text`, jobId: sql`coalesce(${p('jobId')}::text, ${reportRuns.jobId})`, updatedAt: sql`now()` })
      .where(and(eq(reportRuns.id, p('runId')), notFinal))
      .returning()
      .prepare('msads_run_claim'),
    createRun: db
      .insert(reportRuns)
      .values({
        connectionId: p('connectionId'),
        customerId: p('customerId'),
        accountId: p('accountId'),
        report: p('report'),
        aggregation: p('aggregation'),
        windowStart: p('windowStart'),
        windowEnd: p('windowEnd'),
        status: 'submitting',
        api: p('api'),
        jobId: p('jobId'),
        lease: p('lease'),
        retryOf: p('retryOf'),
      })
      .returning()
      .prepare('msads_run_create'),
    openAttempt: db
      .insert(reportRunAttempts)
      .values({ runId: p('runId'), attempt: p('attempt'), jobId: p('jobId') })
      .onConflictDoNothing()
      .prepare('msads_run_attempt_open'),
    /**
     * trackingId and readyAt NULL keep the column; expectedReadyMs is written only when setExpected
     * (NULL is a value there: no learned time).
     */
    saveProgress: db
      .update(reportRuns)
      .set({
        status: sql`${p('status')}::text`,
        api: sql`${p('api')}::text`,
        reportRequestId: sql`${p('reportRequestId')}::text`,
        submittedAt: sql`${p('submittedAt')}::timestamptz`,
        submits: sql`${p('submits')}::integer`,
        polls: sql`${p('polls')}::integer`,
        statusErrors: sql`${p('statusErrors')}::integer`,
        throttles: sql`${p('throttles')}::integer`,
        urlRefreshes: sql`${p('urlRefreshes')}::integer`,
        attempt: sql`${p('attempt')}::integer`,
        trackingId: sql`coalesce(${p('trackingId')}::text, ${reportRuns.trackingId})`,
        expectedReadyMs: sql`CASE WHEN ${p('setExpected')}::boolean THEN ${p('expectedReadyMs')}::integer ELSE ${reportRuns.expectedReadyMs} END`,
        readyAt: sql`coalesce(${p('readyAt')}::timestamptz, ${reportRuns.readyAt})`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(reportRuns.id, p('runId')), eq(reportRuns.lease, p('lease')), notFinal))
      .returning({ id: reportRuns.id })
      .prepare('msads_run_save_progress'),
  };
}

export type RunStatements = ReturnType<typeof prepareRunStatements>;

const byDb = new WeakMap<Db, RunStatements>();

/** The statements of `db` (a transaction gets its own; a pool's are made once). */
export function runStatements(db: Db): RunStatements {
  let statements = byDb.get(db);
  if (statements === undefined) {
    statements = prepareRunStatements(db);
    byDb.set(db, statements);
  }
  return statements;
}
