import type { Aggregation } from '../reports/aggregations.js';
import { requestTypes, type ReportRequestType } from '../reports/columnEnums.js';
import { missingRequired, restrictionViolations } from '../reports/columnRules.js';
import { columnSpec } from '../reports/columnTypes.js';
import { grainRefusal, IMPRESSION_SHARE_COLUMNS, supportedAggregations } from '../reports/requestRules.js';
import { SimFault } from './apiErrors.js';
import { aggregationAllowsPeriod, calendarDate, DEFAULT_REPORT_TIME_ZONE, predefinedWindow, todayIn, type DayWindow } from './reportTime.js';

/**
 * The service's semantic rules for a report request (the ones a schema cannot express), with
 * Microsoft's error codes, applied to a transport-neutral RawReportRequest: the SOAP endpoint reads one
 * from XML (reportRequestXml.ts), the REST endpoint from JSON (reportRequestJson.ts), so both serve the
 * same ReportSpec and therefore the same rows. Limits of the simulator itself (Csv 2.0 only, account
 * scope only, report types without Time) are refused with a fault that says so, rather than served wrongly.
 */

export interface ReportSpec {
  /** Local name of the derived type, e.g. CampaignPerformanceReportRequest. */
  requestType: string;
  excludeColumnHeaders: boolean;
  excludeReportFooter: boolean;
  excludeReportHeader: boolean;
  reportName: string | undefined;
  aggregation: Aggregation;
  columns: string[];
  /** Canonical decimal ids, in request order, without duplicates. */
  accountIds: string[];
  window: DayWindow;
  /** The request's ReportTimeZone, PacificTimeUSCanadaTijuana when left out: the zone of "today". */
  reportTimeZone: string;
}

/** A calendar date as sent; NaN for a part that is missing or unreadable. */
export interface RawDate {
  day: number;
  month: number;
  year: number;
}

/** A schema-valid ReportRequest as either transport carries it; undefined = absent or nil/null. */
export interface RawReportRequest {
  /** Local name of the derived type (xsi:type or JSON `Type`). */
  requestType: string;
  format: string | undefined;
  formatVersion: string | undefined;
  reportName: string | undefined;
  excludeColumnHeaders: boolean;
  excludeReportFooter: boolean;
  excludeReportHeader: boolean;
  returnOnlyCompleteData: boolean;
  /** Undefined when left out (REST: the service's default, Summary) or when the type has none. */
  aggregation: string | undefined;
  columns: string[] | undefined;
  scope: RawScope | undefined;
  time: RawTime | undefined;
}

export interface RawScope {
  /** Items as sent (digits); undefined when AccountIds is absent or nil. */
  accountIds: string[] | undefined;
  /** Which of Campaigns, AdGroups, AssetGroups hold at least one item. */
  narrowedBy: string[];
}

export interface RawTime {
  start: RawDate | undefined;
  end: RawDate | undefined;
  predefinedTime: string | undefined;
  reportTimeZone: string | undefined;
}

const simulatorLimit = (details: string) => new SimFault(201, { details: `msads-etl simulator: ${details}` });

export function applyReportRules(raw: RawReportRequest, now: number): ReportSpec {
  const format = raw.format ?? 'Csv';
  if (format !== 'Csv') throw simulatorLimit(`Format ${format} is not served; request Csv.`);
  if (raw.formatVersion !== '2.0') throw simulatorLimit(`FormatVersion ${raw.formatVersion ?? '(omitted, i.e. 1.0)'} is not served; request FormatVersion 2.0.`);
  if (raw.reportName !== undefined && raw.reportName.length > 200) throw new SimFault(2006, { details: 'ReportName is longer than 200 characters.' });

  const columns = readColumns(raw.columns);
  const aggregation = readAggregation(raw, columns);
  const window = readTime(raw.time, aggregation, now, raw.returnOnlyCompleteData);
  return {
    requestType: raw.requestType,
    excludeColumnHeaders: raw.excludeColumnHeaders,
    excludeReportFooter: raw.excludeReportFooter,
    excludeReportHeader: raw.excludeReportHeader,
    reportName: raw.reportName,
    aggregation,
    columns,
    accountIds: readScope(raw.scope),
    window,
    reportTimeZone: raw.time?.reportTimeZone?.trim() ?? DEFAULT_REPORT_TIME_ZONE,
  };
}

/**
 * The grain rows are generated at. Types without an Aggregation element have their own (BudgetSummary
 * is by day, the others one set of rows for the window); without a TimePeriod column Microsoft silently
 * falls back to Summary, and so does the simulator. A left-out Aggregation is Summary (the default).
 */
