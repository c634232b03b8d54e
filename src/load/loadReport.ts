import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { reportTableSpec } from '../db/reportTableSpec.js';
import type { Aggregation, ReportDefinition } from '../reports/catalog.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import type { CsvHeader } from './csvHeader.js';
import { CsvToCopy } from './csvToCopy.js';
import { copyError, insertError, outsideWindowError, recordCountError, type LoadWindow } from './loadErrors.js';
import { copyStageSql, createStageSql, deleteWindowSql, insertFromStageSql, type LoadShape } from './loadSql.js';
import { openReportCsv } from './reportEntry.js';

/**
 * Loads one report file into its typed table, replacing the account's window: in one transaction the
 * CSV bytes are COPYed into a temp staging table, the window's rows are deleted, and one
 * INSERT … SELECT casts the staged text into the table. Any failure rolls everything back, so the rows
 * of the previous load stay as they were.
 */

export interface LoadTarget {
  report: ReportDefinition;
  aggregation: Aggregation;
  accountId: string;
  /** The run's inclusive window, YYYY-MM-DD; which rows it replaces depends on the aggregation (loadSql.ts). */
  from: string;
  to: string;
  timeZone: ReportTimeZone;
  runId: number;
}

/** Runs inside the load's transaction, before COMMIT: the caller's ledger write commits with the rows. */
export type LoadFinish = (client: pg.PoolClient, outcome: { rows: number }) => Promise<void>;

export interface ZipLimits {
  maxUncompressedBytes: number;
}

/** `csv === null` is an empty report: the window is replaced with nothing. */
export async function loadReportCsv(
  pool: pg.Pool,
  target: LoadTarget,
  csv: Readable | null,
  finish: LoadFinish,
): Promise<{ rows: number }> {
  const shape: LoadShape = reportTableSpec(target.report, target.aggregation);
  const window: LoadWindow = [target.accountId, target.from, target.to];
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    csv?.destroy();
    throw err;
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const staged = csv === null ? null : await copyToStage(client, shape, csv);
    // Two loads of the same account and table would otherwise both delete, then collide on insert.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [shape.name, target.accountId]);
    await client.query(deleteWindowSql(shape), [...window]);
    const rows = staged === null ? 0 : await insertFromStage(client, shape, window, [target.timeZone, target.runId], staged);
    await finish(client, { rows });
    await client.query('COMMIT');
    return { rows };
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    csv?.destroy();
    client.release(broken);
  }
}

/** Opens the zip's single CSV and loads it (see loadReportCsv). */
export async function loadReportZip(
  pool: pg.Pool,
  target: LoadTarget,
  zipPath: string,
  limits: ZipLimits,
  finish: LoadFinish,
): Promise<{ rows: number }> {
  const { stream } = await openReportCsv(zipPath, limits);
  return loadReportCsv(pool, target, stream, finish);
}

interface Staged {
  header: CsvHeader;
  rows: number;
}

async function copyToStage(client: pg.PoolClient, shape: LoadShape, csv: Readable): Promise<Staged> {
  const toCopy = new CsvToCopy(shape.csvColumns.map((c) => c.name));
  let header: CsvHeader | undefined;
  let rows = 0;
  try {
    await pipeline(csv, toCopy, async (data: AsyncIterable<Buffer>) => {
      // The staging columns follow the file's header, known only once the transform has read it.
      header = await toCopy.header;
      await client.query(createStageSql(header.columns));
      const copy = client.query(copyFrom(copyStageSql()));
      await pipeline(data, copy);
      rows = copy.rowCount;
    });
  } catch (err) {
    throw copyError(err, header?.firstDataLine);
  }
  // Counted by us, not by COPY: COPY can end early and still report success (its `\.` end marker).
  if (rows !== toCopy.records) throw recordCountError(toCopy.records, rows);
  return { header: header as CsvHeader, rows };
}

async function insertFromStage(
  client: pg.PoolClient,
  shape: LoadShape,
  window: LoadWindow,
  stamp: [timeZone: string, runId: number],
  staged: Staged,
): Promise<number> {
  // A failed cast aborts the statement; the savepoint keeps the staging rows for the diagnosis.
  await client.query('SAVEPOINT msads_insert');
  let inserted: number;
  try {
    inserted = (await client.query(insertFromStageSql(shape), [...window, ...stamp])).rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT msads_insert');
    throw await insertError(client, shape, err, staged.header.firstDataLine);
  }
  if (inserted !== staged.rows) throw await outsideWindowError(client, shape, window);
  return inserted;
}
