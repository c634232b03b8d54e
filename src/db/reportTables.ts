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
import type { ReportDefinition } from '../reports/catalog.js';
import { keyHashSql, reportTableSpec, type TableColumn } from './reportTableSpec.js';

/**
 * A drizzle table object for a report table, built from reportTableSpec, for typed queries. It is in no
 * drizzle-kit schema: report tables are made at runtime (customTables.ts, migrate.ts), and this only
 * describes the same shape to drizzle's query builder.
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
