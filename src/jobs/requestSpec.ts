import { RequestValidationError } from '../errors.js';
import { windowKind, type Aggregation } from '../reports/aggregations.js';
import { requestColumns, type ReportDefinition } from '../reports/catalog.js';
import { requestTypes } from '../reports/columnEnums.js';
import { acceptsCustomRange, ALLOWED_PERIODS, periodEnd, periodStart, predefinedPeriodFor, predefinedWindow, todayIn, type DayWindow } from '../reports/periods.js';
import type { ReportRegistry } from '../reports/registry.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import { earliestRetained, validateReportRequest } from '../reports/validateRequest.js';
import type { ReportRequestSpec } from '../ports/reportRequestSpec.js';
import type { ReportTarget } from './reportJobData.js';

/** What building a request needs from the run's dependencies. */
export interface RequestSpecContext {
  reports: ReportRegistry;
  timeZone: ReportTimeZone;
  now: () => number;
}

/** The SubmitGenerateReport request of a run, validated before anything is sent to Microsoft. */
export function buildRequestSpec(target: ReportTarget, context: RequestSpecContext): ReportRequestSpec {
  const report = context.reports.get(target.report);
  const aggregation = target.aggregation;
  const today = todayIn(context.timeZone, context.now());
  const base: ReportRequestSpec = {
    requestType: report.requestType,
    // Request types without an Aggregation element (BudgetSummary: always by day) send none.
    aggregation: requestTypes[report.requestType].hasAggregation ? aggregation : null,
    columns: requestColumns(report, aggregation),
    accountId: target.accountId,
    from: target.from,
    to: target.to,
    timeZone: context.timeZone,
    // Shown in the report header; Microsoft caps it at 200 characters.
    reportName: `msads-etl ${target.report} ${aggregation} ${target.accountId} ${target.from}..${target.to}`.slice(0, 200),
  };
  // The run's own window is checked (retention, end not after today) before it is widened below.
  validateReportRequest(base, { report, aggregation, today });
  return { ...base, ...requestTime(report, aggregation, target, today) };
}

/**
 * The time part of the request:
 * - Weekly, Monthly, Yearly …: widened to whole periods (back to the first period's start, forward to
 *   the last one's end, but not past today or before Microsoft's retention), so every row Microsoft
 *   returns covers its whole period and a load never replaces a full week with a partial one.
 * - DayOfWeek, HourOfDay: Microsoft takes only predefined periods, so the window must be one of them.
 * - Hourly, Daily, Summary: the window as it is.
 */
function requestTime(
  report: ReportDefinition,
  aggregation: Aggregation,
  window: DayWindow,
  today: string,
): Pick<ReportRequestSpec, 'from' | 'to' | 'predefinedTime'> {
  if (!acceptsCustomRange(aggregation)) {
    const predefinedTime = predefinedPeriodFor(aggregation, window, today);
    if (predefinedTime === undefined) {
      const offered = ALLOWED_PERIODS[aggregation].map((p) => {
        const w = predefinedWindow(p, today);
        return `${p} (${w.from}..${w.to})`;
      });
      throw new RequestValidationError(
        `invalid ${report.name} ${aggregation} request: Microsoft takes ${aggregation} only for a predefined period; ` +
          `window ${window.from}..${window.to} is none of them today (${today}): ${offered.join(', ')}`,
      );
    }
    return { from: window.from, to: window.to, predefinedTime };
  }
  if (windowKind(aggregation) !== 'calendar') return { from: window.from, to: window.to };
  const earliest = earliestRetained(report.requestType, aggregation, today);
  const from = periodStart(aggregation, window.from);
  const to = periodEnd(aggregation, window.to);
  return { from: earliest !== undefined && from < earliest ? earliest : from, to: to > today ? today : to };
}
