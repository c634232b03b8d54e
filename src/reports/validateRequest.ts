import { RequestValidationError } from '../errors.js';
import type { ReportRequestSpec } from '../ports/reportRequestSpec.js';
import type { Aggregation } from './aggregations.js';
import type { ReportDefinition } from './catalog.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';
import { columnSpec } from './columnTypes.js';
import { addDays, addMonths } from './periods.js';
import { columnPage, GENERAL_REQUIREMENT, missingRequired, REQUIRED_ONE_OF, REQUIRED_WORDING, restrictionViolations } from './columnRules.js';
import { describeSpan, grainRefusal, IMPRESSION_SHARE_COLUMNS, retentionSpan, supportedAggregations } from './requestRules.js';

/**
 * Checks a report request before any call to Microsoft, so a mistake is a clear message naming the
 * column, not a 2xxx fault minutes later. columnProblems() holds the rules that depend on the columns
 * and aggregation only; configuration uses it to refuse a bad custom report at start. A refusal of one
 * of Microsoft's documented column rules quotes the rule's words and names its page (columnRules.ts).
 */

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
const plural = (word: string, items: readonly unknown[]) => (items.length === 1 ? word : `${word}s`);

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
  const missing = missingRequired(requestType, columns);
  for (const required of missing.columns) {
    problems.push(`column "${required}" is required by ${requestType} (${columnPage(requestType, 'requiredcolumns')}: "${REQUIRED_WORDING}")`);
  }
  const oneOf = REQUIRED_ONE_OF[requestType];
  if (missing.oneOf && oneOf) problems.push(`one of ${quoted(missing.oneOf)} is required by ${requestType} (${oneOf.source}: "${oneOf.wording}")`);
  const general = `${GENERAL_REQUIREMENT.source}: "${GENERAL_REQUIREMENT.wording}"`;
  if (!columns.some((c) => allowed.has(c) && c !== 'TimePeriod' && columnSpec(c).role === 'attribute')) {
    problems.push(`no attribute column requested, e.g. AccountId (${general})`);
  }
  if (enumColumns.some(isPerformanceColumn) && !columns.some(isPerformanceColumn)) {
    problems.push(`no performance column requested that is not an impression share, e.g. Impressions (${general})`);
  }
  for (const { rule, statistics, attributes } of restrictionViolations(requestType, columns)) {
    problems.push(
      `${plural('column', statistics)} ${quoted(statistics)} cannot be requested together with ${quoted(attributes)} ` +
        `(Microsoft's column restrictions for ${requestType}, ${rule.source}: "${rule.wording}")`,
    );
  }
  for (const column of columns) {
    const refusal = grainRefusal(requestType, column, aggregation);
    if (refusal) problems.push(`column "${column}" ${refusal.message}`);
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
