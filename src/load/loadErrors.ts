import type pg from 'pg';
import { ReportFileError } from '../errors.js';
import type { ReportColumn } from '../reports/catalog.js';
import {
  castInputsSql,
  duplicateRowSql,
  findFirstRowSql,
  stageRef,
  stageSummarySql,
  type InsertSummary,
  type LoadShape,
} from './loadSql.js';

/**
 * Turns Postgres errors of the COPY and of the casting INSERT into ReportFileErrors that say where in
 * the file the problem is. The INSERT's diagnosis runs a query only after a failure, so the happy path
 * pays nothing for it.
 */

interface PgError {
  code: string;
  message: string;
  where?: string;
  column?: string;
  detail?: string;
}

function isPgError(err: unknown): err is PgError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && 'severity' in err;
}

const clip = (text: string, max = 120) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** COPY's own line counter counts records from the first data row (a quoted newline does not count). */
export function copyError(err: unknown, firstDataLine: number | undefined): unknown {
  if (!isPgError(err)) return err;
  const copyLine = /line (\d+)/.exec(err.where ?? '')?.[1];
  const line = copyLine !== undefined && firstDataLine !== undefined ? `line ${firstDataLine + Number(copyLine) - 1}` : 'a row';
  if (err.code === '22P04' && /extra data after last expected column|missing data for column/.test(err.message)) {
    return new ReportFileError('ragged_rows', `${line} has a different number of fields than the header: ${err.message}`, err);
  }
  if (err.code === '22P04' || err.code === '22021' || err.code === '22P05') {
    return new ReportFileError('bad_csv', `the report CSV is malformed at ${line}: ${err.message}`, err);
  }
  return err;
}

/** COPY read another number of rows than the file has records: loading it would lose (or invent) rows. */
export function recordCountError(records: number, rows: number): ReportFileError {
  return new ReportFileError(
    'record_count_mismatch',
    `the report CSV holds ${records} records but Postgres' COPY read ${rows} rows; refusing the file rather than loading part of it`,
  );
}

/** The file holds another number of records than its own header states: cut off, or damaged on the way. */
export function statedRowsError(stated: number, rows: number): ReportFileError {
  return new ReportFileError(
    'rows_stated_mismatch',
    `the report header states Rows: ${stated} but the file holds ${rows} data rows; refusing the file (the rows loaded before stay as they were)`,
  );
}

/** The window the load replaces: account id, first day, last day. */
export type LoadWindow = readonly [accountId: string, from: string, to: string];

/** Called when the insert left staged rows out: they lie outside the account or window. */
export async function outsideWindowError(client: pg.PoolClient, shape: LoadShape, window: LoadWindow): Promise<ReportFileError> {
  const summary = (await client.query<InsertSummary>(stageSummarySql(shape), [...window])).rows[0] as InsertSummary;
  const [account, from, to] = window;
  return new ReportFileError(
    'outside_window',
    `${summary.outside} of ${summary.rows} rows lie outside account ${account} and window ${from}..${to}` +
      ` (file has accounts ${summary.min_account}..${summary.max_account}, periods ${summary.first_period}..${summary.last_period})`,
  );
}

/** Called after ROLLBACK TO SAVEPOINT, while the staging table still holds the file's rows. */
export async function insertError(
  client: pg.PoolClient,
  shape: LoadShape,
  err: unknown,
  firstDataLine: number,
): Promise<unknown> {
  if (!isPgError(err)) return err;
  const columns = shape.csvColumns;
  if (err.code === '23505') {
    // The key index shows only a hash: name the attribute values the rows share instead.
    const found = (await client.query<{ attributes: string; rows: number }>(duplicateRowSql(shape))).rows[0];
    const what = found ? `${found.rows} rows have ${clip(found.attributes, 300)}` : clip(err.detail ?? err.message, 300);
    return new ReportFileError('duplicate_rows', `the file holds rows with the same attributes: ${what}`, err);
  }
  if (err.code === '23502') {
    const column = columns.find((c) => c.sqlName === err.column);
    if (!column) return err;
    const found = await findFirstRow(client, [[column.name, `${source(column)} IS NULL OR ${source(column)} IN ('', '--')`]], []);
    const at = found ? ` on line ${lineOf(found, firstDataLine)}` : '';
    return new ReportFileError('bad_value', `column ${column.name} is empty${at}; it must have a value`, err);
  }
  if (!err.code.startsWith('22')) return err;
  // Cast errors quote the offending text: invalid input syntax for type bigint: "abc".
  const value = /"([\s\S]*)"/.exec(err.message)?.[1];
  if (value === undefined) return new ReportFileError('bad_value', `a value does not fit its column: ${err.message}`, err);
  const checks = columns
    .filter((c) => c.type !== 'text')
    .map((c) => [c.name, castInputsSql(c, shape.aggregation, source(c)).map((input) => `${input} = $1`).join(' OR ')] as const);
  const found = await findFirstRow(client, checks, [value]);
  if (!found) return new ReportFileError('bad_value', `a value does not fit its column: ${err.message}`, err);
  const type = columns.find((c) => c.name === found.column_name)?.type ?? 'value';
  return new ReportFileError(
    'bad_value',
    `line ${lineOf(found, firstDataLine)}, column ${found.column_name}: "${clip(found.value ?? '')}" is not a valid ${type}`,
    err,
  );
}

interface FoundRow {
  record: number | string;
  embedded_newlines: number | string;
  column_name: string;
  value: string | null;
}

const source = (column: ReportColumn) => stageRef(column.name);

async function findFirstRow(
  client: pg.PoolClient,
  checks: readonly (readonly [string, string])[],
  params: string[],
): Promise<FoundRow | undefined> {
  const result = await client.query<FoundRow>(findFirstRowSql(checks), params);
  return result.rows[0];
}

function lineOf(found: FoundRow, firstDataLine: number): number {
  return firstDataLine + Number(found.record) - 1 + Number(found.embedded_newlines);
}
