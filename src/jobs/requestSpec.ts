import { getReport } from '../reports/catalog.js';
import { validateReportRequest } from '../reports/validateRequest.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import type { ReportRequestSpec } from '../soap/reportRequest.js';
import type { ReportTarget } from './reportJobData.js';

/** The SubmitGenerateReport request of a run, validated before anything is sent to Microsoft. */
export function buildRequestSpec(target: ReportTarget, timeZone: ReportTimeZone): ReportRequestSpec {
  const report = getReport(target.report);
  const spec: ReportRequestSpec = {
    requestType: report.requestType,
    aggregation: target.aggregation,
    columns: report.columns,
    accountId: target.accountId,
    from: target.from,
    to: target.to,
    timeZone,
    // Shown in the report header; Microsoft caps it at 200 characters.
    reportName: `msads-etl ${target.report} ${target.aggregation} ${target.accountId} ${target.from}..${target.to}`.slice(0, 200),
  };
  validateReportRequest(spec);
  return spec;
}
