import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../src/errors.js';
import { buildRequestSpec } from '../../src/jobs/requestSpec.js';
import type { Aggregation } from '../../src/reports/aggregations.js';
import { reports, type ReportDefinition } from '../../src/reports/catalog.js';
import { customReportDefinition } from '../../src/reports/customReports.js';
import { createReportRegistry } from '../../src/reports/registry.js';
import { columnProblems, validateReportRequest } from '../../src/reports/validateRequest.js';
import type { ReportRequestSpec } from '../../src/soap/reportRequest.js';

/** Every rule checked before a request goes to Microsoft, each refusal naming what is wrong. */

// Saturday 2026-11-28, noon UTC.
const NOW = Date.parse('2026-11-28T12:00:00Z');
const TODAY = '2026-11-28';
const custom = customReportDefinition({
  name: 'campaign_weekday',
  requestType: 'CampaignPerformanceReportRequest',
  columns: ['CampaignId', 'Impressions', 'Clicks'],
  aggregation: ['DayOfWeek', 'Summary', 'Yearly'],
});
const registry = createReportRegistry([custom]);
const context = { reports: registry, timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const, now: () => NOW };
const target = (report: string, aggregation: Aggregation, from: string, to: string) => ({
  connectionId: 'c',
  customerId: '1',
  accountId: '180012345',
  report,
  aggregation,
  from,
  to,
});

function spec(requestType: ReportRequestSpec['requestType'], columns: string[], overrides: Partial<ReportRequestSpec> = {}): ReportRequestSpec {
  return {
    requestType,
    aggregation: 'Daily',
    columns,
    accountId: '180012345',
    from: '2026-11-01',
    to: '2026-11-07',
    timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
    reportName: 'test',
    ...overrides,
  };
}

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestValidationError);
    return (err as Error).message;
  }
  throw new Error('expected a RequestValidationError');
};

describe('columnProblems', () => {
  const campaign = 'CampaignPerformanceReportRequest' as const;
  it.each([
    ['a column outside the enum', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'Keyword'], 'Daily', 'column "Keyword" is not a CampaignPerformanceReportColumn'],
    ['a column twice', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'Clicks'], 'Daily', 'column "Clicks" is requested twice'],
    ['TimePeriod left out', campaign, ['CampaignId', 'Clicks'], 'Daily', 'column "TimePeriod" is required with Daily aggregation'],
    ['TimePeriod with Summary', campaign, ['TimePeriod', 'CampaignId', 'Clicks'], 'Summary', 'column "TimePeriod" cannot be requested with Summary aggregation (error 2034)'],
    ['a required column left out', 'SearchQueryPerformanceReportRequest', ['TimePeriod', 'AccountId', 'Clicks'], 'Daily', 'column "SearchQuery" is required by SearchQueryPerformanceReportRequest'],
    ['age and gender left out', 'AgeGenderAudienceReportRequest', ['TimePeriod', 'AccountName', 'AdGroupName', 'Clicks'], 'Daily', 'column "AgeGroup" is required'],
    ['no attribute', campaign, ['TimePeriod', 'Clicks'], 'Daily', 'no attribute column requested'],
    ['only impression shares', campaign, ['TimePeriod', 'CampaignId', 'ImpressionSharePercent'], 'Daily', 'no performance column requested'],
    ['impression share with DeviceOS', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'ImpressionSharePercent', 'DeviceOS'], 'Daily', 'column "ImpressionSharePercent" cannot be requested together with "DeviceOS"'],
    ['impression share with BudgetName', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'TopImpressionSharePercent', 'BudgetName'], 'Daily', '"TopImpressionSharePercent" cannot be requested together with "BudgetName"'],
    ['audience share with CustomerId', 'AccountPerformanceReportRequest', ['TimePeriod', 'AccountId', 'Clicks', 'AudienceImpressionSharePercent', 'CustomerId'], 'Daily', '"AudienceImpressionSharePercent" cannot be requested together with "CustomerId"'],
    ['impression share by hour', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'ImpressionSharePercent'], 'Hourly', 'column "ImpressionSharePercent" is refused with Hourly aggregation (reporting-service/campaignperformancereportcolumn.md#impressionsharepercent: "If you try to include this column with Hourly or HourOfDay aggregation the service will return code 2053.")'],
    ['quality score by week', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'QualityScore'], 'Weekly', 'column "QualityScore" is only available with Hourly, Daily or Summary aggregation (error 2052)'],
    ['historical score by hour', campaign, ['TimePeriod', 'CampaignId', 'Clicks', 'HistoricalQualityScore'], 'Hourly', 'column "HistoricalQualityScore" is only available with Daily aggregation (error 2054)'],
    ['an aggregation the type lacks', 'ShareOfVoiceReportRequest', ['TimePeriod', 'AccountId', 'Clicks'], 'Hourly', 'ShareOfVoiceReportRequest does not support Hourly aggregation'],
    ['budget summary by week', 'BudgetSummaryReportRequest', ['Date', 'AccountName', 'AccountNumber', 'CampaignName', 'CurrencyCode', 'DailySpend'], 'Weekly', 'BudgetSummaryReportRequest does not support Weekly aggregation (supported: Daily)'],
  ] as const)('refuses %s', (_name, requestType, columns, aggregation, message) => {
    expect(columnProblems(requestType, columns, aggregation).join('; ')).toContain(message);
  });

  it('accepts impression share where the attributes allow it, and a full budget summary', () => {
    expect(columnProblems('KeywordPerformanceReportRequest', ['TimePeriod', 'KeywordId', 'Clicks', 'TopImpressionRatePercent', 'DeviceOS'], 'Daily')).toEqual([]);
    expect(columnProblems('BudgetSummaryReportRequest', [...reports.budget_summary.columns], 'Daily')).toEqual([]);
  });
});

