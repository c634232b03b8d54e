import type { Element } from '@xmldom/xmldom';
import type { Aggregation } from '../reports/aggregations.js';
import { requestTypes, type ReportRequestType } from '../reports/columnEnums.js';
import { grainProblem, HISTORICAL_SCORE_COLUMNS, QUALITY_SCORE_COLUMNS, REQUIRED_COLUMNS, supportedAggregations } from '../reports/requestRules.js';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import { aggregationAllowsPeriod, calendarDate, DEFAULT_REPORT_TIME_ZONE, predefinedWindow, todayIn, type DayWindow } from './reportTime.js';
import { child, childElements, isNil, textOf } from './soapXml.js';

/**
 * Reads a schema-valid `<ReportRequest>` into what the simulator serves, applying the service's
 * semantic rules (the ones a schema cannot express) with Microsoft's error codes. Limits of the
 * simulator itself (Csv 2.0 only, account scope only, report types without Time) are refused with a
 * fault that says so, rather than served wrongly.
 */

export interface ReportSpec {
  /** Local name of the xsi:type, e.g. CampaignPerformanceReportRequest. */
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
}

const flag = (el: Element, name: string) => ['true', '1'].includes(textOf(child(el, name))?.trim() ?? '');

const simulatorLimit = (details: string) => new SimFault(201, { details: `msads-etl simulator: ${details}` });

export function readReportRequest(request: Element, requestType: string, now: number): ReportSpec {
  const format = textOf(child(request, 'Format')) ?? 'Csv';
  if (format !== 'Csv') throw simulatorLimit(`Format ${format} is not served; request Csv.`);
  const formatVersion = textOf(child(request, 'FormatVersion'));
  if (formatVersion !== '2.0') throw simulatorLimit(`FormatVersion ${formatVersion ?? '(omitted, i.e. 1.0)'} is not served; request FormatVersion 2.0.`);
  const reportName = textOf(child(request, 'ReportName'));
  if (reportName !== undefined && reportName.length > 200) throw new SimFault(2006, { details: 'ReportName is longer than 200 characters.' });

  const columns = readColumns(request);
  const aggregation = readAggregation(request, requestType, columns);
  const returnOnlyComplete = flag(request, 'ReturnOnlyCompleteData');
  const window = readTime(child(request, 'Time'), aggregation, now, returnOnlyComplete);
  return {
    requestType,
    excludeColumnHeaders: flag(request, 'ExcludeColumnHeaders'),
    excludeReportFooter: flag(request, 'ExcludeReportFooter'),
    excludeReportHeader: flag(request, 'ExcludeReportHeader'),
    reportName,
    aggregation,
    columns,
    accountIds: readScope(child(request, 'Scope')),
    window,
  };
}

/**
 * The grain rows are generated at. Types without an Aggregation element have their own (BudgetSummary
 * is by day, the others one set of rows for the window); without a TimePeriod column Microsoft silently
 * falls back to Summary, and so does the simulator.
 */
function readAggregation(request: Element, requestType: string, columns: readonly string[]): Aggregation {
  const shape = (requestTypes as Record<string, (typeof requestTypes)[ReportRequestType] | undefined>)[requestType];
  if (!shape) throw new SimFault(2002, { details: requestType });
  if (!shape.hasTime) throw simulatorLimit(`${requestType} has no Time element and is not generated.`);
  const type = requestType as ReportRequestType;
  let aggregation: Aggregation = type === 'BudgetSummaryReportRequest' ? 'Daily' : 'Summary';
  if (shape.hasAggregation) {
    aggregation = (textOf(child(request, 'Aggregation'))?.trim() ?? '') as Aggregation;
    if (columns.includes('TimePeriod') && aggregation === 'Summary') throw new SimFault(2034);
    if (!columns.includes('TimePeriod')) aggregation = 'Summary';
  }
  if (!supportedAggregations(type).includes(aggregation)) throw new SimFault(2059, { details: `${requestType}: ${aggregation}` });
  const missing = (REQUIRED_COLUMNS[type] ?? []).filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new SimFault(2015, { details: missing.join(',') });
  for (const column of columns) {
    // Impression shares by hour are served (as empty values), as Microsoft does; the scores are refused.
    const problem = grainProblem(column, aggregation);
    if (problem && QUALITY_SCORE_COLUMNS.has(column)) throw new SimFault(2052, { details: column });
    if (problem && HISTORICAL_SCORE_COLUMNS.has(column)) throw new SimFault(2054, { details: column });
  }
  return aggregation;
}

function readColumns(request: Element): string[] {
  const columns = child(request, 'Columns');
  const items = columns && !isNil(columns) ? childElements(columns).map((c) => textOf(c) ?? '') : [];
  if (items.length === 0) throw new SimFault(2014);
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const c of items) (seen.has(c) ? duplicates : seen).add(c);
  if (duplicates.size > 0) throw new SimFault(2016, { details: [...duplicates].join(',') });
  return items;
}

function readScope(scope: Element | undefined): string[] {
  if (!scope || isNil(scope)) throw new SimFault(2026, { details: 'Scope is nil.' });
  for (const name of ['Campaigns', 'AdGroups', 'AssetGroups']) {
    const el = child(scope, name);
    if (el && !isNil(el) && childElements(el).length > 0) {
      throw simulatorLimit(`Scope.${name} is not served; scope reports by AccountIds only.`);
    }
  }
  const ids = child(scope, 'AccountIds');
  const items = ids && !isNil(ids) ? childElements(ids).filter((c) => c.localName === 'long' && c.namespaceURI === NS.arrays) : [];
  if (items.length === 0) throw new SimFault(2026);
  const accountIds = [...new Set(items.map((c) => BigInt((textOf(c) ?? '').trim()).toString()))];
  if (accountIds.length > 1000) throw new SimFault(2029);
  return accountIds;
}

function readDate(el: Element, bound: 'CustomDateRangeStart' | 'CustomDateRangeEnd'): string {
  const part = (name: string) => Number((textOf(child(el, name)) ?? '').trim());
  const date = calendarDate(part('Day'), part('Month'), part('Year'));
  if (date === undefined) throw new SimFault(113, { details: `${bound} is not a calendar date.` });
  return date;
}

function readTime(time: Element | undefined, aggregation: string, now: number, returnOnlyComplete: boolean): DayWindow {
  if (!time || isNil(time)) throw new SimFault(2008, { details: 'Time is nil.' });
  const present = (name: string) => {
    const el = child(time, name);
    return el && !isNil(el) ? el : undefined;
  };
  const end = present('CustomDateRangeEnd');
  const start = present('CustomDateRangeStart');
  const predefined = textOf(present('PredefinedTime'))?.trim();
  const today = todayIn(textOf(present('ReportTimeZone'))?.trim() ?? DEFAULT_REPORT_TIME_ZONE, now);
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
