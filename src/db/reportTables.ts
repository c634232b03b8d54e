import { bigint, date, numeric, pgTable, text, timestamp, unique, type PgColumnBuilderBase } from 'drizzle-orm/pg-core';
import {
  keyColumns,
  reportColumns,
  reports,
  tableName,
  type Aggregation,
  type ReportColumn,
  type ReportDefinition,
} from '../reports/catalog.js';

/**
 * Drizzle tables for every catalog report × aggregation, built from the catalog so that a column added
 * there becomes a migration through drizzle-kit, never a hand-edited second list.
 */

function columnBuilder(column: ReportColumn, aggregation: Aggregation): PgColumnBuilderBase {
  switch (column.type) {
    case 'bigint':
      return bigint(column.sqlName, { mode: 'number' });
    case 'numeric':
    case 'percent':
      return numeric(column.sqlName);
    case 'text':
      return text(column.sqlName);
    case 'date':
      return date(column.sqlName, { mode: 'string' });
    case 'timePeriod':
      return aggregation === 'Hourly'
        ? timestamp(column.sqlName, { withTimezone: true, mode: 'string' })
        : date(column.sqlName, { mode: 'string' });
  }
}

export function buildReportTable(report: ReportDefinition, aggregation: Aggregation) {
  const name = tableName(report, aggregation);
  const columns: Record<string, PgColumnBuilderBase> = {};
  for (const column of reportColumns(report)) {
    const builder = columnBuilder(column, aggregation);
    // AccountId and TimePeriod drive the replace-window delete; a row without them could never be replaced.
    columns[column.sqlName] =
      column.name === 'AccountId' || column.name === 'TimePeriod'
        ? (builder as ReturnType<typeof text>).notNull()
        : builder;
  }
  columns['report_time_zone'] = text('report_time_zone').notNull();
  columns['run_id'] = bigint('run_id', { mode: 'number' }).notNull();
  columns['loaded_at'] = timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow();
  const key = keyColumns(report).map((c) => c.sqlName);
  return pgTable(name, columns, (t) => [
    unique(`${name}_key`)
      .on(...(key.map((k) => t[k]) as [never, ...never[]]))
      .nullsNotDistinct(),
  ]);
}

export const reportTables = Object.fromEntries(
  (Object.values(reports) as ReportDefinition[]).flatMap((def) =>
    def.aggregations.map((agg) => [tableName(def, agg), buildReportTable(def, agg)] as const),
  ),
);
