import pg from 'pg';
import type { ReportTableSpec, TableColumn } from '../db/reportTableSpec.js';
import { windowKind, type Aggregation } from '../reports/aggregations.js';
import type { ReportColumn } from '../reports/catalog.js';

/**
 * Pure builders of the load's SQL. The CSV bytes are COPYed untouched into a staging table of text
 * columns named after the CSV header; one INSERT … SELECT then casts them into the typed report table.
 *
 * Parameters shared by the window statements: $1 account id, $2 first day, $3 last day (YYYY-MM-DD).
 * The insert adds $4 report_time_zone, $5 run_id and $6 file_time_zone (the zone the file states).
 */

export const STAGE_TABLE = 'msads_stage';

const ident = (name: string) => pg.escapeIdentifier(name);

/** A staging column as read in the INSERT … SELECT and diagnostic queries (staging aliased `s`). */
export const stageRef = (csvColumn: string) => `s.${ident(csvColumn)}`;

/** What a load writes to: the typed table (see reportTableSpec). */
export type LoadShape = ReportTableSpec;

/** Staging column names: the CSV header's own names, a blank header name becoming _blank_<position>. */
export function stageColumnNames(header: readonly string[]): string[] {
  return header.map((name, i) => (name === '' ? `_blank_${i + 1}` : name));
}

/** Temp (session-local, never WAL-logged) and dropped at COMMIT or ROLLBACK. */
export function createStageSql(header: readonly string[]): string {
  const columns = stageColumnNames(header).map((c) => `${ident(c)} text`);
  return `CREATE TEMP TABLE ${STAGE_TABLE} (${columns.join(', ')}) ON COMMIT DROP`;
}

/** No FREEZE: allowed here (same transaction as the CREATE) but measured no faster. */
export function copyStageSql(): string {
  return `COPY ${STAGE_TABLE} FROM STDIN (FORMAT csv)`;
}

/** What the window predicate compares: the table's columns, or the cast staging values. */
interface WindowRefs {
  account: string;
  period: string;
  windowEnd: string;
}

/** First day of the period holding day `d` (SQL), for the calendar aggregations. */
function periodStartSql(aggregation: Aggregation, d: string): string {
  switch (aggregation) {
    case 'Weekly':
      return `(${d} - extract(dow FROM ${d})::int)`;
    case 'WeeklyStartingMonday':
      return `(${d} - ((extract(dow FROM ${d})::int + 6) % 7))`;
    case 'Monthly':
      return `date_trunc('month', ${d})::date`;
    case 'Yearly':
      return `date_trunc('year', ${d})::date`;
    default:
      return d;
  }
}

/**
 * Rows of account $1 that the window $2..$3 replaces:
 * - Hourly: the hours of the window's days as the file dates them. Hours are stored as delivered, in the
 *   zone the file states (file_time_zone), so the window is matched on the delivered date: a file whose
 *   zone is not UTC is never refused or shifted for it (docs/BI.md).
 * - Daily … Yearly: every period overlapping the window; a row carries its period's first day, which
 *   can precede $2 (the request itself is widened to whole periods, see requestSpec.ts).
 * - Summary, DayOfWeek, HourOfDay: the rows loaded for exactly this window (window_start, window_end).
 */
export function windowPredicateSql(shape: LoadShape, refs: WindowRefs = tableRefs(shape)): string {
  const { account, period } = refs;
  const ofAccount = `${account} = $1::bigint`;
  switch (windowKind(shape.aggregation)) {
    case 'instant':
      return `${ofAccount} AND ${period} >= $2::date::timestamp AND ${period} < ($3::date + 1)::timestamp`;
    case 'calendar':
      return `${ofAccount} AND ${period} BETWEEN ${periodStartSql(shape.aggregation, '$2::date')} AND $3::date`;
    case 'snapshot':
      return `${ofAccount} AND ${period} = $2::date AND ${refs.windowEnd} = $3::date`;
  }
}

function tableRefs(shape: LoadShape): WindowRefs {
  return { account: 'account_id', period: ident(shape.period.sqlName), windowEnd: 'window_end' };
}

function column(shape: LoadShape, sqlName: string): TableColumn {
  const found = shape.columns.find((c) => c.sqlName === sqlName);
  if (!found) throw new Error(`table ${shape.name} has no column ${sqlName}`);
  return found;
}

/** SQL for the values a run stamps on its rows. */
export type RunValuesSql = Record<Extract<TableColumn['source'], { kind: 'run' }>['value'], string>;

/** The statement parameters, in the order documented at the top. */
const RUN_PARAMS: RunValuesSql = {
  accountId: '$1::bigint',
  windowStart: '$2::date',
  windowEnd: '$3::date',
  timeZone: '$4::text',
  runId: '$5::bigint',
  fileTimeZone: '$6::text',
};