function readAggregation(raw: RawReportRequest, columns: readonly string[]): Aggregation {
  const requestType = raw.requestType;
  const shape = (requestTypes as Record<string, (typeof requestTypes)[ReportRequestType] | undefined>)[requestType];
  if (!shape) throw new SimFault(2002, { details: requestType });
  if (!shape.hasTime) throw simulatorLimit(`${requestType} has no Time element and is not generated.`);
  const type = requestType as ReportRequestType;
  let aggregation: Aggregation = type === 'BudgetSummaryReportRequest' ? 'Daily' : 'Summary';
  if (shape.hasAggregation) {
    aggregation = (raw.aggregation?.trim() ?? 'Summary') as Aggregation;
    if (columns.includes('TimePeriod') && aggregation === 'Summary') throw new SimFault(2034);
    if (!columns.includes('TimePeriod')) aggregation = 'Summary';
  }
  if (!supportedAggregations(type).includes(aggregation)) throw new SimFault(2059, { details: `${requestType}: ${aggregation}` });
  checkColumnRules(type, columns, aggregation);
  return aggregation;
}

/**
 * Microsoft's documented column rules (src/reports/columnRules.ts), with its codes: required columns
 * 2015, no performance column 2017, a restricted combination 2064, a column refused at the grain 2052,
 * 2053 or 2054. Impression shares Microsoft accepts by hour are served, as empty values.
 */
function checkColumnRules(type: ReportRequestType, columns: readonly string[], aggregation: Aggregation): void {
  const enumColumns: readonly string[] = requestTypes[type].columns;
  const missing = missingRequired(type, columns);
  if (missing.columns.length > 0 || missing.oneOf) throw new SimFault(2015, { details: [...missing.columns, ...(missing.oneOf ?? [])].join(',') });
  const isMeasure = (c: string) => enumColumns.includes(c) && columnSpec(c).role === 'metric' && !IMPRESSION_SHARE_COLUMNS.has(c);
  if (enumColumns.some(isMeasure) && !columns.some(isMeasure)) throw new SimFault(2017);
  const restricted = restrictionViolations(type, columns)[0];
  if (restricted) throw new SimFault(2064, { details: [...restricted.statistics, ...restricted.attributes].join(',') });
  for (const column of columns) {
    const refusal = grainRefusal(type, column, aggregation);
    if (refusal) throw new SimFault(refusal.code, { details: column });
  }
}

function readColumns(items: readonly string[] | undefined): string[] {
  if (!items || items.length === 0) throw new SimFault(2014);
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const c of items) (seen.has(c) ? duplicates : seen).add(c);
  if (duplicates.size > 0) throw new SimFault(2016, { details: [...duplicates].join(',') });
  return [...items];
}

function readScope(scope: RawScope | undefined): string[] {
  if (!scope) throw new SimFault(2026, { details: 'Scope is nil.' });
  const narrowed = scope.narrowedBy[0];
  if (narrowed !== undefined) throw simulatorLimit(`Scope.${narrowed} is not served; scope reports by AccountIds only.`);
  const items = scope.accountIds ?? [];
  if (items.length === 0) throw new SimFault(2026);
  const accountIds = [...new Set(items.map((id) => BigInt(id.trim()).toString()))];
  if (accountIds.length > 1000) throw new SimFault(2029);
  return accountIds;
}

function readDate(date: RawDate, bound: 'CustomDateRangeStart' | 'CustomDateRangeEnd'): string {
  const day = calendarDate(date.day, date.month, date.year);
  if (day === undefined) throw new SimFault(113, { details: `${bound} is not a calendar date.` });
  return day;
}

function readTime(time: RawTime | undefined, aggregation: string, now: number, returnOnlyComplete: boolean): DayWindow {
  if (!time) throw new SimFault(2008, { details: 'Time is nil.' });
  const { end, start } = time;
  const predefined = time.predefinedTime?.trim();
  const today = todayIn(time.reportTimeZone?.trim() ?? DEFAULT_REPORT_TIME_ZONE, now);
  if (predefined !== undefined && (end || start)) throw new SimFault(2008, { details: 'Both PredefinedTime and a custom date range are set.' });
  let window: DayWindow;
  if (predefined !== undefined) {
    window = predefinedWindow(predefined, today);
  } else {
    if (!end || !start) throw new SimFault(2008, { details: 'Set both CustomDateRangeStart and CustomDateRangeEnd, or PredefinedTime.' });
    window = { from: readDate(start, 'CustomDateRangeStart'), to: readDate(end, 'CustomDateRangeEnd') };
    if (window.from > window.to) throw new SimFault(2011, { details: `${window.from} > ${window.to}` });
    if (window.to > today) throw new SimFault(2010, { details: `CustomDateRangeEnd ${window.to} is after today (${today} in the report time zone).` });
  }
  if (!aggregationAllowsPeriod(aggregation, predefined)) {
    throw new SimFault(2007, { details: `Aggregation ${aggregation} with ${predefined ?? 'a custom date range'}.` });
  }
  if (returnOnlyComplete && window.to >= today) throw new SimFault(2005);
  return window;
}
