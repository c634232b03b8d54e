import { aggregationSlug, type Aggregation } from './aggregations.js';
import { builtinReports, type BuiltinReportName } from './builtin/index.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';
import { columnSpec, snakeCase, type ColumnRole, type ColumnType } from './columnTypes.js';
import { grainProblem } from './requestRules.js';

/**
 * The report catalog: one declarative entry per report (src/reports/builtin/*, and custom reports from
 * the configuration, see registry.ts). Tables, request building, CSV mapping, validation, docs and the
 * simulator all derive from these entries; there is no second list to keep in sync.
 */

export { aggregations, builtinAggregations, type Aggregation } from './aggregations.js';

export interface ReportDefinition {
  /** snake_case of Microsoft's request type without "ReportRequest": used by the CLI, config and tables. */
  name: string;
  requestType: ReportRequestType;
  /** The aggregations this report has a table for. */
  aggregations: readonly Aggregation[];
  /**
   * Columns requested, in request (and CSV) order. A built-in report lists its widest set, and each
   * aggregation drops the columns Microsoft does not serve at that grain (impression share by hour,
   * quality scores by week …); a custom report's columns are requested exactly as configured.
   */
  columns: readonly string[];
  description: string;
  /**
   * Columns a built-in report requested once and no longer does (they broke one of Microsoft's column
   * rules). Its tables keep them, NULL in rows loaded since, so no migration drops values already loaded.
   */
  retiredColumns?: readonly RetiredColumn[];
  /** Declared in the configuration: its tables are made by `migrate` at runtime, not by drizzle-kit. */
  custom?: boolean;
}

export interface RetiredColumn {
  name: string;
  /** Why it is no longer requested, for the column's COMMENT and docs/SCHEMA.md. */
  reason: string;
}

export interface ReportColumn {
  /** Microsoft's column name, as requested and as it appears in the CSV header. */
  name: string;
  /** Postgres column name. */
  sqlName: string;
  type: ColumnType;
  role: ColumnRole;
}

export const reports: Record<BuiltinReportName, ReportDefinition> = builtinReports;
export type { BuiltinReportName } from './builtin/index.js';
export const reportNames = Object.keys(reports) as [BuiltinReportName, ...BuiltinReportName[]];

export function tableName(report: ReportDefinition, aggregation: Aggregation): string {
  return `${report.name}_${aggregationSlug(aggregation)}`;
}

/** The columns requested for one aggregation of a report, in request order. */
export function requestColumns(report: ReportDefinition, aggregation: Aggregation): readonly string[] {
  // A custom report's TimePeriod (added for its other aggregations) cannot go with Summary (error 2034).
  if (report.custom) return aggregation === 'Summary' ? report.columns.filter((c) => c !== 'TimePeriod') : report.columns;
  return report.columns.filter((c) => grainProblem(c, aggregation) === null);
}

const reportColumn = (name: string): ReportColumn => ({ name, sqlName: snakeCase(name), ...columnSpec(name) });

export function reportColumns(report: ReportDefinition, aggregation: Aggregation): ReportColumn[] {
  return requestColumns(report, aggregation).map(reportColumn);
}

/** The retired columns the table of `aggregation` kept: those it had while they were requested. */
export function retiredColumns(report: ReportDefinition, aggregation: Aggregation): (ReportColumn & { reason: string })[] {
  return (report.retiredColumns ?? [])
    .filter((c) => grainProblem(c.name, aggregation) === null)
    .map((c) => ({ ...reportColumn(c.name), reason: c.reason }));
}

/** Every catalog entry must name columns that exist in Microsoft's enum for its request type. */
export function assertCatalogConsistent(definitions: readonly ReportDefinition[] = Object.values(reports)): void {
  for (const def of definitions) {
    const allowed = new Set<string>(requestTypes[def.requestType].columns);
    const unknown = def.columns.filter((c) => !allowed.has(c));
    if (unknown.length > 0) throw new Error(`${def.name}: columns not in ${def.requestType}: ${unknown.join(', ')}`);
  }
}
