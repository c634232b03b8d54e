import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, check } from 'drizzle-orm/pg-core';

/**
 * The entity runs' ledger and the incremental state per account. The entity tables themselves are made
 * from the catalog at migrate (src/entities/entityTables.ts).
 */

/** One row per entity run: one Bulk download of one account, full or delta, loaded once. */
export const entityRuns = pgTable(
  'entity_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: text('connection_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    /** submitting, waiting, pending, loading, retrying, succeeded, failed (as report runs). */
    status: text('status').notNull(),
    /** full or delta. */
    mode: text('mode').notNull(),
    /** The entities asked for (ENTITIES). */
    entities: text('entities').array().notNull(),
    jobId: text('job_id'),
    lease: text('lease'),
    downloadRequestId: text('download_request_id'),
    /** The LastSyncTimeInUTC sent (null: full). */
    lastSyncTimeSent: timestamp('last_sync_time_sent', { withTimezone: true }),
    /** The Sync Time of the loaded file (its Account record). */
    syncTime: timestamp('sync_time', { withTimezone: true }),
    attempt: integer('attempt').notNull().default(1),
    polls: integer('polls').notNull().default(0),
    throttles: integer('throttles').notNull().default(0),
    bytes: bigint('bytes', { mode: 'number' }),
    /** Records of the file loaded per entity table, and what changed: { table: { inFile, changed, deleted } }. */
    rows: jsonb('rows'),
    /** Record types of the file no table takes, with their counts. */
    unknownTypes: jsonb('unknown_types'),
    warnings: text('warnings').array(),
    trackingId: text('tracking_id'),
    errorClass: text('error_class'),
    errorCode: integer('error_code'),
    errorMessage: text('error_message'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('entity_runs_account_idx').on(t.accountId, t.createdAt),
    index('entity_runs_status_idx').on(t.status, t.updatedAt),
    check('entity_runs_mode_check', sql`${t.mode} IN ('full', 'delta')`),
  ],
);

/** Per account: the Sync Time of the last file loaded (sent as LastSyncTimeInUTC next time) and when the last full one was. */
export const entitySyncState = pgTable('entity_sync_state', {
  accountId: bigint('account_id', { mode: 'number' }).primaryKey(),
  lastSyncTime: timestamp('last_sync_time', { withTimezone: true }).notNull(),
  lastFullSyncTime: timestamp('last_full_sync_time', { withTimezone: true }),
  /** The entities the last file held (a delta over other entities needs a full download first). */
  entities: text('entities').array().notNull(),
  lastRunId: bigint('last_run_id', { mode: 'number' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
