import type { ReportDefinition } from '../catalog.js';
import { ACCOUNT, AD_GROUP, CAMPAIGN, STANDARD_METRICS, TOP_RATES, available } from './columnSets.js';

/** Who saw the ads: age and gender, and the audiences (remarketing, in-market …) the ads were shown to. */

export const ageGenderAudience: ReportDefinition = {
  name: 'age_gender_audience',
  requestType: 'AgeGenderAudienceReportRequest',
  description: 'Performance by age group and gender, by period and ad distribution.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('AgeGenderAudienceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AssetGroupId',
    'AssetGroupName',
    'AgeGroup',
    'Gender',
    'AdDistribution',
    'Language',
    ...STANDARD_METRICS,
    'ExtendedCost',
    ...TOP_RATES,
  ]),
};

export const audiencePerformance: ReportDefinition = {
  name: 'audience_performance',
  requestType: 'AudiencePerformanceReportRequest',
  description: 'Performance by audience associated with a campaign or ad group, with the association settings.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('AudiencePerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AudienceId',
    'AudienceName',
    'AudienceType',
    'AssociationId',
    'AssociationLevel',
    'AssociationStatus',
    'TargetingSetting',
    ...STANDARD_METRICS,
    'VideoViews',
    'CompletedVideoViews',
    'VideoCompletionRate',
    'ViewThroughRate',
    ...TOP_RATES,
  ]),
};
