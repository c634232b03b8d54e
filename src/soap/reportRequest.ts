import { checkReportRequestSpec, toReportDate } from '../ports/checkRequestSpec.js';
import { REPORT_FILE_OPTIONS, type ReportRequestSpec } from '../ports/reportRequestSpec.js';
import { NS } from './namespaces.js';

/**
 * Builds the node-soap argument for `<ReportRequest>` of SubmitGenerateReport. Pure: no I/O, no clock.
 *
 * node-soap writes object keys in insertion order and only knows the base type's sequence, so every key
 * below is written in Microsoft's XSD order (REPORTING-FACTS §3.2, §11.1). Semantic checks (required
 * columns, TimePeriod vs Summary) live in src/reports/validateRequest.ts; this module only refuses input
 * that could not be serialized into a schema-valid request.
 */

export { reportAggregations, type ReportAggregation, type ReportRequestSpec } from '../ports/reportRequestSpec.js';

export function buildReportRequest(spec: ReportRequestSpec): Record<string, unknown> {
  const shape = checkReportRequestSpec(spec);

  const request: Record<string, unknown> = {
    // The prefix is declared right here so xsi:type resolves whatever prefixes the envelope carries
    // (we strip the WSDL's declarations from the envelope, see reportingClient.ts).
    attributes: { 'xsi:type': `r:${spec.requestType}`, 'xmlns:r': NS.reporting },
    // Microsoft's XSD order: the base members sort alphabetically, ReportName between Format* and Return*.
    ExcludeColumnHeaders: REPORT_FILE_OPTIONS.ExcludeColumnHeaders,
    ExcludeReportFooter: REPORT_FILE_OPTIONS.ExcludeReportFooter,
    ExcludeReportHeader: REPORT_FILE_OPTIONS.ExcludeReportHeader,
    Format: REPORT_FILE_OPTIONS.Format,
    FormatVersion: REPORT_FILE_OPTIONS.FormatVersion,
    ReportName: spec.reportName,
    ReturnOnlyCompleteData: REPORT_FILE_OPTIONS.ReturnOnlyCompleteData,
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
