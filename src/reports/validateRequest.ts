import { RequestValidationError } from '../errors.js';
import type { ReportRequestSpec } from '../ports/reportRequestSpec.js';
import type { Aggregation } from './aggregations.js';
import type { ReportDefinition } from './catalog.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';
import { columnSpec } from './columnTypes.js';
import { addDays, addMonths } from './periods.js';
import {
  describeSpan,
  grainProblem,
  IMPRESSION_SHARE_COLUMNS,
  REQUIRED_COLUMNS,
  restrictedPairs,
  retentionSpan,
  supportedAggregations,
} from './requestRules.js';

/**
 * Checks a report request before any call to Microsoft, so a mistake is a clear message naming the
 * column, not a 2xxx fault minutes later. columnProblems() holds the rules that depend on the columns
 * and aggregation only; configuration uses it to refuse a bad custom report at start.
 */

const isPerformanceColumn = (c: string) => columnSpec(c).role === 'metric' && !IMPRESSION_SHARE_COLUMNS.has(c);

export function columnProblems(requestType: ReportRequestType, columns: readonly string[], aggregation: Aggregation): string[] {
  const shape = requestTypes[requestType];
  const enumColumns: readonly string[] = shape.columns;
  const allowed = new Set(enumColumns);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (!allowed.has(column)) problems.push(`column "${column}" is not a ${shape.columnElement}`);
    else if (seen.has(column)) problems.push(`column "${column}" is requested twice`);
    seen.add(column);
  }
  if (columns.length === 0) return ['no columns requested'];

  if (!supportedAggregations(requestType).includes(aggregation)) {
    problems.push(`${requestType} does not support ${aggregation} aggregation (supported: ${supportedAggregations(requestType).join(', ')})`);
  }
  if (allowed.has('TimePeriod')) {
    if (aggregation === 'Summary' && seen.has('TimePeriod')) {
      problems.push('column "TimePeriod" cannot be requested with Summary aggregation (error 2034)');
    } else if (aggregation !== 'Summary' && !seen.has('TimePeriod')) {
      problems.push(`column "TimePeriod" is required with ${aggregation} aggregation (without it Microsoft silently falls back to Summary)`);
    }
  }
  for (const required of REQUIRED_COLUMNS[requestType] ?? []) {
    if (!seen.has(required)) problems.push(`column "${required}" is required by ${requestType}`);
  }
  if (!columns.some((c) => allowed.has(c) && c !== 'TimePeriod' && columnSpec(c).role === 'attribute')) {
    problems.push('no attribute column requested (Microsoft requires at least one, e.g. AccountId)');
  }
  if (enumColumns.some(isPerformanceColumn) && !columns.some(isPerformanceColumn)) {
    problems.push('no performance column requested (Microsoft requires one that is not an impression share, e.g. Impressions)');
  }
  for (const [share, attribute] of restrictedPairs(requestType, columns)) {
    problems.push(`column "${share}" cannot be requested together with "${attribute}" (Microsoft's column restrictions)`);
  }
  for (const column of columns) {
    const grain = grainProblem(column, aggregation);
    if (grain) problems.push(`column "${column}" ${grain}`);
  }
  return problems;
}

/** The earliest day Microsoft still has data for, or undefined when it does not document one. */
export function earliestRetained(requestType: ReportRequestType, aggregation: Aggregation, today: string): string | undefined {
  const span = retentionSpan(requestType, aggregation);
  if (!span) return undefined;
  return 'months' in span ? addMonths(today, -span.months) : addDays(today, -span.days);
}

export interface ValidationContext {
  /** The report the request is for; its table aggregations are the ones allowed. */
  report: ReportDefinition;
  /** The run's aggregation (the spec's is null for request types without an Aggregation element). */
  aggregation: Aggregation;
  /** Today in the report time zone (YYYY-MM-DD): Microsoft refuses end dates after it. */
  today: string;
}

export function validateReportRequest(spec: ReportRequestSpec, context: ValidationContext): void {
  const { report, aggregation, today } = context;
  const problems = columnProblems(spec.requestType, spec.columns, aggregation);
  if (!report.aggregations.includes(aggregation)) {
    problems.push(`report ${report.name} has no ${aggregation} table (offered: ${report.aggregations.join(', ')})`);
  }
  if (spec.from > spec.to) problems.push(`window start ${spec.from} is after its end ${spec.to}`);
  if (requestTypes[spec.requestType].hasTime) {
    if (spec.to > today) problems.push(`window end ${spec.to} is after today (${today} in ${spec.timeZone}; error 2010)`);
    const earliest = earliestRetained(spec.requestType, aggregation, today);
    const span = retentionSpan(spec.requestType, aggregation);
    if (span === null) problems.push(`${spec.requestType} has no ${aggregation} data`);
    if (earliest !== undefined && span && spec.from < earliest) {
      problems.push(
        `window start ${spec.from} is older than Microsoft keeps ${aggregation} data of ${spec.requestType} (${describeSpan(span)}: earliest ${earliest})`,
      );
    }
  }
  // Scope: a request names exactly one account (Microsoft allows 1,000, REPORTING-FACTS §3.4) and
  // no campaign or ad group lists, so only the id itself can be wrong.
  if (!/^[1-9]\d{0,18}$/.test(spec.accountId)) problems.push(`account id "${spec.accountId}" is not a Microsoft account id`);
  if (problems.length > 0) {
    throw new RequestValidationError(`invalid ${report.name} ${aggregation} request (${spec.requestType}): ${problems.join('; ')}`);
  }
}
