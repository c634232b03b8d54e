import type { RawDate, RawReportRequest, RawScope, RawTime } from './reportRequest.js';

/**
 * Reads a REST `ReportRequest` object, already checked by the JSON validator, into the transport-neutral
 * RawReportRequest that reportRequest.ts applies Microsoft's rules to (the SOAP twin is
 * reportRequestXml.ts). `null` and a left-out member mean the same (REST-FACTS §4).
 */

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map((x) => String(x)) : undefined);

export function rawReportRequestFromJson(request: Json): RawReportRequest {
  return {
    requestType: str(request.Type) ?? '',
    format: str(request.Format),
    formatVersion: str(request.FormatVersion),
    reportName: str(request.ReportName),
    excludeColumnHeaders: request.ExcludeColumnHeaders === true,
    excludeReportFooter: request.ExcludeReportFooter === true,
    excludeReportHeader: request.ExcludeReportHeader === true,
    returnOnlyCompleteData: request.ReturnOnlyCompleteData === true,
    aggregation: str(request.Aggregation),
    columns: strings(request.Columns),
    scope: readScope(obj(request.Scope)),
    time: readTime(obj(request.Time)),
  };
}

function readScope(scope: Json | undefined): RawScope | undefined {
  if (!scope) return undefined;
  const narrowedBy = ['Campaigns', 'AdGroups', 'AssetGroups'].filter((name) => {
    const items = scope[name];
    return Array.isArray(items) && items.length > 0;
  });
  return { accountIds: strings(scope.AccountIds), narrowedBy };
}

function readDate(date: Json | undefined): RawDate | undefined {
  if (!date) return undefined;
  const part = (name: string) => (typeof date[name] === 'number' ? (date[name] as number) : Number.NaN);
  return { day: part('Day'), month: part('Month'), year: part('Year') };
}

function readTime(time: Json | undefined): RawTime | undefined {
  if (!time) return undefined;
  return {
    start: readDate(obj(time.CustomDateRangeStart)),
    end: readDate(obj(time.CustomDateRangeEnd)),
    predefinedTime: str(time.PredefinedTime)?.trim(),
    reportTimeZone: str(time.ReportTimeZone)?.trim(),
  };
}
