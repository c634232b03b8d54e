import { RequestValidationError } from '../errors.js';
import type { ReportRequestSpec } from '../soap/reportRequest.js';
import { requestTypes } from './columnEnums.js';

/**
 * Checks a report request before any call to Microsoft, so a mistake is a clear message naming the
 * column, not a 2xxx fault minutes later.
 */
export function validateReportRequest(spec: ReportRequestSpec): void {
  const shape = requestTypes[spec.requestType];
  const problems: string[] = [];
  const allowed = new Set<string>(shape.columns);
  const seen = new Set<string>();
  for (const column of spec.columns) {
    if (!allowed.has(column)) problems.push(`column "${column}" is not a ${shape.columnElement}`);
    if (seen.has(column)) problems.push(`column "${column}" is requested twice`);
    seen.add(column);
  }
  if (spec.columns.length === 0) problems.push('no columns requested');
  if (shape.hasAggregation && spec.aggregation !== 'Summary' && !seen.has('TimePeriod') && allowed.has('TimePeriod')) {
    problems.push('TimePeriod must be requested unless the aggregation is Summary (Microsoft would silently fall back to Summary)');
  }
  if (spec.aggregation === 'Summary' && seen.has('TimePeriod')) {
    problems.push('TimePeriod cannot be requested with Summary aggregation (error 2034)');
  }
  if (spec.from > spec.to) problems.push(`window start ${spec.from} is after its end ${spec.to}`);
  if (!/^\d{1,19}$/.test(spec.accountId)) problems.push(`account id "${spec.accountId}" is not numeric`);
  if (problems.length > 0) {
    throw new RequestValidationError(`invalid ${spec.requestType}: ${problems.join('; ')}`);
  }
}
