import type pg from 'pg';
import type { CsvHeader } from './csvHeader.js';
import { insertError, outsideWindowError, type LoadWindow } from './loadErrors.js';
import type { LoadShape } from './loadSql.js';
import {
  MATCHED_TABLE,
  analyzeTypedSql,
  createMatchedSql,
  createTypedSql,
  deleteUnmatchedSql,
  fillTypedSql,
  insertUnmatchedSql,
  numberTypedRepeatsSql,
  rekeyRepeatsSql,
  typedHasRepeatsSql,
  typedOutsideSql,
  updateChangedSql,
  windowCountSql,
} from './mergeSql.js';

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
  // Statistics for what the planner joins and groups on (the key), not for all thirty-odd columns:
  // measured 0.74–1.08 s for every column of a 1 M-row file.
  await client.query(analyzeTypedSql(shape));
  let repeated = 0;
  if ((await client.query<{ repeats: boolean }>(typedHasRepeatsSql(shape))).rows[0]?.repeats) {
    // Rows repeating every attribute: numbered in file order, as a first load numbers them.
    repeated = (await client.query(numberTypedRepeatsSql(shape))).rowCount ?? 0;
    await client.query(rekeyRepeatsSql(shape));
  }
  await client.query('SAVEPOINT msads_merge');
  try {
    // The window's rows before the merge: with the matched pairs, this says whether any table row is
    // left unmatched (to delete) without the anti-join over the whole window that would find none.
    const before = (await client.query<{ n: number }>(windowCountSql(shape), [...window])).rows[0]?.n ?? -1;
    // Probe the unique index per file row (see createMatchedSql); the settings end with this statement.
    await client.query(`SET LOCAL enable_hashjoin = off`);
    await client.query(`SET LOCAL enable_mergejoin = off`);
    // Each file row matches at most one table row (unique index) and each table row at most one file
    // row (the file's keys are unique once repeats are numbered): pairs = rows matched on both sides.
    const matched = (await client.query(createMatchedSql(shape))).rowCount ?? -1;
    await client.query(`SET LOCAL enable_hashjoin = on`);
    await client.query(`SET LOCAL enable_mergejoin = on`);
    // Temp tables have no statistics until analysed; without them the anti-joins below were planned
    // as nested loops (minutes for 120 k rows instead of milliseconds).
    await client.query(`ANALYZE ${MATCHED_TABLE}`);
    let deleted = 0;
    if (before > matched) {
      // The report table's statistics may predate its last load (autovacuum has not analysed it yet): the
      // planner then expects one row in the window and loops over the matched pairs for each. A hash
      // anti-join is right at every size here.
      await client.query(`SET LOCAL enable_nestloop = off`);
      deleted = (await client.query(deleteUnmatchedSql(shape), [...window])).rowCount ?? 0;
      await client.query(`SET LOCAL enable_nestloop = on`);
    }
    const updated = (await client.query(updateChangedSql(shape))).rowCount ?? 0;
    // Inserted after the delete, which would otherwise take the new rows (in no pair) for stale ones.
    const inserted = matched < staged.rows ? ((await client.query(insertUnmatchedSql(shape))).rowCount ?? 0) : 0;
    // A check, not a guess: every count here is one Postgres returned, under the load's lock.
    const held = before - deleted + inserted;
    if (deleted !== before - matched || inserted !== staged.rows - matched || held !== staged.rows) {
      throw new Error(
        `the merge left ${held} rows in the window for a file of ${staged.rows} (${before} before, ${matched} matched, ` +
          `${deleted} deleted, ${inserted} inserted); refusing to commit it`,
      );
    }
    return { rows: staged.rows, repeated, deleted, updated, inserted };
  } catch (err) {
    throw await diagnose(err, 'msads_merge');
  }
}
