import { requestTypes, type ReportRequestType } from '../columnEnums.js';

/**
 * Column groups the built-in reports share, and `available`, which keeps the ones a request type has.
 * Groups are written once so "the usual conversion columns" mean the same in every report.
 */

export const ACCOUNT = ['AccountId', 'AccountName', 'AccountNumber'];
export const CAMPAIGN = ['CampaignId', 'CampaignName', 'CampaignType', 'CampaignStatus'];
export const AD_GROUP = ['AdGroupId', 'AdGroupName'];

export const DELIVERY = ['Impressions', 'Clicks', 'Ctr', 'AverageCpc', 'AverageCpm', 'Spend'];
export const CONVERSIONS = [
  'Conversions',
  'ConversionsQualified',
  'ConversionRate',
  'CostPerConversion',
  'Revenue',
  'RevenuePerConversion',
  'ReturnOnAdSpend',
  'Assists',
  'CostPerAssist',
  'RevenuePerAssist',
];
export const ALL_CONVERSIONS = [
  'AllConversions',
  'AllConversionsQualified',
  'AllConversionRate',
  'AllCostPerConversion',
  'AllRevenue',
  'AllRevenuePerConversion',
  'AllReturnOnAdSpend',
];
export const VIEW_THROUGH = ['ViewThroughConversions', 'ViewThroughConversionsQualified', 'ViewThroughRevenue'];
export const STANDARD_METRICS = [...DELIVERY, ...CONVERSIONS, ...ALL_CONVERSIONS, ...VIEW_THROUGH];

/** Search impression share (not the Audience* ones, which exclude CustomerId and DeliveredMatchType). */
export const IMPRESSION_SHARE = [
  'ImpressionSharePercent',
  'ImpressionLostToBudgetPercent',
  'ImpressionLostToRankAggPercent',
  'ExactMatchImpressionSharePercent',
  'ClickSharePercent',
  'TopImpressionSharePercent',
  'TopImpressionShareLostToRankPercent',
  'TopImpressionShareLostToBudgetPercent',
  'AbsoluteTopImpressionSharePercent',
  'AbsoluteTopImpressionShareLostToRankPercent',
  'AbsoluteTopImpressionShareLostToBudgetPercent',
];
export const TOP_RATES = ['TopImpressionRatePercent', 'AbsoluteTopImpressionRatePercent'];
export const QUALITY = ['QualityScore', 'ExpectedCtr', 'AdRelevance', 'LandingPageExperience'];
export const HISTORICAL_QUALITY = [
  'HistoricalQualityScore',
  'HistoricalExpectedCtr',
  'HistoricalAdRelevance',
  'HistoricalLandingPageExperience',
];
export const LOW_QUALITY = [
  'LowQualityClicks',
  'LowQualityClicksPercent',
  'LowQualityImpressions',
  'LowQualityImpressionsPercent',
  'LowQualityConversions',
  'LowQualityConversionRate',
];
export const PHONE = ['PhoneImpressions', 'PhoneCalls', 'Ptr'];

const everyColumn = new Set(Object.values(requestTypes).flatMap((t) => t.columns as readonly string[]));

/**
 * The given columns that `requestType` has, in the given order and without repeats. A name no request
 * type knows at all is a typo and throws, so a group can be shared without hiding mistakes.
 */
export function available(requestType: ReportRequestType, columns: readonly string[]): string[] {
  const unknown = columns.filter((c) => !everyColumn.has(c));
  if (unknown.length > 0) throw new Error(`not a column of any report request type: ${unknown.join(', ')}`);
  const has = new Set<string>(requestTypes[requestType].columns);
  return [...new Set(columns)].filter((c) => has.has(c));
}
