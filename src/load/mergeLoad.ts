import type pg from 'pg';
import type { CsvHeader } from './csvHeader.js';
import { insertError, outsideWindowError, type LoadWindow } from './loadErrors.js';
import type { LoadShape } from './loadSql.js';
import { createTypedSql, deleteGoneSql, fillTypedSql, numberTypedRepeatsSql, typedOutsideSql, upsertTypedSql, windowCountSql } from './mergeSql.js';

/**
 * A re-load of a window that already has rows, writing only what changed (see mergeSql.ts): same
 * transaction, same advisory lock, same guarantees as delete + insert (the window ends up holding
 * exactly the file's rows, no duplicate, no stale row), but an unchanged row is never rewritten, so a
 * nightly re-pull of 30 mostly settled days leaves the table, its indexes and the WAL nearly alone.
 */

export interface Written {
  /** Rows of the file (all in the window afterwards). */
  rows: number;
  /** Of those, rows repeating every attribute of an earlier one (row_ordinal > 1). */
  repeated: number;
  inserted: number;
  updated: number;
  deleted: number;
}

type Params = readonly unknown[];

export async function mergeFromStage(
  client: pg.PoolClient,
  shape: LoadShape,
  window: LoadWindow,
  params: Params,
  staged: { header: CsvHeader; rows: number },
): Promise<Written> {
  const diagnose = async (err: unknown, savepoint: string) => {
    await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    return insertError(client, shape, err, staged.header.firstDataLine);
  };
  await client.query('SAVEPOINT msads_typed_fill');
  try {
    await client.query(createTypedSql(shape));
    await client.query(fillTypedSql(shape), [...params]);
  } catch (err) {
    throw await diagnose(err, 'msads_typed_fill');
  }
  const outside = (await client.query<{ outside: number }>(typedOutsideSql(shape), [...window])).rows[0]?.outside ?? 0;
  if (outside > 0) throw await outsideWindowError(client, shape, window);

  const merge = async () => {
    const deleted = (await client.query(deleteGoneSql(shape), [...window])).rowCount ?? 0;
    const written = (await client.query<{ inserted: number; updated: number }>(upsertTypedSql(shape))).rows[0] as { inserted: number; updated: number };
    return { deleted, ...written };
  };
  // Rows repeating a key are not numbered up front (that sorts the whole file); a repeat shows as
  // 21000 when it meets a row this statement wrote, or as a window holding fewer rows than the file
  // when it meets an untouched one (the guard skips it silently). Then: undo, number, merge again.
  await client.query('SAVEPOINT msads_merge');
  let repeated = 0;
  let outcome: { deleted: number; inserted: number; updated: number } | undefined;
  try {
    outcome = await merge();
    if ((await windowRowCount(client, shape, window)) !== staged.rows) outcome = undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code !== '21000') throw await diagnose(err, 'msads_merge');
  }
  if (outcome === undefined) {
    await client.query('ROLLBACK TO SAVEPOINT msads_merge');
    repeated = (await client.query(numberTypedRepeatsSql(shape))).rowCount ?? 0;
    try {
      outcome = await merge();
    } catch (err) {
      throw await diagnose(err, 'msads_merge');
    }
    const held = await windowRowCount(client, shape, window);
    if (held !== staged.rows) throw new Error(`merge left ${held} rows in the window for a file of ${staged.rows}; refusing to commit`);
  }
  return { rows: staged.rows, repeated, ...outcome };
}

async function windowRowCount(client: pg.PoolClient, shape: LoadShape, window: LoadWindow): Promise<number> {
  return (await client.query<{ n: number }>(windowCountSql(shape), [...window])).rows[0]?.n ?? -1;
}
