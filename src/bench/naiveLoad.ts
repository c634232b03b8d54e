import { parse } from 'csv-parse';
import pg from 'pg';
import { openReportCsv } from '../load/reportEntry.js';
import { keyColumnsSql, reportTableSpec } from '../db/reportTableSpec.js';
import type { ReportColumn, ReportDefinition } from '../reports/catalog.js';

/**
 * The baseline the load path is measured against: parse every row in JavaScript (csv-parse,
 * `columns: true`), convert values in JavaScript, and upsert 1,000-row batches with
 * INSERT … ON CONFLICT DO UPDATE. All batches run in one transaction (no commit per batch), which
 * favours the baseline.
 */

const BATCH_ROWS = 1000;

function convert(value: string | undefined, column: ReportColumn): string | null {
  if (value === undefined || value === '') return null;
  if (column.type === 'text') return value;
  if (value === '--') return null;
  return column.type === 'percent' && value.endsWith('%') ? value.slice(0, -1) : value;
}

export async function naiveLoad(
  pool: pg.Pool,
  report: ReportDefinition,
  table: string,
  zipPath: string,
  stamp: { timeZone: string; runId: number },
): Promise<number> {
  const spec = reportTableSpec(report, 'Daily');
  const columns = spec.csvColumns;
  const keys = new Set([...spec.key.lead, ...spec.key.hashed].map((c) => c.sqlName));
  const targets = [...columns.map((c) => pg.escapeIdentifier(c.sqlName)), 'report_time_zone', 'run_id'];
  const updates = columns.filter((c) => !keys.has(c.sqlName)).map((c) => `${pg.escapeIdentifier(c.sqlName)} = EXCLUDED.${pg.escapeIdentifier(c.sqlName)}`);
  // The key is a unique index over an expression: ON CONFLICT infers it from the same expression.
  const conflict = [keyColumnsSql(spec)];
  const width = targets.length;

  const { stream } = await openReportCsv(zipPath, { maxUncompressedBytes: Number.MAX_SAFE_INTEGER });
  const parser = parse({ bom: true, columns: true });
  stream.on('error', (err) => parser.destroy(err));
  const client = await pool.connect();
  let rows = 0;
  let batch: (string | number | null)[] = [];
  const flush = async () => {
    const count = batch.length / width;
    const tuples = Array.from({ length: count }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
    await client.query(
      `INSERT INTO ${pg.escapeIdentifier(table)} (${targets.join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${updates.join(', ')}, loaded_at = now()`,
      batch,
    );
    rows += count;
    batch = [];
  };
  try {
    await client.query('BEGIN');
    for await (const record of stream.pipe(parser) as AsyncIterable<Record<string, string>>) {
      for (const column of columns) batch.push(convert(record[column.name], column));
      batch.push(stamp.timeZone, stamp.runId);
      if (batch.length === BATCH_ROWS * width) await flush();
    }
    if (batch.length > 0) await flush();
    await client.query('COMMIT');
    return rows;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** csv-parse alone, no database: the ceiling of any load that parses every row in JavaScript. */
export async function parseOnly(zipPath: string): Promise<number> {
  const { stream } = await openReportCsv(zipPath, { maxUncompressedBytes: Number.MAX_SAFE_INTEGER });
  const parser = parse({ bom: true, columns: true });
  stream.on('error', (err) => parser.destroy(err));
  let rows = 0;
  for await (const _record of stream.pipe(parser) as AsyncIterable<unknown>) rows++;
  return rows;
}
