import { customReportDefinition } from '../reports/customReports.js';
import type { ReportDefinition } from '../reports/catalog.js';

/**
 * The benchmark's report: "keyword-style" as issue 2 describes it (about 285 bytes of CSV a row), loaded
 * through the real load path into an indexed table made by the same custom-report machinery as any user's
 * custom report. The catalog's own keyword_performance default is wider (62 columns, about 620 bytes a
 * row); `npm run bench -- --wide` measures that table instead.
 */
export const benchKeywordReport: ReportDefinition = customReportDefinition({
  name: 'bench_keyword',
  requestType: 'KeywordPerformanceReportRequest',
  aggregation: ['Daily'],
  columns: [
    'TimePeriod', 'AccountId', 'AccountName', 'CampaignId', 'CampaignName', 'AdGroupId', 'AdGroupName', 'KeywordId',
    'Keyword', 'KeywordStatus', 'CurrencyCode', 'DeliveredMatchType', 'BidMatchType', 'DeviceType', 'Network',
    'Impressions', 'Clicks', 'Ctr', 'AverageCpc', 'Spend', 'Conversions', 'ConversionRate', 'CostPerConversion',
    'Revenue', 'ReturnOnAdSpend', 'AllConversions', 'QualityScore', 'ExpectedCtr', 'AdRelevance', 'LandingPageExperience',
  ],
} as Parameters<typeof customReportDefinition>[0]);
