import { RequestValidationError } from '../errors.js';
import { requestTypes, type ReportRequestType } from '../reports/columnEnums.js';
import { reportTimeZoneIana } from '../reports/timeZones.js';
import { reportAggregations, type ReportRequestSpec } from './reportRequestSpec.js';

/**
 * The checks every adapter runs on a ReportRequestSpec before serializing it: input that could not be
 * turned into a schema-valid request is refused here, with the same message whichever API is used.
 * Semantic rules (required columns, TimePeriod vs Summary) live in src/reports/validateRequest.ts.
 */

/** A calendar date as Microsoft's Date type has it (SOAP elements, REST object members). */
export interface ReportDate {
  Day: number;
  Month: number;
  Year: number;
}

export function checkReportRequestSpec(spec: ReportRequestSpec): (typeof requestTypes)[ReportRequestType] {
  const shape = requestTypes[spec.requestType] as (typeof requestTypes)[ReportRequestType] | undefined;
  if (!shape) throw new RequestValidationError(`unknown report request type "${String(spec.requestType)}"`);
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
  // XML 1.0 cannot carry control characters at all; refused for both APIs so a name works on either.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(spec.reportName)) problems.push('report name contains control characters');
  if (shape.hasTime) {
    const from = parseDay(spec.from);
    const to = parseDay(spec.to);
    if (!from) problems.push(`start date "${spec.from}" is not a YYYY-MM-DD date`);
    if (!to) problems.push(`end date "${spec.to}" is not a YYYY-MM-DD date`);
    if (from && to && spec.from > spec.to) problems.push(`start ${spec.from} is after end ${spec.to}`);
  }
  if (problems.length > 0) throw new RequestValidationError(`cannot build ${spec.requestType}: ${problems.join('; ')}`);
  return shape;
}

/** Parses YYYY-MM-DD, refusing dates that do not exist (2024-02-30). */
export function parseDay(day: string): ReportDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [Year, Month, Day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(Year, Month - 1, Day));
  if (probe.getUTCFullYear() !== Year || probe.getUTCMonth() !== Month - 1 || probe.getUTCDate() !== Day) return undefined;
  return { Day, Month, Year };
}

/** The Date of a YYYY-MM-DD day, as both adapters send it; a day that does not exist is refused. */
export function toReportDate(day: string): ReportDate {
  const date = parseDay(day);
  if (!date) throw new RequestValidationError(`"${day}" is not a YYYY-MM-DD date`);
  return { Day: date.Day, Month: date.Month, Year: date.Year };
}
