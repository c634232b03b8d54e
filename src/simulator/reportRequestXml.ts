import type { Element } from '@xmldom/xmldom';
import { NS } from '../soap/namespaces.js';
import type { RawDate, RawReportRequest, RawScope, RawTime } from './reportRequest.js';
import { child, childElements, isNil, textOf } from './soapXml.js';

/**
 * Reads a schema-valid SOAP `<ReportRequest>` element into the transport-neutral RawReportRequest that
 * reportRequest.ts applies Microsoft's rules to (the REST twin is reportRequestJson.ts).
 */

const flag = (el: Element, name: string) => ['true', '1'].includes(textOf(child(el, name))?.trim() ?? '');

/** A child that is present and not nil. */
const present = (el: Element, name: string) => {
  const found = child(el, name);
  return found && !isNil(found) ? found : undefined;
};

export function rawReportRequestFromXml(request: Element, requestType: string): RawReportRequest {
  const columns = present(request, 'Columns');
  return {
    requestType,
    format: textOf(child(request, 'Format')),
    formatVersion: textOf(child(request, 'FormatVersion')),
    reportName: textOf(child(request, 'ReportName')),
    excludeColumnHeaders: flag(request, 'ExcludeColumnHeaders'),
    excludeReportFooter: flag(request, 'ExcludeReportFooter'),
    excludeReportHeader: flag(request, 'ExcludeReportHeader'),
    returnOnlyCompleteData: flag(request, 'ReturnOnlyCompleteData'),
    aggregation: textOf(child(request, 'Aggregation')),
    columns: columns ? childElements(columns).map((c) => textOf(c) ?? '') : undefined,
    scope: readScope(present(request, 'Scope')),
    time: readTime(present(request, 'Time')),
  };
}

function readScope(scope: Element | undefined): RawScope | undefined {
  if (!scope) return undefined;
  const narrowedBy = ['Campaigns', 'AdGroups', 'AssetGroups'].filter((name) => {
    const el = present(scope, name);
    return el !== undefined && childElements(el).length > 0;
  });
  const ids = present(scope, 'AccountIds');
  // Only <long> items in the Arrays namespace reach the service; WCF skips the others.
  const items = ids ? childElements(ids).filter((c) => c.localName === 'long' && c.namespaceURI === NS.arrays) : undefined;
  return { accountIds: items?.map((c) => (textOf(c) ?? '').trim()), narrowedBy };
}

function readDate(el: Element | undefined): RawDate | undefined {
  if (!el) return undefined;
  const part = (name: string) => Number((textOf(child(el, name)) ?? '').trim());
  return { day: part('Day'), month: part('Month'), year: part('Year') };
}

function readTime(time: Element | undefined): RawTime | undefined {
  if (!time) return undefined;
  return {
    start: readDate(present(time, 'CustomDateRangeStart')),
    end: readDate(present(time, 'CustomDateRangeEnd')),
    predefinedTime: textOf(present(time, 'PredefinedTime'))?.trim(),
    reportTimeZone: textOf(present(time, 'ReportTimeZone'))?.trim(),
  };
}
