import pg from 'pg';
import { reportColumns, type Aggregation, type ReportColumn, type ReportDefinition } from '../reports/catalog.js';
import { reportTimeZoneIana, type ReportTimeZone } from '../reports/timeZones.js';

/**
 * Pure builders of the load's SQL. The CSV bytes are COPYed untouched into a staging table of text
 * columns named after the CSV header; one INSERT … SELECT then casts them into the typed report table.
 *
 * Parameters shared by the window statements: $1 account id, $2 first day, $3 last day (YYYY-MM-DD).
 * The insert adds $4 report_time_zone and $5 run_id.
 */

export const STAGE_TABLE = 'msads_stage';

const ident = (name: string) => pg.escapeIdentifier(name);

/** A staging column as read in the INSERT … SELECT and diagnostic queries (staging aliased `s`). */
export const stageRef = (csvColumn: string) => `s.${ident(csvColumn)}`;

export interface LoadShape {
  report: ReportDefinition;
  aggregation: Aggregation;
  timeZone: ReportTimeZone;
  /** The typed target table. */
  table: string;
}

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

/** The column the replace window is defined on: TimePeriod, or Date for reports without one. */
export function windowColumn(report: ReportDefinition): ReportColumn {
  const columns = reportColumns(report);
  const column = columns.find((c) => c.type === 'timePeriod') ?? columns.find((c) => c.type === 'date');
  if (!column) throw new Error(`report ${report.name} has no TimePeriod or Date column to replace a window on`);
  return column;
}

function zoneLiteral(timeZone: ReportTimeZone): string {
  return pg.escapeLiteral(reportTimeZoneIana[timeZone]);
}

/** What the window predicate compares: the table's columns, or the cast staging values. */
interface WindowRefs {
  account: string;
  period: string;
}

/**
 * Rows of account $1 whose period lies in the window $2..$3. Weekly and Monthly rows carry the first
 * day of their week (Sunday) or month, which can precede $2; Hourly rows are instants, and the window's
 * days are taken in the report time zone.
 */
export function windowPredicateSql(shape: LoadShape, refs: WindowRefs = tableRefs(shape)): string {
  const { account, period } = refs;
  const ofAccount = `${account} = $1::bigint`;
  switch (shape.aggregation) {
    case 'Daily':
      return `${ofAccount} AND ${period} BETWEEN $2::date AND $3::date`;
    case 'Weekly':
      return `${ofAccount} AND ${period} BETWEEN $2::date - extract(dow FROM $2::date)::int AND $3::date`;
    case 'Monthly':
      return `${ofAccount} AND ${period} BETWEEN date_trunc('month', $2::date)::date AND $3::date`;
    case 'Hourly': {
      const zone = zoneLiteral(shape.timeZone);
      return `${ofAccount} AND ${period} >= ($2::date::timestamp AT TIME ZONE ${zone}) AND ${period} < (($3::date + 1)::timestamp AT TIME ZONE ${zone})`;
    }
  }
}

function tableRefs(shape: LoadShape): WindowRefs {
  return { account: 'account_id', period: ident(windowColumn(shape.report).sqlName) };
}

function stageRefs(shape: LoadShape): WindowRefs {
  const account = reportColumns(shape.report).find((c) => c.sqlName === 'account_id');
  if (!account) throw new Error(`report ${shape.report.name} has no AccountId column`);
  const period = windowColumn(shape.report);
  return { account: castSql(account, shape, stageRef(account.name)), period: castSql(period, shape, stageRef(period.name)) };
}

export function deleteWindowSql(shape: LoadShape): string {
  return `DELETE FROM ${ident(shape.table)} WHERE ${windowPredicateSql(shape)}`;
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
export function castSql(column: ReportColumn, shape: LoadShape, source: string): string {
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
      return `${value}::date`;
    case 'timePeriod': {
      if (shape.aggregation !== 'Hourly') return `${value}::date`;
      // "YYYY-MM-DD|H": hour H of that day on the report time zone's wall clock.
      const [day, hour] = castInputsSql(column, shape.aggregation, value) as [string, string];
      return `(${day}::date + ${hour}::int * interval '1 hour') AT TIME ZONE ${zoneLiteral(shape.timeZone)}`;
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
  const { targets, values } = castColumnsSql(shape, '$4::text', '$5::bigint');
  return [
    `INSERT INTO ${ident(shape.table)} (${targets.join(', ')})`,
    `SELECT * FROM (SELECT ${values.join(', ')} FROM ${STAGE_TABLE} s OFFSET 0) AS staged (${targets.join(', ')})`,
    `WHERE (${windowPredicateSql(shape)}) IS NOT FALSE`,
  ].join('\n');
}

/** The target's columns and the staged values cast for them, the time zone and run id last. */
export function castColumnsSql(shape: LoadShape, timeZone: string, runId: string): { targets: string[]; values: string[] } {
  const columns = reportColumns(shape.report);
  return {
    targets: [...columns.map((c) => ident(c.sqlName)), 'report_time_zone', 'run_id'],
    values: [...columns.map((c) => castSql(c, shape, stageRef(c.name))), timeZone, runId],
  };
}

/** Diagnostic only (after the insert left rows out): where the staged rows lie, for the message. */
export function stageSummarySql(shape: LoadShape): string {
  const { account, period } = stageRefs(shape);
  const refs = { account: 'account', period: 'period' };
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
  const cases = checks.map(([column, condition]) => `(${pg.escapeLiteral(column)}, ${stageRef(column)}, ${condition})`);
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
