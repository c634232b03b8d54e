import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../src/errors.js';
import { requestTypes, type ReportRequestType } from '../../src/reports/columnEnums.js';
import { buildReportRequest, type ReportRequestSpec } from '../../src/soap/reportRequest.js';

const base: ReportRequestSpec = {
  requestType: 'CampaignPerformanceReportRequest',
  aggregation: 'Daily',
  columns: ['TimePeriod', 'AccountId', 'CampaignId', 'Impressions'],
  accountId: '180012345',
  from: '2024-02-01',
  to: '2024-02-29',
  timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
  reportName: 'daily campaign',
};

const BASE_FIELDS = [
  'ExcludeColumnHeaders',
  'ExcludeReportFooter',
  'ExcludeReportHeader',
  'Format',
  'FormatVersion',
  'ReportName',
  'ReturnOnlyCompleteData',
];

describe('buildReportRequest', () => {
  it('builds the request in WSDL order with the fixed settings', () => {
    const r = buildReportRequest(base);
    expect(Object.keys(r)).toEqual(['attributes', ...BASE_FIELDS, 'Aggregation', 'Columns', 'Scope', 'Time']);
    expect(r).toEqual({
      attributes: { 'xsi:type': 'r:CampaignPerformanceReportRequest', 'xmlns:r': 'https://bingads.microsoft.com/Reporting/v13' },
      ExcludeColumnHeaders: false,
      ExcludeReportFooter: true,
      ExcludeReportHeader: false,
      Format: 'Csv',
      FormatVersion: '2.0',
      ReportName: 'daily campaign',
      ReturnOnlyCompleteData: false,
      Aggregation: 'Daily',
      Columns: { CampaignPerformanceReportColumn: ['TimePeriod', 'AccountId', 'CampaignId', 'Impressions'] },
      Scope: {
        AccountIds: { attributes: { 'xmlns:arr': 'http://schemas.microsoft.com/2003/10/Serialization/Arrays' }, 'arr:long': ['180012345'] },
      },
      Time: {
        CustomDateRangeEnd: { Day: 29, Month: 2, Year: 2024 },
        CustomDateRangeStart: { Day: 1, Month: 2, Year: 2024 },
        ReportTimeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
      },
    });
    // Key order is what node-soap serializes: End before Start, Day/Month/Year.
    const time = r.Time as Record<string, Record<string, number>>;
    expect(Object.keys(time)).toEqual(['CustomDateRangeEnd', 'CustomDateRangeStart', 'ReportTimeZone']);
    expect(Object.keys(time.CustomDateRangeEnd!)).toEqual(['Day', 'Month', 'Year']);
  });

  it("follows each request type's own element list (no Aggregation, no Time)", () => {
    for (const type of Object.keys(requestTypes) as ReportRequestType[]) {
      const shape = requestTypes[type];
      const spec = { ...base, requestType: type, aggregation: shape.hasAggregation ? ('Daily' as const) : null, columns: shape.columns.slice(0, 2) };
      const keys = Object.keys(buildReportRequest(spec));
      const sent = shape.elements.filter((e) => ['Aggregation', 'Columns', 'Scope', 'Time'].includes(e));
      expect(keys, type).toEqual(['attributes', ...BASE_FIELDS, ...sent]);
    }
    expect(Object.keys(buildReportRequest({ ...base, requestType: 'BudgetSummaryReportRequest', aggregation: null, columns: ['AccountId', 'Date'] }))).not.toContain('Aggregation');
  });

  it('accepts every ReportAggregation value, including the ones the catalog does not store', () => {
    for (const aggregation of ['Summary', 'Yearly', 'HourOfDay', 'DayOfWeek', 'WeeklyStartingMonday'] as const) {
      expect(buildReportRequest({ ...base, aggregation, columns: ['AccountId', 'Impressions'] }).Aggregation).toBe(aggregation);
    }
  });

  const invalid: [string, Partial<ReportRequestSpec>, RegExp][] = [
    ['start after end', { from: '2024-03-01', to: '2024-02-01' }, /start 2024-03-01 is after end 2024-02-01/],
    ['impossible date', { to: '2024-02-30' }, /end date "2024-02-30"/],
    ['not a date', { from: '02/01/2024' }, /start date "02\/01\/2024"/],
    ['non-numeric account', { accountId: 'abc' }, /account id "abc" is not an Int64/],
    ['unknown column', { columns: ['TimePeriod', 'Nope'] }, /not CampaignPerformanceReportColumn values: Nope/],
    ['no columns', { columns: [] }, /no columns requested/],
    ['missing aggregation', { aggregation: null }, /aggregation "null"/],
    ['aggregation for a type without one', { requestType: 'BudgetSummaryReportRequest', aggregation: 'Hourly', columns: ['AccountId'] }, /no Aggregation element/],
    ['unknown time zone', { timeZone: 'UTC' as ReportRequestSpec['timeZone'] }, /unknown ReportTimeZone "UTC"/],
    ['report name too long', { reportName: 'x'.repeat(201) }, /1-200 characters/],
  ];
  for (const [name, patch, message] of invalid) {
    it(`refuses ${name}`, () => {
      const build = (): unknown => buildReportRequest({ ...base, ...patch });
      expect(build).toThrow(RequestValidationError);
      expect(build).toThrow(message);
    });
  }

  it('treats Daily as harmless for types without Aggregation (budget summary is always daily)', () => {
    expect(() => buildReportRequest({ ...base, requestType: 'BudgetSummaryReportRequest', aggregation: 'Daily', columns: ['AccountId'] })).not.toThrow();
  });
});
