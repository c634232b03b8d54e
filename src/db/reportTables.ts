import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  numeric,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  type PgColumnBuilderBase,
} from 'drizzle-orm/pg-core';
import type { Aggregation } from '../reports/aggregations.js';
import { reports, type ReportDefinition } from '../reports/catalog.js';
import { keyHashSql, reportTableSpec, type TableColumn } from './reportTableSpec.js';

/**
 * Drizzle tables for the built-in reports, built from the catalog (through reportTableSpec) so that a
 * column added there becomes a migration through drizzle-kit, never a hand-edited second list.
 */

function columnBuilder(column: TableColumn): PgColumnBuilderBase {
  if (column.source.kind === 'loadedAt') return timestamp(column.sqlName, { withTimezone: true }).notNull().defaultNow();
  if (column.source.kind === 'ordinal') return smallint(column.sqlName).notNull().default(1);
  const base = (() => {
    switch (column.sqlType) {
      case 'bigint':
        return bigint(column.sqlName, { mode: 'number' });
      case 'smallint':
        return smallint(column.sqlName);
      case 'numeric':
        return numeric(column.sqlName);
      case 'text':
        return text(column.sqlName);
      case 'date':
        return date(column.sqlName, { mode: 'string' });
      case 'timestamp':
        return timestamp(column.sqlName, { mode: 'string' });
      case 'timestamptz':
        return timestamp(column.sqlName, { withTimezone: true, mode: 'string' });
    }
  })();
  return column.notNull ? (base as ReturnType<typeof text>).notNull() : base;
}

export function buildReportTable(report: ReportDefinition, aggregation: Aggregation) {
  const spec = reportTableSpec(report, aggregation);
  const columns: Record<string, PgColumnBuilderBase> = {};
  for (const column of [...spec.columns, ...spec.retired]) columns[column.sqlName] = columnBuilder(column);
  return pgTable(spec.name, columns, (t) => [
    uniqueIndex(spec.key.name).on(
      ...(spec.key.lead.map((c) => t[c.sqlName]) as [never, ...never[]]),
      sql.raw(keyHashSql(spec.key.hashed)),
    ),
  ]);
}

/** Every built-in report × aggregation, by table name. */
export const builtinReportTables = Object.fromEntries(
  (Object.values(reports) as ReportDefinition[]).flatMap((def) =>
    def.aggregations.map((agg) => [reportTableSpec(def, agg).name, buildReportTable(def, agg)] as const),
  ),
);
