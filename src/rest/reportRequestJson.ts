import { checkReportRequestSpec, toReportDate } from '../ports/checkRequestSpec.js';
import { REPORT_FILE_OPTIONS, type ReportRequestSpec } from '../ports/reportRequestSpec.js';

/**
 * Builds the SubmitGenerateReport JSON body `{"ReportRequest": {…}}` from a spec (REST-FACTS §4, §5).
 * Pure: no I/O, no clock. Which members a type has comes from the catalog (`requestTypes` via
 * checkReportRequestSpec), never from a second list. JSON member order is irrelevant, so the members
 * follow the SOAP builder's order for easy comparison.
 *
 * Encoding: the derived type is the `Type` member; ids are decimal strings; arrays are plain arrays
 * (no SOAP `{"long": […]}`); dates are `{Day, Month, Year}`; unset members are left out.
 */

export interface SubmitGenerateReportBody {
  ReportRequest: Record<string, unknown>;
}

export function buildSubmitGenerateReportBody(spec: ReportRequestSpec): SubmitGenerateReportBody {
  const shape = checkReportRequestSpec(spec);
  const request: Record<string, unknown> = {
    Type: spec.requestType,
    ...REPORT_FILE_OPTIONS,
    ReportName: spec.reportName,
  };
  for (const element of shape.elements) {
    switch (element) {
      case 'Aggregation':
        // Not nillable in the schema: only present when the spec has one (checked above).
        if (spec.aggregation !== null) request.Aggregation = spec.aggregation;
        break;
      case 'Columns':
        request.Columns = [...spec.columns];
        break;
      case 'Scope':
        // Every scope type of the catalog has AccountIds (int64 → string, §4).
        request.Scope = { AccountIds: [spec.accountId] };
        break;
      case 'Time':
        // Never PredefinedTime together with a custom range (2008, §12).
        request.Time =
          spec.predefinedTime === undefined
            ? { CustomDateRangeStart: toReportDate(spec.from), CustomDateRangeEnd: toReportDate(spec.to), ReportTimeZone: spec.timeZone }
            : { PredefinedTime: spec.predefinedTime, ReportTimeZone: spec.timeZone };
        break;
      default:
        // Filter, MaxRows, Sort: optional and unused.
        break;
    }
  }
  return { ReportRequest: request };
}
