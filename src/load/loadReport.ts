import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ensureReportTable } from '../db/migrate.js';
import { reportTableSpec } from '../db/reportTableSpec.js';
import type { Aggregation, ReportDefinition } from '../reports/catalog.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import type { CsvHeader } from './csvHeader.js';
import { CsvToCopy } from './csvToCopy.js';
import { copyError, insertError, outsideWindowError, recordCountError, statedRowsError, type LoadWindow } from './loadErrors.js';
import {
  blankColumnValuesSql,
  copyStageSql,
  createStageSql,
  deleteWindowSql,
  insertFromStageSql,
  insertRepeatsFromStageSql,
  stageColumnNames,
  type LoadShape,
} from './loadSql.js';
import { mergeFromStage, type Written } from './mergeLoad.js';
import { tableHasLeftoversSql, windowHasRowsSql } from './mergeSql.js';
import { findZipDamage, openReportCsv } from './reportEntry.js';
import { ReportFileError } from '../errors.js';
import type { ReportMetadata } from './reportMetadata.js';

/**
 * Loads one report file into its typed table, replacing the account's window, in one transaction: the
 * CSV bytes are COPYed into a temp staging table, then cast into the table. A first load of a window
 * deletes nothing and inserts every row (one INSERT … SELECT); a re-load merges (mergeLoad.ts): rows
 * the file no longer has are deleted, new ones inserted, changed ones updated and identical ones left
 * untouched. Either way the window then holds exactly the file's rows, and any failure rolls
 * everything back, so the rows of the previous load stay as they were.
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

/** What a load found, for the run's ledger row. */
export interface LoadOutcome {
  rows: number;
  /**
   * What the load wrote: rows inserted, rows updated because a value changed, rows deleted because the
   * file no longer has them. An unchanged re-load writes nothing (all three 0).
   */
  written: { inserted: number; updated: number; deleted: number };
  /** The file's report header as parsed; null for an empty report (no file) or a file without one. */
  metadata: ReportMetadata | null;
  /** Rows that repeat every attribute of an earlier row of the file: loaded with row_ordinal > 1. */
  repeatedRows: number;
  /** Things a user should know that did not stop the load, in words. */
  warnings: string[];
}

/** Runs inside the load's transaction, before COMMIT: the caller's ledger write commits with the rows. */
export type LoadFinish = (client: pg.PoolClient, outcome: LoadOutcome) => Promise<void>;

export interface ZipLimits {
  maxUncompressedBytes: number;
}

export interface LoadOptions {
  /**
   * How a window that already has rows is re-loaded: 'merge' (the default) writes only what changed;
   * 'replace' deletes the window and inserts every row, the plain path (kept for the benchmark's comparison).
   */
  reload?: 'merge' | 'replace';
}

/** `csv === null` is an empty report: the window is replaced with nothing. */
export async function loadReportCsv(
  pool: pg.Pool,
  target: LoadTarget,
  csv: Readable | null,
  finish: LoadFinish,
  options: LoadOptions = {},
): Promise<LoadOutcome> {
  const spec = reportTableSpec(target.report, target.aggregation);
  const shape: LoadShape = spec;
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
    // A table migrate did not make (its report was not enabled then) is made by its first load.
    await ensureReportTable(client, spec);
    await client.query('BEGIN');
    const staged = csv === null ? null : await copyToStage(client, shape, csv);
    // Two loads of the same account and table would otherwise both delete, then collide on insert.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [shape.name, target.accountId]);
    const stamp: Stamp = [target.timeZone, target.runId, staged?.header.metadata?.timeZone?.stated ?? null];
    let inserted: Written;
    if (staged !== null && options.reload !== 'replace' && (await windowHasRows(client, shape, window)) && !(await hasLeftovers(client, shape))) {
      // A re-load: write only what changed (most of a nightly lookback has not).
      inserted = await mergeFromStage(client, shape, window, [...window, ...stamp], staged);
    } else {
      // A first load (or an empty report): nothing to compare with, so the plain path, which is faster.
      const deleted = (await client.query(deleteWindowSql(shape), [...window])).rowCount ?? 0;
      const fresh = staged === null ? { rows: 0, repeated: 0 } : await insertFromStage(client, shape, window, stamp, staged);
      inserted = { ...fresh, inserted: fresh.rows, updated: 0, deleted };
    }
    const outcome: LoadOutcome = {
      rows: inserted.rows,
      written: { inserted: inserted.inserted, updated: inserted.updated, deleted: inserted.deleted },
      metadata: staged?.header.metadata ?? null,
      repeatedRows: inserted.repeated,
      warnings: staged === null ? [] : [...staged.warnings, ...(await blankColumnWarnings(client, staged.header))],
    };
    await finish(client, outcome);
    await client.query('COMMIT');
    return outcome;
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
  options: LoadOptions = {},
): Promise<LoadOutcome> {
  const { stream } = await openReportCsv(zipPath, limits);
  try {
    return await loadReportCsv(pool, target, stream, finish, options);
  } catch (err) {
    // A damaged entry can make the CSV reader fail first (columns, quotes, values): name the cause.
    if (err instanceof ReportFileError && err.reason !== 'corrupt_zip' && err.reason !== 'zip_bomb') {
      const damage = await findZipDamage(zipPath, limits);
      if (damage) throw damage;
    }
    throw err;
  }
}

