import pg from 'pg';
import { isOrdinalPeriod, windowKind, type Aggregation } from '../reports/aggregations.js';
import { reportColumns, retiredColumns, tableName, type ReportColumn, type ReportDefinition } from '../reports/catalog.js';
import { columnDescription, tableDescription } from '../reports/describe.js';

/**
 * The Postgres shape of one report table (report × aggregation), from the catalog entry alone. The
 * drizzle schema (built-in reports, via drizzle-kit migrations), the runtime DDL of custom reports, the
 * load SQL, the COMMENTs and docs/SCHEMA.md all read this one description.
 */

/** `timestamp` (without time zone): an hourly row's date and hour as the file delivers them. */
export type SqlType = 'bigint' | 'smallint' | 'numeric' | 'text' | 'date' | 'timestamp' | 'timestamptz';

/** Where a column's value comes from: the report file, or the run that loaded the row. */
export type ColumnSource =
  | { kind: 'csv'; column: ReportColumn }
  | { kind: 'run'; value: 'accountId' | 'windowStart' | 'windowEnd' | 'timeZone' | 'runId' | 'fileTimeZone' }
  /** 1, or n for the n-th row of a file that repeats every attribute of earlier ones (loadReport.ts). */
  | { kind: 'ordinal' }
  | { kind: 'loadedAt' };

export interface TableColumn {
  sqlName: string;
  sqlType: SqlType;
  notNull: boolean;
  role: 'attribute' | 'metric' | 'load';
  source: ColumnSource;
  description: string;
}

export interface ReportTableSpec {
  name: string;
  report: ReportDefinition;
  aggregation: Aggregation;
  /** Every column, in table order. */
  columns: TableColumn[];
  /** The requested columns, as they appear in the CSV. */
  csvColumns: ReportColumn[];
  /**
   * Columns the table keeps that are no longer requested (ReportDefinition.retiredColumns): nullable,
   * never written by a load (not in `columns`), so rows loaded since have NULL there.
   */
  retired: TableColumn[];
  /** The column rows are replaced by: TimePeriod or Date (calendar and hourly tables), window_start (snapshots). */
  period: TableColumn;
  /** Unique key: leading columns as they are, then one md5 over every other attribute (see keyHashSql). */
  key: { name: string; lead: TableColumn[]; hashed: TableColumn[] };
  description: string;
}

function sqlTypeOf(column: ReportColumn, aggregation: Aggregation): SqlType {
  switch (column.type) {
    case 'bigint':
    case 'numeric':
    case 'text':
    case 'date':
      return column.type;
    case 'percent':
      return 'numeric';
    case 'timePeriod':
      // As delivered: Microsoft's date and hour in the zone the file states (file_time_zone), not UTC.
      if (aggregation === 'Hourly') return 'timestamp';
      return isOrdinalPeriod(aggregation) ? 'smallint' : 'date';
  }
}

const runColumn = (
  sqlName: string,
  sqlType: SqlType,
  value: Extract<ColumnSource, { kind: 'run' }>['value'],
  role: TableColumn['role'],
  description: string,
): TableColumn => ({ sqlName, sqlType, notNull: true, role, source: { kind: 'run', value }, description });

