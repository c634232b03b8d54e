import { RequestValidationError } from '../errors.js';
import { aggregations, type Aggregation } from '../reports/aggregations.js';
import { requestTypes, type ReportRequestType } from '../reports/columnEnums.js';
import type { PredefinedPeriod } from '../reports/periods.js';
import { reportTimeZoneIana, type ReportTimeZone } from '../reports/timeZones.js';
import { NS } from './namespaces.js';

/**
 * Builds the node-soap argument for `<ReportRequest>` of SubmitGenerateReport. Pure: no I/O, no clock.
 *
 * node-soap writes object keys in insertion order and only knows the base type's sequence, so every key
 * below is written in Microsoft's XSD order (REPORTING-FACTS §3.2, §11.1). Semantic checks (required
 * columns, TimePeriod vs Summary) live in src/reports/validateRequest.ts; this module only refuses input
 * that could not be serialized into a schema-valid request.
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

interface ReportDate {
  Day: number;
  Month: number;
  Year: number;
}

export function buildReportRequest(spec: ReportRequestSpec): Record<string, unknown> {
  const shape = requestTypes[spec.requestType] as (typeof requestTypes)[ReportRequestType] | undefined;
  if (!shape) throw new RequestValidationError(`unknown report request type "${String(spec.requestType)}"`);
  checkSpec(spec, shape);

  const request: Record<string, unknown> = {
    // The prefix is declared right here so xsi:type resolves whatever prefixes the envelope carries
    // (we strip the WSDL's declarations from the envelope, see reportingClient.ts).
    attributes: { 'xsi:type': `r:${spec.requestType}`, 'xmlns:r': NS.reporting },
    ExcludeColumnHeaders: false,
    ExcludeReportFooter: true,
    ExcludeReportHeader: true,
    Format: 'Csv',
    FormatVersion: '2.0',
    ReportName: spec.reportName,
    // true fails with 2004/2005 whenever the window touches today; completeness is tracked by re-pulls.
    ReturnOnlyCompleteData: false,
  };
  for (const element of shape.elements) {
    switch (element) {
      case 'Aggregation':
        request.Aggregation = spec.aggregation;
        break;
      case 'Columns':
        // Items are named after the enum type, in the Reporting namespace (not <string>: §11.4).
        request.Columns = { [shape.columnElement]: [...spec.columns] };
        break;
      case 'Scope':
        // soap 1.13 would put a plain `long` key in the Reporting namespace (§13), which the service
        // ignores; the Arrays prefix is declared on AccountIds itself.
        request.Scope = { AccountIds: { attributes: { 'xmlns:arr': NS.arrays }, 'arr:long': [spec.accountId] } };
        break;
      case 'Time':
        // WCF order is alphabetical: End before Start. No PredefinedTime with a custom range (2008).
        request.Time =
          spec.predefinedTime === undefined
            ? { CustomDateRangeEnd: toReportDate(spec.to), CustomDateRangeStart: toReportDate(spec.from), ReportTimeZone: spec.timeZone }
            : { PredefinedTime: spec.predefinedTime, ReportTimeZone: spec.timeZone };
        break;
      default:
        // Filter, MaxRows, Sort: optional and unused.
        break;
    }
  }
  return request;
}

function checkSpec(spec: ReportRequestSpec, shape: (typeof requestTypes)[ReportRequestType]): void {
  const problems: string[] = [];
  if (shape.hasAggregation) {
    if (spec.aggregation === null || !(reportAggregations as readonly string[]).includes(spec.aggregation)) {
      problems.push(`aggregation "${String(spec.aggregation)}" is not one of ${reportAggregations.join(', ')}`);
    }
  } else if (spec.aggregation !== null && spec.aggregation !== 'Daily') {
    // Budget summary is always daily and the conflict reports have no time grain: any other grain is a
    // caller mistake, not something to drop silently.
    problems.push(`${spec.requestType} has no Aggregation element; "${spec.aggregation}" cannot be honoured`);
  }
  if (spec.columns.length === 0) problems.push('no columns requested');
  const allowed = new Set<string>(shape.columns);
  const unknown = spec.columns.filter((c) => !allowed.has(c));
  if (unknown.length > 0) problems.push(`not ${shape.columnElement} values: ${unknown.join(', ')}`);
  if (!/^[1-9]\d{0,18}$/.test(spec.accountId)) problems.push(`account id "${spec.accountId}" is not an Int64`);
  if (!Object.hasOwn(reportTimeZoneIana, spec.timeZone)) problems.push(`unknown ReportTimeZone "${spec.timeZone}"`);
  if (spec.reportName.length === 0 || spec.reportName.length > 200) problems.push('report name must be 1-200 characters');
  // XML 1.0 cannot carry control characters at all.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(spec.reportName)) problems.push('report name contains control characters');
  if (shape.hasTime) {
    const from = parseDay(spec.from);
    const to = parseDay(spec.to);
    if (!from) problems.push(`start date "${spec.from}" is not a YYYY-MM-DD date`);
    if (!to) problems.push(`end date "${spec.to}" is not a YYYY-MM-DD date`);
    if (from && to && spec.from > spec.to) problems.push(`start ${spec.from} is after end ${spec.to}`);
  }
  if (problems.length > 0) throw new RequestValidationError(`cannot build ${spec.requestType}: ${problems.join('; ')}`);
}

function toReportDate(day: string): ReportDate {
  const date = parseDay(day);
  if (!date) throw new RequestValidationError(`"${day}" is not a YYYY-MM-DD date`);
  return date;
}

/** Parses YYYY-MM-DD, refusing dates that do not exist (2024-02-30). */
function parseDay(day: string): ReportDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [Year, Month, Day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(Year, Month - 1, Day));
  if (probe.getUTCFullYear() !== Year || probe.getUTCMonth() !== Month - 1 || probe.getUTCDate() !== Day) return undefined;
  return { Day, Month, Year };
}
