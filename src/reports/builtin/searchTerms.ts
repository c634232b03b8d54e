import type { ReportDefinition } from '../catalog.js';
import { ACCOUNT, AD_GROUP, CAMPAIGN, STANDARD_METRICS, TOP_RATES, available } from './columnSets.js';

/**
 * What people searched for. Microsoft keeps hourly search terms one month only, and lists only terms
 * with a significant number of clicks in the last 30 days (REPORTING-FACTS §4 notes).
 */

export const searchQueryPerformance: ReportDefinition = {
  name: 'search_query_performance',
  requestType: 'SearchQueryPerformanceReportRequest',
  description: 'Search terms that triggered ads, with the keyword or asset group that matched, by period, match type, device and network.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('SearchQueryPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AssetGroupId',
    'AssetGroupName',
    'AdId',
    'AdType',
    'KeywordId',
    'Keyword',
    'SearchQuery',
    'DeliveredMatchType',
    'BidMatchType',
    'DeviceType',
    'DeviceOS',
    'Network',
    'TopVsOther',
    'Language',
    ...STANDARD_METRICS,
    ...TOP_RATES,
  ]),
};

export const productSearchQueryPerformance: ReportDefinition = {
  name: 'product_search_query_performance',
  requestType: 'ProductSearchQueryPerformanceReportRequest',
  description: 'Search terms that triggered product ads, with the product and product group, by period, device and network.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('ProductSearchQueryPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AssetGroupId',
    'AssetGroupName',
    'AdId',
    'AdGroupCriterionId',
    'ProductGroup',
    'PartitionType',
    'MerchantProductId',
    'Title',
    'SearchQuery',
    'ClickTypeId',
    'ClickType',
    'DeviceType',
    'DeviceOS',
    'Network',
    'Language',
    ...STANDARD_METRICS,
    'AssistedImpressions',
    'AssistedClicks',
    'AssistedConversions',
    ...TOP_RATES,
  ]),
};