export function reportTableSpec(report: ReportDefinition, aggregation: Aggregation): ReportTableSpec {
  const name = tableName(report, aggregation);
  const csvColumns = reportColumns(report, aggregation);
  const fromCsv: TableColumn[] = csvColumns.map((c) => ({
    sqlName: c.sqlName,
    sqlType: sqlTypeOf(c, aggregation),
    // Account and period drive the replace-window delete; a row without them could never be replaced.
    notNull: c.name === 'AccountId' || (c.type === 'timePeriod' && !isOrdinalPeriod(aggregation)) || c.type === 'date',
    role: c.role,
    source: { kind: 'csv', column: c },
    description: columnDescription(c.name, aggregation),
  }));
  const columns: TableColumn[] = [];
  if (!csvColumns.some((c) => c.name === 'AccountId')) {
    columns.push(runColumn('account_id', 'bigint', 'accountId', 'attribute', 'Account id of the run that loaded the row (the report has no AccountId column).'));
  }
  const snapshot = windowKind(aggregation) === 'snapshot';
  if (snapshot) {
    columns.push(
      runColumn('window_start', 'date', 'windowStart', 'attribute', 'First day of the window these figures are for (the run’s window).'),
      runColumn('window_end', 'date', 'windowEnd', 'attribute', 'Last day (inclusive) of the window these figures are for.'),
    );
  }
  columns.push(...fromCsv);
  columns.push(
    runColumn('report_time_zone', 'text', 'timeZone', 'load', 'ReportTimeZone the report was requested in (decides "today" for Microsoft, not the hours of TimePeriod).'),
    {
      ...runColumn('file_time_zone', 'text', 'fileTimeZone', 'load', 'Time zone the report file states its dates and hours are in (its header’s "Time Zone:" line, as written); NULL when the file stated none (rows loaded before the header was read). See docs/BI.md.'),
      notNull: false,
    },
    {
      sqlName: 'row_ordinal',
      sqlType: 'smallint',
      notNull: true,
      role: 'load',
      source: { kind: 'ordinal' },
      description: '1, or n for the n-th row of one file that repeats every attribute of an earlier row (Microsoft sends such rows; all are kept, none summed).',
    },
    runColumn('run_id', 'bigint', 'runId', 'load', 'report_runs.id of the run that loaded the row.'),
    { sqlName: 'loaded_at', sqlType: 'timestamptz', notNull: true, role: 'load', source: { kind: 'loadedAt' }, description: 'When the row was loaded.' },
  );

  const byName = (n: string) => columns.find((c) => c.sqlName === n);
  const account = byName('account_id') as TableColumn;
  const timePeriod = fromCsv.find((c) => c.source.kind === 'csv' && (c.source.column.type === 'timePeriod' || c.source.column.type === 'date'));
  const leadPeriod = snapshot ? [byName('window_start') as TableColumn, byName('window_end') as TableColumn] : timePeriod ? [timePeriod] : [];
  if (leadPeriod.length === 0) throw new Error(`report ${report.name} has no TimePeriod or Date column for ${aggregation} rows`);
  const lead = [account, ...leadPeriod];
  const hashed = columns.filter((c) => (c.role === 'attribute' && !lead.includes(c)) || c.source.kind === 'ordinal');
  const retired: TableColumn[] = retiredColumns(report, aggregation).map(({ reason, ...c }) => ({
    sqlName: c.sqlName,
    sqlType: sqlTypeOf(c, aggregation),
    notNull: false,
    role: c.role,
    source: { kind: 'csv', column: c },
    description: `${columnDescription(c.name, aggregation)} No longer requested (${reason}): NULL in rows loaded since.`,
  }));
  return {
    name,
    report,
    aggregation,
    columns,
    csvColumns,
    retired,
    period: leadPeriod[0] as TableColumn,
    key: { name: `${name}_key`, lead, hashed },
    description: tableDescription(report, aggregation),
  };
}

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * One value per key column, text that cannot be confused with another column's: a text value as
 * "<length>:<value>", a number as itself, a date as days since 2000-01-01, NULL as "~". Every function
 * here is IMMUTABLE, as an index expression requires.
 */
function keyPartSql(column: Pick<TableColumn, 'sqlName' | 'sqlType'>): string {
  const c = ident(column.sqlName);
  switch (column.sqlType) {
    case 'text':
      return `coalesce(length(${c})::text || ':' || ${c}, '~')`;
    case 'bigint':
    case 'smallint':
      return `coalesce(${c}::text, '~')`;
    case 'numeric':
      return `coalesce(trim_scale(${c})::text, '~')`;
    case 'date':
      return `coalesce((${c} - DATE '2000-01-01')::text, '~')`;
    case 'timestamp':
    case 'timestamptz':
      throw new Error(`a ${column.sqlType} column (${column.sqlName}) can only lead the key`);
  }
}

/**
 * The key's hashed part: md5 over every non-leading attribute, as a uuid (16 bytes). Hashing keeps the
 * index entry small whatever the text lengths (a btree entry must stay under ~2700 bytes, and a URL or
 * ad text can be longer) and under Postgres' 32-column index limit; encoding NULL as "~" makes two NULLs
 * equal, i.e. NULLS NOT DISTINCT. A collision would refuse a load as duplicate rows, never merge rows.
 */
export function keyHashSql(hashed: readonly Pick<TableColumn, 'sqlName' | 'sqlType'>[]): string {
  const parts = hashed.length === 0 ? [`''`] : hashed.map(keyPartSql);
  return `(md5(${parts.join(` || '|' || `)})::uuid)`;
}

type KeyPart = Pick<TableColumn, 'sqlName' | 'sqlType'>;
export interface KeyShape {
  key: { name: string; lead: readonly KeyPart[]; hashed: readonly KeyPart[] };
}

/** The key's column list, as in CREATE UNIQUE INDEX … ON table (<this>). */
export function keyColumnsSql(spec: KeyShape): string {
  return [...spec.key.lead.map((c) => ident(c.sqlName)), keyHashSql(spec.key.hashed)].join(', ');
}