/** The staged value of a table column: cast from the CSV, or the run's value. */
function valueSql(col: TableColumn, shape: LoadShape, run: RunValuesSql = RUN_PARAMS): string {
  switch (col.source.kind) {
    case 'csv':
      return castSql(col.source.column, shape.aggregation, stageRef(col.source.column.name));
    case 'run':
      return run[col.source.value];
    case 'ordinal':
      return '1';
    case 'loadedAt':
      return 'now()';
  }
}

/** The columns an insert writes (all but loaded_at and row_ordinal, which default) and their values cast from staging `s`. */
export function castColumnsSql(shape: LoadShape, run: RunValuesSql = RUN_PARAMS): { targets: string[]; values: string[] } {
  const columns = shape.columns.filter((c) => c.source.kind !== 'loadedAt' && c.source.kind !== 'ordinal');
  return { targets: columns.map((c) => ident(c.sqlName)), values: columns.map((c) => valueSql(c, shape, run)) };
}

function stageRefs(shape: LoadShape): WindowRefs {
  return {
    account: valueSql(column(shape, 'account_id'), shape),
    period: valueSql(shape.period, shape),
    windowEnd: '$3::date',
  };
}

export function deleteWindowSql(shape: LoadShape): string {
  return `DELETE FROM ${ident(shape.name)} WHERE ${windowPredicateSql(shape)}`;
}

/**
 * The text values a column's cast reads, as SQL over `source` (a staging column). A cast error names
 * one of these values, which is how the diagnostic query finds the row.
 */
export function castInputsSql(column: ReportColumn, aggregation: Aggregation, source: string): string[] {
  if (column.type === 'percent') return [`rtrim(${source}, '%')`];
  if (column.type === 'timePeriod' && aggregation === 'Hourly') {
    return [`split_part(${source}, '|', 1)`, `split_part(${source}, '|', 2)`];
  }
  return [source];
}

/**
 * Microsoft's text → the typed value; '' and '--' are NULL (never 0). NULLIF rather than
 * CASE WHEN v IN ('', '--'): the same result, measurably cheaper over millions of values.
 */
export function castSql(column: ReportColumn, aggregation: Aggregation, source: string): string {
  const value = `NULLIF(NULLIF(${source}, ''), '--')`;
  switch (column.type) {
    case 'text':
      return `NULLIF(${source}, '')`;
    case 'bigint':
      return `${value}::bigint`;
    case 'numeric':
      return `${value}::numeric`;
    case 'percent':
      // Percent units: "2.13%" and "2.13" both load as 2.13.
      return `rtrim(${value}, '%')::numeric`;
    case 'date':
      // BudgetSummary's Date has been seen as M/D/YYYY (Airbyte parses it so); ISO dates pass as they are.
      return `CASE WHEN ${value} LIKE '%/%' THEN to_date(${value}, 'MM/DD/YYYY') ELSE ${value}::date END`;
    case 'timePeriod':
      switch (aggregation) {
        case 'Hourly': {
          // "YYYY-MM-DD|H": hour H of that day, kept as delivered (no zone: the file states it, file_time_zone).
          const [day, hour] = castInputsSql(column, aggregation, value) as [string, string];
          return `(${day}::date + ${hour}::int * interval '1 hour')`;
        }
        case 'Yearly':
          // "YYYY": stored as January 1, so years compare and join like months.
          return `make_date(${value}::int, 1, 1)`;
        case 'DayOfWeek':
        case 'HourOfDay':
          return `${value}::smallint`;
        default:
          return `${value}::date`;
      }
  }
}

/**
 * Casts the staging rows into the target. Rows outside the account and window are filtered out, so
 * fewer rows inserted than staged means the file strays outside its window (the caller compares the
 * counts; a filter costs far less than aggregating over RETURNING). A NULL account or period passes
 * the filter and fails on the NOT NULL constraint, where it is reported as an empty value. OFFSET 0
 * keeps the subquery from being flattened, so the filter reads the cast values instead of casting again.
 */
export function insertFromStageSql(shape: LoadShape): string {
  const { targets, values } = castColumnsSql(shape);
  return [
    `INSERT INTO ${ident(shape.name)} (${targets.join(', ')})`,
    `SELECT * FROM (SELECT ${values.join(', ')} FROM ${STAGE_TABLE} s OFFSET 0) AS staged (${targets.join(', ')})`,
    // The staged subquery's columns carry the table's names, so the table's predicate applies as it is.
    `WHERE (${windowPredicateSql(shape)}) IS NOT FALSE`,
  ].join('\n');
}

/**
 * The insert for a file whose rows repeat every attribute of earlier ones (the plain insert met the
 * unique key): the same rows, each numbered within its group of identical attributes in file order
 * (row_ordinal), so every row is kept and the key still holds. PARTITION BY groups NULLs together and
 * compares numerics by value, as the key's hash does. Answers how many rows it inserted and how many
 * of them were repeats. Only run after a unique violation: the sort it needs costs the happy path nothing.
 */
