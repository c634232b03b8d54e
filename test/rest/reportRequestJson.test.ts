import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../src/errors.js';
import type { ReportRequestSpec } from '../../src/ports/reportRequestSpec.js';
import { requestTypes, type ReportRequestType } from '../../src/reports/columnEnums.js';
import { buildSubmitGenerateReportBody } from '../../src/rest/reportRequestJson.js';

const base: ReportRequestSpec = {
  requestType: 'CampaignPerformanceReportRequest',
  aggregation: 'Daily',
  columns: ['TimePeriod', 'AccountId', 'CampaignId', 'Impressions'],
  accountId: '123456789',
  from: '2026-11-01',
  to: '2026-11-07',
  timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
  reportName: 'daily-campaign',
};

describe('SubmitGenerateReport JSON body', () => {
  it('writes Type, the file options, Aggregation, plain Columns, string AccountIds and a custom range', () => {
    expect(buildSubmitGenerateReportBody(base)).toEqual({
      ReportRequest: {
        Type: 'CampaignPerformanceReportRequest',
        ExcludeColumnHeaders: false,
        ExcludeReportFooter: true,
        ExcludeReportHeader: false,
        Format: 'Csv',
        FormatVersion: '2.0',
        ReportName: 'daily-campaign',
        ReturnOnlyCompleteData: false,
        Aggregation: 'Daily',
        Columns: ['TimePeriod', 'AccountId', 'CampaignId', 'Impressions'],
        Scope: { AccountIds: ['123456789'] },
        Time: {
          CustomDateRangeStart: { Day: 1, Month: 11, Year: 2026 },
          CustomDateRangeEnd: { Day: 7, Month: 11, Year: 2026 },
          ReportTimeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
        },
      },
    });
  });

  it('sends PredefinedTime alone when the spec has one', () => {
    const body = buildSubmitGenerateReportBody({ ...base, aggregation: 'DayOfWeek', predefinedTime: 'LastSevenDays' });
    expect(body.ReportRequest.Time).toEqual({ PredefinedTime: 'LastSevenDays', ReportTimeZone: base.timeZone });
  });

  it('leaves out Aggregation for types without one and Time for the two conflict reports', () => {
    const budget = buildSubmitGenerateReportBody({ ...base, requestType: 'BudgetSummaryReportRequest', aggregation: null, columns: ['AccountName'] });
    expect(budget.ReportRequest).not.toHaveProperty('Aggregation');
    expect(budget.ReportRequest).toHaveProperty('Time');
    const conflict = buildSubmitGenerateReportBody({
      ...base,
      requestType: 'NegativeKeywordConflictReportRequest',
      aggregation: null,
      columns: [requestTypes.NegativeKeywordConflictReportRequest.columns[0]],
    });
    expect(conflict.ReportRequest).not.toHaveProperty('Time');
    expect(conflict.ReportRequest).not.toHaveProperty('Aggregation');
    expect(Object.values(conflict.ReportRequest)).not.toContain(null);
  });

  it('follows the catalog for every request type: members exactly as its elements say', () => {
    for (const type of Object.keys(requestTypes) as ReportRequestType[]) {
      const shape = requestTypes[type];
      const body = buildSubmitGenerateReportBody({ ...base, requestType: type, aggregation: shape.hasAggregation ? 'Daily' : null, columns: shape.columns.slice(0, 2) });
      const sent = Object.keys(body.ReportRequest).filter((k) => ['Aggregation', 'Columns', 'Scope', 'Time'].includes(k));
      expect(sent.sort(), type).toEqual(shape.elements.filter((e) => ['Aggregation', 'Columns', 'Scope', 'Time'].includes(e)).slice().sort());
      expect(body.ReportRequest.Type).toBe(type);
    }
  });

  it('refuses bad input before anything could be sent, with the shared checks', () => {
    expect(() => buildSubmitGenerateReportBody({ ...base, columns: ['KeywordId'] })).toThrow(RequestValidationError);
    expect(() => buildSubmitGenerateReportBody({ ...base, accountId: '12a' })).toThrow(/not an Int64/);
    expect(() => buildSubmitGenerateReportBody({ ...base, from: '2026-02-30' })).toThrow(/not a YYYY-MM-DD/);
    expect(() => buildSubmitGenerateReportBody({ ...base, requestType: 'ReportRequest' as ReportRequestType })).toThrow(/unknown report request type/);
  });
});
