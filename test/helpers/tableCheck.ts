import pg from 'pg';
import type { ReportTableSpec } from '../../src/db/reportTableSpec.js';
import { generateRows, type GenerateOptions } from '../../src/simulator/generator.js';

/**
 * What a loaded report table must hold for the simulator's rows, column by column: the NULLs (every
 * '' and '--' of the file, never a 0), the exact sums of numbers and percents (in hundredths, percent
 * units), and the rows per period keyed like the generator's TimePeriod text.
 */

export interface ColumnFigures {
  nulls: number;
  /** Sum in hundredths for numeric and percent columns, in units for bigint; undefined for text. */
  sum: bigint | undefined;
}

const isEmpty = (v: string, text: boolean) => v === '' || (!text && v === '--');

/** The figures the file's values imply, per CSV column. */
export function expectedFigures(spec: ReportTableSpec, options: GenerateOptions): Map<string, ColumnFigures> {
  const out = new Map<string, ColumnFigures>();
  const columns = spec.csvColumns.filter((c) => c.type !== 'timePeriod' && c.type !== 'date');
  for (const c of columns) out.set(c.sqlName, { nulls: 0, sum: c.type === 'text' ? undefined : 0n });
  const at = columns.map((c) => options.columns.indexOf(c.name));
  for (const row of generateRows(options)) {
    columns.forEach((c, i) => {
      const v = row.values[at[i] as number] as string;
      const f = out.get(c.sqlName) as ColumnFigures;
      if (isEmpty(v, c.type === 'text')) f.nulls++;
      else if (c.type === 'bigint') f.sum = (f.sum as bigint) + BigInt(v);
      else if (c.type !== 'text') f.sum = (f.sum as bigint) + BigInt(Math.round(Number(v.replace('%', '')) * 100));
    });
  }
  return out;
}

/** Rows of one account, and for snapshot tables (Summary, DayOfWeek, HourOfDay) of one window. */
function rowsOf(spec: ReportTableSpec, accountId: string, window?: { from: string; to: string }): { where: string; params: string[] } {
  if (!window || !spec.columns.some((c) => c.sqlName === 'window_start')) return { where: 'account_id = $1', params: [accountId] };
  return { where: 'account_id = $1 AND window_start = $2::date AND window_end = $3::date', params: [accountId, window.from, window.to] };
}

/** The same figures read from the table, for one account. */
export async function tableFigures(pool: pg.Pool, spec: ReportTableSpec, accountId: string, window?: { from: string; to: string }): Promise<Map<string, ColumnFigures>> {
  const columns = spec.csvColumns.filter((c) => c.type !== 'timePeriod' && c.type !== 'date');
  const select = columns.map((c, i) => {
    const col = pg.escapeIdentifier(c.sqlName);
    const sum = c.type === 'text' ? 'NULL' : c.type === 'bigint' ? `sum(${col})::text` : `coalesce(sum(${col} * 100), 0)::bigint::text`;
    return `count(*) FILTER (WHERE ${col} IS NULL)::int AS n${i}, ${sum} AS s${i}`;
  });
  const { where, params } = rowsOf(spec, accountId, window);
  const { rows } = await pool.query(`SELECT ${select.join(', ')} FROM ${pg.escapeIdentifier(spec.name)} WHERE ${where}`, params);
  const r = rows[0] as Record<string, string | number | null>;
  return new Map(
    columns.map((c, i) => [c.sqlName, { nulls: Number(r[`n${i}`]), sum: c.type === 'text' ? undefined : BigInt((r[`s${i}`] as string | null) ?? '0') }]),
  );
}

/** SQL turning the table's time column back into the generator's TimePeriod text. */
export function periodKeySql(spec: ReportTableSpec): string {
  const col = pg.escapeIdentifier(spec.period.sqlName);
  switch (spec.aggregation) {
    case 'Hourly':
      return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || extract(hour FROM ${col} AT TIME ZONE 'UTC')::int`;
    case 'Yearly':
      return `to_char(${col}, 'YYYY')`;
    case 'DayOfWeek':
    case 'HourOfDay':
      return `time_period::text`;
    case 'Summary':
      return `to_char(window_start, 'YYYY-MM-DD') || '..' || to_char(window_end, 'YYYY-MM-DD')`;
    default:
      return `to_char(${col}, 'YYYY-MM-DD')`;
  }
}

/** Rows per period of the table, and of the file. */
export async function rowsPerPeriod(pool: pg.Pool, spec: ReportTableSpec, accountId: string, window?: { from: string; to: string }): Promise<Map<string, number>> {
  const { where, params } = rowsOf(spec, accountId, window);
  const { rows } = await pool.query<{ period: string; n: number }>(
    `SELECT ${periodKeySql(spec)} AS period, count(*)::int AS n FROM ${pg.escapeIdentifier(spec.name)} WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  return new Map(rows.map((r) => [r.period, r.n]));
}

export function expectedRowsPerPeriod(options: GenerateOptions): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of generateRows(options)) out.set(row.timePeriod, (out.get(row.timePeriod) ?? 0) + 1);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
