import type { ReportDefinition } from '../catalog.js';
import {
  ACCOUNT,
  AD_GROUP,
  CAMPAIGN,
  HISTORICAL_QUALITY,
  IMPRESSION_SHARE,
  LOW_QUALITY,
  PHONE,
  QUALITY,
  STANDARD_METRICS,
  TOP_RATES,
  available,
} from './columnSets.js';

/**
 * Performance by account, campaign, ad group, ad, keyword and landing page. The account, campaign and
 * ad group reports carry impression share, which Microsoft refuses together with BidMatchType, DeviceOS,
 * Goal, GoalType and TopVsOther (and the Budget* columns): those attributes are left out of their
 * defaults, and the Audience* shares too, so CustomerId and DeliveredMatchType can stay. The keyword
 * report keeps TopVsOther and leaves out the Top and AbsoluteTop rates, which its column page forbids
 * together with it.
 */

const HOUR_DAY_WEEK_MONTH = ['Hourly', 'Daily', 'Weekly', 'Monthly'] as const;
const SEGMENTS = ['CurrencyCode', 'AdDistribution', 'DeviceType', 'Network', 'DeliveredMatchType'];

export const accountPerformance: ReportDefinition = {
  name: 'account_performance',
  requestType: 'AccountPerformanceReportRequest',
  description: 'Account performance by period, device, network and delivered match type, with impression share.',
  aggregations: HOUR_DAY_WEEK_MONTH,
  columns: available('AccountPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    'AccountStatus',
    'CustomerId',
    'CustomerName',
    ...SEGMENTS,
    ...STANDARD_METRICS,
    ...LOW_QUALITY,
    ...PHONE,
    ...IMPRESSION_SHARE,
    ...TOP_RATES,
  ]),
};

export const campaignPerformance: ReportDefinition = {
  name: 'campaign_performance',
  requestType: 'CampaignPerformanceReportRequest',
  description: 'Campaign performance by period, device, network and delivered match type, with impression share and quality scores.',
  aggregations: HOUR_DAY_WEEK_MONTH,
  columns: available('CampaignPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    'CustomerId',
    'CustomerName',
    ...CAMPAIGN,
    ...SEGMENTS,
    ...STANDARD_METRICS,
    ...LOW_QUALITY,
    ...PHONE,
    ...IMPRESSION_SHARE,
    ...TOP_RATES,
    ...QUALITY,
    ...HISTORICAL_QUALITY,
  ]),
};

export const adGroupPerformance: ReportDefinition = {
  name: 'ad_group_performance',
  requestType: 'AdGroupPerformanceReportRequest',
  description: 'Ad group performance by period, device, network, language and delivered match type, with impression share and quality scores.',
  aggregations: HOUR_DAY_WEEK_MONTH,
  columns: available('AdGroupPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    'CustomerId',
    'CustomerName',
    ...CAMPAIGN,
    ...AD_GROUP,
    'Status',
    'AdGroupType',
    ...SEGMENTS,
    'Language',
    ...STANDARD_METRICS,
    ...PHONE,
    ...IMPRESSION_SHARE,
    ...TOP_RATES,
    ...QUALITY,
    ...HISTORICAL_QUALITY,
  ]),
};

/** Ad copy and URLs are attributes too: the table's key hashes them, so their length is no concern. */
export const adPerformance: ReportDefinition = {
  name: 'ad_performance',
  requestType: 'AdPerformanceReportRequest',
  description: 'Ad performance with the ad copy and URLs, by period, device, network, placement and match type.',
  aggregations: HOUR_DAY_WEEK_MONTH,
  columns: available('AdPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AdId',
    'AdType',
    'AdStatus',
    'AdTitle',
    'TitlePart1',
    'TitlePart2',
    'TitlePart3',
    'AdDescription',
    'AdDescription2',
    'Path1',
    'Path2',
    'FinalUrl',
    'AdStrength',
    ...SEGMENTS,
    'DeviceOS',
    'TopVsOther',
    'BidMatchType',
    'Language',
    ...STANDARD_METRICS,
    ...TOP_RATES,
  ]),
};

export const keywordPerformance: ReportDefinition = {
  name: 'keyword_performance',
  requestType: 'KeywordPerformanceReportRequest',
  description: 'Keyword performance by period, ad, match type, device, network and placement, with quality scores and bids.',
  aggregations: HOUR_DAY_WEEK_MONTH,
  columns: available('KeywordPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AdGroupStatus',
    'KeywordId',
    'Keyword',
    'KeywordStatus',
    'AdId',
    'AdType',
    'BidStrategyType',
    ...SEGMENTS,
    'BidMatchType',
    'DeviceOS',
    'TopVsOther',
    'Language',
    ...STANDARD_METRICS,
    'CurrentMaxCpc',
    ...QUALITY,
    ...HISTORICAL_QUALITY,
  ]),
  // TopVsOther splits impressions into top and other placements, which is what these rates summarise.
  retiredColumns: TOP_RATES.map((name) => ({
    name,
    reason: 'Microsoft refuses it together with TopVsOther, reporting-service/keywordperformancereportcolumn.md',
  })),
};

export const destinationUrlPerformance: ReportDefinition = {
  name: 'destination_url_performance',
  requestType: 'DestinationUrlPerformanceReportRequest',
  description: 'Performance by landing page (destination and final URL) and ad, by period, device, network and match type.',
  aggregations: HOUR_DAY_WEEK_MONTH,
  columns: available('DestinationUrlPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AdId',
    'DestinationUrl',
    'FinalUrl',
    ...SEGMENTS,
    'DeviceOS',
    'TopVsOther',
    'BidMatchType',
    'Language',
    ...STANDARD_METRICS,
    ...TOP_RATES,
  ]),
};