describe('validateReportRequest', () => {
  const ctx = (report: ReportDefinition, aggregation: Aggregation) => ({ report, aggregation, today: TODAY });

  it('refuses an aggregation the report has no table for', () => {
    const message = refusal(() => validateReportRequest(spec('KeywordPerformanceReportRequest', ['TimePeriod', 'KeywordId', 'Clicks'], { aggregation: 'Yearly' }), ctx(reports.keyword_performance, 'Yearly')));
    expect(message).toContain('report keyword_performance has no Yearly table (offered: Hourly, Daily, Weekly, Monthly)');
  });

  it('refuses windows Microsoft cannot serve: after today, reversed, older than its retention', () => {
    const columns = ['TimePeriod', 'AccountName', 'Clicks'];
    const geo = (from: string, to: string, aggregation: Aggregation = 'Hourly') =>
      refusal(() => validateReportRequest(spec('GeographicPerformanceReportRequest', columns, { from, to, aggregation }), ctx(reports.geographic_performance, aggregation)));
    expect(geo('2026-11-27', '2026-11-29')).toContain('window end 2026-11-29 is after today (2026-11-28');
    expect(geo('2026-11-20', '2026-11-10')).toContain('window start 2026-11-20 is after its end 2026-11-10');
    expect(geo('2026-11-13', '2026-11-14')).toContain(
      'window start 2026-11-13 is older than Microsoft keeps Hourly data of GeographicPerformanceReportRequest (14 days: earliest 2026-11-14)',
    );
    expect(geo('2023-11-27', '2023-11-30', 'Daily')).toContain('(36 months: earliest 2023-11-28)');
    expect(() => validateReportRequest(spec('GeographicPerformanceReportRequest', columns, { from: '2026-11-14', to: '2026-11-14', aggregation: 'Hourly' }), ctx(reports.geographic_performance, 'Hourly'))).not.toThrow();
  });

  it('refuses an account id that is not one', () => {
    expect(refusal(() => validateReportRequest(spec('CampaignPerformanceReportRequest', ['TimePeriod', 'CampaignId', 'Clicks'], { accountId: 'F123' }), ctx(reports.campaign_performance, 'Daily')))).toContain(
      'account id "F123"',
    );
  });
});

describe('buildRequestSpec', () => {
  it('widens Weekly and Monthly windows to whole periods, not past today', () => {
    const weekly = buildRequestSpec(target('campaign_performance', 'Weekly', '2026-11-04', '2026-11-11'), context);
    expect([weekly.from, weekly.to]).toEqual(['2026-11-01', '2026-11-14']);
    const monthly = buildRequestSpec(target('campaign_performance', 'Monthly', '2026-10-15', '2026-11-10'), context);
    expect([monthly.from, monthly.to]).toEqual(['2026-10-01', TODAY]);
    expect(monthly.columns).not.toContain('QualityScore');
    const daily = buildRequestSpec(target('campaign_performance', 'Daily', '2026-11-04', '2026-11-11'), context);
    expect([daily.from, daily.to, daily.predefinedTime]).toEqual(['2026-11-04', '2026-11-11', undefined]);
  });

  it('does not widen before what Microsoft retains', () => {
    const monthly = buildRequestSpec(target('campaign_performance', 'Monthly', '2023-11-29', '2023-12-31'), context);
    expect(monthly.from).toBe('2023-11-28');
  });

  it('sends no Aggregation for BudgetSummary, and Hourly columns without impression share', () => {
    expect(buildRequestSpec(target('budget_summary', 'Daily', '2026-11-01', '2026-11-07'), context).aggregation).toBeNull();
    expect(buildRequestSpec(target('account_performance', 'Hourly', '2026-11-01', '2026-11-01'), context).columns).not.toContain('ImpressionSharePercent');
  });

  it('picks the predefined period DayOfWeek needs, or names the ones it could use', () => {
    const lastWeek = buildRequestSpec(target('campaign_weekday', 'DayOfWeek', '2026-11-21', '2026-11-27'), context);
    expect(lastWeek.predefinedTime).toBe('LastSevenDays');
    expect(lastWeek.columns).toEqual(['TimePeriod', 'AccountId', 'CurrencyCode', 'CampaignId', 'Impressions', 'Clicks']);
    const message = refusal(() => buildRequestSpec(target('campaign_weekday', 'DayOfWeek', '2026-11-02', '2026-11-09'), context));
    expect(message).toContain('window 2026-11-02..2026-11-09 is none of them today (2026-11-28): Today (2026-11-28..2026-11-28), Yesterday');
    expect(message).toContain('LastMonth (2026-10-01..2026-10-31)');
  });

  it('drops TimePeriod for Summary and widens Yearly to whole years', () => {
    expect(buildRequestSpec(target('campaign_weekday', 'Summary', '2026-11-01', '2026-11-07'), context).columns).not.toContain('TimePeriod');
    const yearly = buildRequestSpec(target('campaign_weekday', 'Yearly', '2026-03-01', '2026-03-31'), context);
    expect([yearly.from, yearly.to]).toEqual(['2026-01-01', TODAY]);
  });

  it('refuses a report the registry does not know, naming the known ones', () => {
    expect(refusal(() => buildRequestSpec(target('no_such_report', 'Daily', '2026-11-01', '2026-11-01'), context))).toMatch(
      /unknown report "no_such_report"; known reports: account_performance, .*campaign_weekday/,
    );
  });
});