interface Staged {
  header: CsvHeader;
  rows: number;
  warnings: string[];
}

type Stamp = [timeZone: string, runId: number, fileTimeZone: string | null];

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
  const found = header as CsvHeader;
  return { header: found, rows, warnings: checkStatedRows(found.metadata, rows, toCopy.summaryRowDropped) };
}

/**
 * Microsoft's own count of the file's records against what we read: the one independent check that
 * nothing was lost in transit or cut off (a truncated file ends on a whole row as easily as not).
 * Refused on any difference, except one Total row before the footer, which Microsoft's definition of
 * Rows ("report record data") leaves unclear and we never load. Returns the warnings for the run.
 */
export function checkStatedRows(metadata: ReportMetadata | null, rows: number, summaryRowDropped: boolean): string[] {
  if (metadata === null) return ['the file has no report header: its row count, completeness and time zone are unknown'];
  const warnings = [...metadata.problems];
  if (metadata.rows === null) warnings.push('the report header states no Rows: the record count could not be checked');
  else if (metadata.rows !== rows && !(summaryRowDropped && metadata.rows === rows + 1)) throw statedRowsError(metadata.rows, rows);
  if (metadata.timeZone === null) warnings.push('the report header states no Time Zone: file_time_zone is NULL');
  else if (metadata.timeZone.iana === null) {
    warnings.push(`time zone "${metadata.timeZone.stated}" is not one we can map to an IANA zone: hours kept as delivered, no UTC instant`);
  }
  return warnings;
}

async function windowHasRows(client: pg.PoolClient, shape: LoadShape, window: LoadWindow): Promise<boolean> {
  return (await client.query<{ has_rows: boolean }>(windowHasRowsSql(shape), [...window])).rows[0]?.has_rows === true;
}

/** Columns the table keeps beyond the report's (see tableHasLeftoversSql): merged they would be matched wrongly. */
async function hasLeftovers(client: pg.PoolClient, shape: LoadShape): Promise<boolean> {
  const names = [...shape.columns, ...shape.retired].map((c) => c.sqlName);
  const { rows } = await client.query<{ leftovers: boolean }>(tableHasLeftoversSql(), [pg.escapeIdentifier(shape.name), names]);
  return rows[0]?.leftovers === true;
}

/** Values under a blank header name are not loaded; the run says so, with where they are. */
async function blankColumnWarnings(client: pg.PoolClient, header: CsvHeader): Promise<string[]> {
  const names = stageColumnNames(header.columns);
  const blank = names.filter((_, i) => header.columns[i] === '');
  if (blank.length === 0) return [];
  const { rows } = await client.query<{ column_name: string; filled: number; first_value: string | null }>(blankColumnValuesSql(blank));
  return rows
    .filter((r) => r.filled > 0)
    .map((r) => {
      const position = Number(r.column_name.replace('_blank_', ''));
      const sample = (r.first_value ?? '').slice(0, 80);
      return `column ${position} of the file has no header name; ${r.filled} rows have values there (first: "${sample}"), not loaded`;
    });
}

async function insertFromStage(
  client: pg.PoolClient,
  shape: LoadShape,
  window: LoadWindow,
  stamp: Stamp,
  staged: Staged,
): Promise<{ rows: number; repeated: number }> {
  // A failed cast aborts the statement; the savepoint keeps the staging rows for the diagnosis.
  await client.query('SAVEPOINT msads_insert');
  let inserted: { rows: number; repeated: number };
  try {
    inserted = { rows: (await client.query(insertFromStageSql(shape), [...window, ...stamp])).rowCount ?? 0, repeated: 0 };
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT msads_insert');
    if ((err as { code?: unknown }).code !== '23505') throw await insertError(client, shape, err, staged.header.firstDataLine);
    // Rows repeating every attribute: Microsoft sends them (REPORTING-FACTS §5.4); keep them all, numbered.
    try {
      const { rows } = await client.query<{ rows: number; repeated: number }>(insertRepeatsFromStageSql(shape), [...window, ...stamp]);
      inserted = rows[0] as { rows: number; repeated: number };
    } catch (again) {
      await client.query('ROLLBACK TO SAVEPOINT msads_insert');
      throw await insertError(client, shape, again, staged.header.firstDataLine);
    }
  }
  if (inserted.rows !== staged.rows) throw await outsideWindowError(client, shape, window);
  return inserted;
}