export function insertRepeatsFromStageSql(shape: LoadShape): string {
  const { targets, values } = castColumnsSql(shape);
  const ordinal = shape.columns.find((c) => c.source.kind === 'ordinal') as TableColumn;
  const groups = [...shape.key.lead, ...shape.key.hashed].filter((c) => c !== ordinal).map((c) => ident(c.sqlName));
  const order = ident('msads_file_order');
  return [
    `WITH inserted AS (`,
    `INSERT INTO ${ident(shape.name)} (${[...targets, ident(ordinal.sqlName)].join(', ')})`,
    `SELECT ${targets.join(', ')}, (row_number() OVER (PARTITION BY ${groups.join(', ')} ORDER BY ${order}))::smallint`,
    `FROM (SELECT ${values.join(', ')}, s.ctid FROM ${STAGE_TABLE} s OFFSET 0) AS staged (${[...targets, order].join(', ')})`,
    `WHERE (${windowPredicateSql(shape)}) IS NOT FALSE`,
    `RETURNING ${ident(ordinal.sqlName)} AS ordinal)`,
    `SELECT count(*)::int AS rows, (count(*) FILTER (WHERE ordinal > 1))::int AS repeated FROM inserted`,
  ].join('\n');
}

/**
 * Diagnostic only (after the insert): for each staging column under a blank header name, how many
 * rows hold a value there and the first such value in file order. Microsoft names every column it
 * sends, so values there are not loaded, but they are not dropped without a word either.
 */
export function blankColumnValuesSql(stageColumns: readonly string[]): string {
  const parts = stageColumns.map(
    (c) =>
      `SELECT ${pg.escapeLiteral(c)} AS column_name, count(*) FILTER (WHERE ${stageRef(c)} <> '')::int AS filled, ` +
      `(array_agg(${stageRef(c)} ORDER BY s.ctid) FILTER (WHERE ${stageRef(c)} <> ''))[1] AS first_value FROM ${STAGE_TABLE} s`,
  );
  return parts.join('\nUNION ALL\n');
}

/** Diagnostic only (after the insert left rows out): where the staged rows lie, for the message. */
export function stageSummarySql(shape: LoadShape): string {
  const { account, period } = stageRefs(shape);
  const refs = { account: 'account', period: 'period', windowEnd: '$3::date' };
  return [
    `SELECT count(*)::int AS rows,`,
    `  (count(*) FILTER (WHERE NOT (${windowPredicateSql(shape, refs)})))::int AS outside,`,
    `  min(account)::text AS min_account, max(account)::text AS max_account,`,
    `  min(period)::text AS first_period, max(period)::text AS last_period`,
    `FROM (SELECT ${account} AS account, ${period} AS period FROM ${STAGE_TABLE} s) staged`,
  ].join('\n');
}

export interface InsertSummary {
  rows: number;
  outside: number;
  min_account: string | null;
  max_account: string | null;
  first_period: string | null;
  last_period: string | null;
}

/**
 * Diagnostic only (after a failed cast): the first staging row, in file order, where one of `checks`
 * holds. Each check is [CSV column, SQL condition over that column's staging value]. Returns the record
 * ordinal (1-based), the newlines embedded in earlier records (so the file line can be computed), the
 * column and the raw value.
 */
export function findFirstRowSql(checks: readonly (readonly [column: string, condition: string])[]): string {
  const cases = checks.map(([col, condition]) => `(${pg.escapeLiteral(col)}, ${stageRef(col)}, ${condition})`);
  return [
    `WITH numbered AS (`,
    `  SELECT s.*, row_number() OVER w AS record,`,
    `    coalesce(sum(length(s::text) - length(replace(s::text, E'\\n', ''))) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS embedded_newlines`,
    `  FROM ${STAGE_TABLE} s WINDOW w AS (ORDER BY s.ctid)`,
    `)`,
    `SELECT s.record::bigint AS record, s.embedded_newlines, c.column_name, c.value`,
    `FROM numbered s, LATERAL (VALUES ${cases.join(', ')}) AS c(column_name, value, hit)`,
    `WHERE c.hit`,
    `ORDER BY s.record LIMIT 1`,
  ].join('\n');
}

/**
 * Diagnostic only (after a unique violation): the attribute values of the first two rows of the file
 * that share a key, as text, for the message (the key index shows only a hash).
 */
export function duplicateRowSql(shape: LoadShape): string {
  const attributes = [...shape.key.lead, ...shape.key.hashed].filter((c) => c.source.kind === 'csv');
  const values = attributes.map((c) => `${valueSql(c, shape)}::text`);
  const names = attributes.map((c) => pg.escapeLiteral((c.source as { column: ReportColumn }).column.name));
  return [
    `SELECT attributes, count(*)::int AS rows FROM (`,
    `  SELECT json_object(ARRAY[${names.join(', ')}]::text[], ARRAY[${values.join(', ')}]::text[])::text AS attributes FROM ${STAGE_TABLE} s`,
    `) keyed GROUP BY attributes HAVING count(*) > 1 LIMIT 1`,
  ].join('\n');
}
