import { and, eq, notInArray, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from './client.js';
import { entityRuns, entitySyncState } from './entitySchema.js';
import { LeaseLostError } from './reportRuns.js';

/**
 * The entity run ledger (entity_runs) and each account's incremental state (entity_sync_state).
 * Writes are fenced by the run's lease like report runs; the success and the new Sync Time are written
 * in the load's own transaction (markEntityLoaded), so the tables and the state never disagree.
 */

export type EntityRun = typeof entityRuns.$inferSelect;
export type EntitySyncState = typeof entitySyncState.$inferSelect;

const FINAL = ['succeeded', 'failed'];

export interface EntityRunTarget {
  connectionId: string;
  customerId: string;
  accountId: string;
  entities: readonly string[];
}

export async function createEntityRun(db: Db, t: EntityRunTarget, options: { jobId: string | null; lease: string; mode: 'full' | 'delta' }): Promise<EntityRun> {
  const [row] = await db
    .insert(entityRuns)
    .values({
      connectionId: t.connectionId,
      customerId: Number(t.customerId),
      accountId: Number(t.accountId),
      status: 'submitting',
      mode: options.mode,
      entities: [...t.entities],
      jobId: options.jobId,
      lease: options.lease,
    })
    .returning();
  return row as EntityRun;
}

export async function getEntityRun(db: Db, runId: number): Promise<EntityRun | undefined> {
  const [row] = await db.select().from(entityRuns).where(eq(entityRuns.id, runId));
  return row;
}

/** Takes the lease of an unfinished run (a job resumed by another worker). */
export async function claimEntityRun(db: Db, runId: number, lease: string): Promise<EntityRun | undefined> {
  const [row] = await db
    .update(entityRuns)
    .set({ lease, updatedAt: sql`now()` })
    .where(and(eq(entityRuns.id, runId), notInArray(entityRuns.status, FINAL)))
    .returning();
  return row ?? (await getEntityRun(db, runId));
}

export type EntityProgressFields = Partial<Pick<EntityRun, 'status' | 'mode' | 'downloadRequestId' | 'lastSyncTimeSent' | 'submittedAt' | 'polls' | 'throttles' | 'attempt' | 'trackingId' | 'errorClass' | 'errorCode' | 'errorMessage'>>;

export async function saveEntityProgress(db: Db, runId: number, lease: string, fields: EntityProgressFields): Promise<void> {
  const rows = await db
    .update(entityRuns)
    .set({ ...fields, updatedAt: sql`now()` })
    .where(and(eq(entityRuns.id, runId), eq(entityRuns.lease, lease), notInArray(entityRuns.status, FINAL)))
    .returning({ id: entityRuns.id });
  if (rows.length === 0) throw new LeaseLostError(runId);
}

export async function markEntityFailed(db: Db, runId: number, lease: string, failure: { errorClass: string; errorCode?: number | undefined; message: string; trackingId?: string | undefined }): Promise<void> {
  await saveEntityProgress(db, runId, lease, {
    status: 'failed',
    errorClass: failure.errorClass,
    errorCode: failure.errorCode ?? null,
    errorMessage: failure.message.slice(0, 2_000),
    ...(failure.trackingId ? { trackingId: failure.trackingId } : {}),
  });
  await db.update(entityRuns).set({ finishedAt: sql`now()` }).where(eq(entityRuns.id, runId));
}

export interface EntityLoadedFields {
  accountId: string;
  mode: 'full' | 'delta';
  entities: readonly string[];
  syncTime: Date;
  bytes: number;
  rows: unknown;
  unknownTypes: Record<string, number>;
  warnings: string[];
}

/** The run succeeded and the account's next delta starts at the file's Sync Time: in the load's transaction. */
export async function markEntityLoaded(client: pg.ClientBase, runId: number, lease: string, f: EntityLoadedFields): Promise<void> {
  const updated = await client.query(
    `UPDATE entity_runs SET status = 'succeeded', sync_time = $3, bytes = $4, rows = $5, unknown_types = $6, warnings = $7,
            finished_at = now(), updated_at = now()
      WHERE id = $1 AND lease = $2 AND status NOT IN ('succeeded', 'failed')`,
    [runId, lease, f.syncTime, f.bytes, JSON.stringify(f.rows), JSON.stringify(f.unknownTypes), f.warnings],
  );
  if (updated.rowCount === 0) throw new LeaseLostError(runId);
  await client.query(
    `INSERT INTO entity_sync_state (account_id, last_sync_time, last_full_sync_time, entities, last_run_id, updated_at)
     VALUES ($1, $2, CASE WHEN $3 = 'full' THEN $2::timestamptz END, $4, $5, now())
     ON CONFLICT (account_id) DO UPDATE SET
       last_sync_time = EXCLUDED.last_sync_time,
       last_full_sync_time = CASE WHEN $3 = 'full' THEN EXCLUDED.last_sync_time ELSE entity_sync_state.last_full_sync_time END,
       entities = CASE WHEN $3 = 'full' THEN EXCLUDED.entities ELSE entity_sync_state.entities END,
       last_run_id = EXCLUDED.last_run_id, updated_at = now()`,
    [f.accountId, f.syncTime, f.mode, [...f.entities], runId],
  );
}

export async function getSyncState(db: Db, accountId: string): Promise<EntitySyncState | undefined> {
  const [row] = await db.select().from(entitySyncState).where(eq(entitySyncState.accountId, Number(accountId)));
  return row;
}
