import { aggregations, type Aggregation } from '../reports/aggregations.js';
import type { ReportRequestType } from '../reports/columnEnums.js';
import type { PredefinedPeriod } from '../reports/periods.js';
import type { ReportTimeZone } from '../reports/timeZones.js';

/**
 * What one SubmitGenerateReport asks for, independent of how it travels: src/jobs/requestSpec.ts builds
 * it from the catalog, each adapter (src/soap/, src/rest/) serializes it its own way. Nothing here knows
 * XML or JSON.
 */

/** Microsoft's ReportAggregation enum (src/reports/aggregations.ts). */
export const reportAggregations = aggregations;
export type ReportAggregation = Aggregation;

export interface ReportRequestSpec {
  requestType: ReportRequestType;
  /** null for request types without an Aggregation element (e.g. BudgetSummaryReportRequest). */
  aggregation: ReportAggregation | null;
  /** Column names in request (and CSV) order. */
  columns: readonly string[];
  /** Int64 as decimal text: the account the report is scoped to. */
  accountId: string;
  /** Inclusive window, YYYY-MM-DD, in `timeZone`. Ignored by the two request types without Time. */
  from: string;
  to: string;
  /**
   * Sent instead of the custom range when set: HourOfDay and DayOfWeek accept only predefined periods.
   * `from`/`to` must then be that period's window (requestSpec.ts picks it).
   */
  predefinedTime?: PredefinedPeriod;
  timeZone: ReportTimeZone;
  /** Shown in the report header; at most 200 characters. */
  reportName: string;
}

/**
 * The file every report request asks for, the same over SOAP and REST: a CSV 2.0 file with column
 * headers, no footer, and Microsoft's report header, the only place a file states its record count,
 * whether its last day may still change and the zone of its dates (src/load/reportMetadata.ts). ReturnOnlyCompleteData stays false: true fails with 2004/2005 whenever the
 * window touches today; completeness is tracked by re-pulls.
 */
export const REPORT_FILE_OPTIONS = {
  ExcludeColumnHeaders: false,
  ExcludeReportFooter: true,
  ExcludeReportHeader: false,
  Format: 'Csv',
  FormatVersion: '2.0',
  ReturnOnlyCompleteData: false,
} as const;
