import type { ReportDefinition } from '../catalog.js';
import { ACCOUNT, AD_GROUP, CAMPAIGN, STANDARD_METRICS, available } from './columnSets.js';

/** Conversions by goal: which goals converted, through which campaigns, ad groups and keywords. */

export const goalsAndFunnels: ReportDefinition = {
  name: 'goals_and_funnels',
  requestType: 'GoalsAndFunnelsReportRequest',
  description: 'Conversions, assists and revenue by conversion goal, keyword and device. Microsoft keeps hourly data one month.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('GoalsAndFunnelsReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AssetGroupId',
    'AssetGroupName',
    'KeywordId',
    'Keyword',
    'GoalId',
    'Goal',
    'GoalType',
    'DeviceType',
    'DeviceOS',
    'AllConversions',
    'AllConversionsQualified',
    'AllRevenue',
    'Assists',
    'ViewThroughConversions',
    'ViewThroughConversionsQualified',
    'ViewThroughRevenue',
  ]),
};

export const conversionPerformance: ReportDefinition = {
  name: 'conversion_performance',
  requestType: 'ConversionPerformanceReportRequest',
  description: 'Delivery and conversions by keyword, device and conversion goal.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('ConversionPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'KeywordId',
    'Keyword',
    'KeywordStatus',
    'DeviceType',
    'GoalId',
    'Goal',
    'GoalType',
    ...STANDARD_METRICS,
  ]),
};
