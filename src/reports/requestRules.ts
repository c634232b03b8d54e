import type { Aggregation } from './aggregations.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';

/**
 * Microsoft's rules for report requests that the schema cannot express, as data (REPORTING-FACTS §3.3,
 * §4 notes, §6.4). Validation, the built-in catalog's per-aggregation column sets and the simulator all
 * read these, so a rule lives in one place.
 */

/** A retention span: whole months back from today, or days for the short hourly ones. */
export type Span = { months: number } | { days: number };

interface Retention {
  /** Hourly (and HourOfDay, which is built from hourly data); null where Microsoft has no hourly data. */
  hourly: Span | null;
  /** Every other aggregation. */
  other: Span;
}

const m = (months: number): Span => ({ months });
const STANDARD: Retention = { hourly: m(6), other: m(36) };

/** [DOCS] guides/report-data-retention-time-periods.md (REPORTING-FACTS §6.4). */
const RETENTION: Partial<Record<ReportRequestType, Retention>> = {
  AccountPerformanceReportRequest: STANDARD,
  AdPerformanceReportRequest: STANDARD,
  AdDynamicTextPerformanceReportRequest: STANDARD,
  AdGroupPerformanceReportRequest: STANDARD,
  AudiencePerformanceReportRequest: STANDARD,
  CampaignPerformanceReportRequest: STANDARD,
  DestinationUrlPerformanceReportRequest: STANDARD,
  KeywordPerformanceReportRequest: STANDARD,
  PublisherUsagePerformanceReportRequest: { hourly: m(2), other: m(36) },
  SearchQueryPerformanceReportRequest: { hourly: m(1), other: m(36) },
  ProductSearchQueryPerformanceReportRequest: { hourly: m(1), other: m(36) },
  DSASearchQueryPerformanceReportRequest: { hourly: m(1), other: m(36) },
  ShareOfVoiceReportRequest: { hourly: null, other: m(6) },
  AgeGenderAudienceReportRequest: STANDARD,
  ProfessionalDemographicsAudienceReportRequest: STANDARD,
  GeographicPerformanceReportRequest: { hourly: { days: 14 }, other: m(36) },
  UserLocationPerformanceReportRequest: { hourly: { days: 14 }, other: m(36) },
  BudgetSummaryReportRequest: { hourly: null, other: m(24) },
  ConversionPerformanceReportRequest: STANDARD,
  GoalsAndFunnelsReportRequest: { hourly: m(1), other: m(36) },
  AdExtensionByAdReportRequest: STANDARD,
  AdExtensionDetailReportRequest: STANDARD,
  AdExtensionByKeywordReportRequest: STANDARD,
  CallDetailReportRequest: { hourly: m(6), other: m(6) },
  SearchCampaignChangeHistoryReportRequest: { hourly: m(6), other: m(6) },
  ProductDimensionPerformanceReportRequest: STANDARD,
  ProductPartitionPerformanceReportRequest: STANDARD,
  ProductPartitionUnitPerformanceReportRequest: STANDARD,
  DSAAutoTargetPerformanceReportRequest: STANDARD,
  DSACategoryPerformanceReportRequest: STANDARD,
  // Not in Microsoft's retention table; assumed to keep data like the other performance reports.
  AssetGroupPerformanceReportRequest: STANDARD,
};

const usesHourlyData = (aggregation: Aggregation) => aggregation === 'Hourly' || aggregation === 'HourOfDay';

/** How far back Microsoft keeps data for this request type at this aggregation; undefined if not documented. */
export function retentionSpan(requestType: ReportRequestType, aggregation: Aggregation): Span | null | undefined {
  const retention = RETENTION[requestType];
  if (!retention) return undefined;
  return usesHourlyData(aggregation) ? retention.hourly : retention.other;
}

export const describeSpan = (span: Span): string => ('months' in span ? `${span.months} months` : `${span.days} days`);

/**
 * The aggregations a request type accepts. Types without an Aggregation element take none: BudgetSummary
 * is always by day (we call that Daily), the others return one row set for the window (Summary).
 */
export function supportedAggregations(requestType: ReportRequestType): readonly Aggregation[] {
  const shape = requestTypes[requestType];
  if (!shape.hasAggregation) return requestType === 'BudgetSummaryReportRequest' ? ['Daily'] : ['Summary'];
  const all: Aggregation[] = ['Summary', 'Hourly', 'Daily', 'Weekly', 'WeeklyStartingMonday', 'Monthly', 'Yearly', 'DayOfWeek', 'HourOfDay'];
  return retentionSpan(requestType, 'Hourly') === null ? all.filter((a) => !usesHourlyData(a)) : all;
}

/**
 * Impression-share style columns. Microsoft does not serve them by hour (REPORTING-FACTS §4 notes, error
 * 2053), and in Account, Campaign and Ad group performance reports they exclude some attributes.
 */
export const IMPRESSION_SHARE_COLUMNS: ReadonlySet<string> = new Set([
  'AbsoluteTopImpressionRatePercent',
  'AbsoluteTopImpressionShareLostToBudgetPercent',
  'AbsoluteTopImpressionShareLostToRankPercent',
  'AbsoluteTopImpressionSharePercent',
  'AudienceImpressionLostToBudgetPercent',
  'AudienceImpressionLostToRankPercent',
  'AudienceImpressionSharePercent',
  'ClickSharePercent',
  'ExactMatchImpressionSharePercent',
  'ImpressionLostToBudgetPercent',
  'ImpressionLostToRankAggPercent',
  'ImpressionLostToRankPercent',
  'ImpressionSharePercent',
  'RelativeCtr',
  'TopImpressionRatePercent',
  'TopImpressionShareLostToBudgetPercent',
  'TopImpressionShareLostToRankPercent',
  'TopImpressionSharePercent',
]);

/** Scores Microsoft computes per day at most (error 2052): hourly, daily or summary only. */
export const QUALITY_SCORE_COLUMNS: ReadonlySet<string> = new Set(['QualityScore', 'ExpectedCtr', 'AdRelevance', 'LandingPageExperience']);

/** Historical scores: daily only (error 2054). */
export const HISTORICAL_SCORE_COLUMNS: ReadonlySet<string> = new Set([
  'HistoricalQualityScore',
  'HistoricalExpectedCtr',
  'HistoricalAdRelevance',
  'HistoricalLandingPageExperience',
]);

/** Why Microsoft does not serve `column` at `aggregation`, or null when it does. */
export function grainProblem(column: string, aggregation: Aggregation): string | null {
  if (IMPRESSION_SHARE_COLUMNS.has(column) && usesHourlyData(aggregation)) {
    return `is not available by hour (error 2053; Microsoft's hourly values for it are to be ignored)`;
  }
  if (QUALITY_SCORE_COLUMNS.has(column) && !['Summary', 'Hourly', 'Daily'].includes(aggregation)) {
    return 'is only available with Hourly, Daily or Summary aggregation (error 2052)';
  }
  if (HISTORICAL_SCORE_COLUMNS.has(column) && aggregation !== 'Daily') {
    return 'is only available with Daily aggregation (error 2054)';
  }
  return null;
}

interface Exclusion {
  /** Columns of which any one excludes every column of `attributes`. */
  columns: ReadonlySet<string>;
  attributes: readonly string[];
}

const AUDIENCE_SHARE = new Set([
  'AudienceImpressionLostToBudgetPercent',
  'AudienceImpressionLostToRankPercent',
  'AudienceImpressionSharePercent',
  'RelativeCtr',
]);
const SHARE_VS_ATTRIBUTES = ['BidMatchType', 'DeviceOS', 'Goal', 'GoalType', 'TopVsOther'];
const AUDIENCE_VS_ATTRIBUTES = ['CustomerId', 'CustomerName', 'DeliveredMatchType'];

/** [DOCS] guides/reports.md#columnrestrictions (REPORTING-FACTS §4 notes). */
const EXCLUSIONS: Partial<Record<ReportRequestType, readonly Exclusion[]>> = {
  AccountPerformanceReportRequest: [
    { columns: IMPRESSION_SHARE_COLUMNS, attributes: SHARE_VS_ATTRIBUTES },
    { columns: AUDIENCE_SHARE, attributes: AUDIENCE_VS_ATTRIBUTES },
  ],
  AdGroupPerformanceReportRequest: [
    { columns: IMPRESSION_SHARE_COLUMNS, attributes: SHARE_VS_ATTRIBUTES },
    { columns: AUDIENCE_SHARE, attributes: AUDIENCE_VS_ATTRIBUTES },
  ],
  CampaignPerformanceReportRequest: [
    { columns: IMPRESSION_SHARE_COLUMNS, attributes: [...SHARE_VS_ATTRIBUTES, 'BudgetAssociationStatus', 'BudgetName', 'BudgetStatus'] },
    { columns: AUDIENCE_SHARE, attributes: AUDIENCE_VS_ATTRIBUTES },
  ],
};

/** Pairs of requested columns Microsoft refuses together, e.g. ["ImpressionSharePercent", "DeviceOS"]. */
export function restrictedPairs(requestType: ReportRequestType, columns: readonly string[]): [string, string][] {
  const requested = new Set(columns);
  const pairs: [string, string][] = [];
  for (const rule of EXCLUSIONS[requestType] ?? []) {
    const share = columns.find((c) => rule.columns.has(c));
    if (share === undefined) continue;
    for (const attribute of rule.attributes) if (requested.has(attribute)) pairs.push([share, attribute]);
  }
  return pairs;
}

/**
 * Columns Microsoft requires besides TimePeriod ([DOCS] <report>reportcolumn.md "Required Columns").
 * TimePeriod itself is required for every aggregation except Summary, and every report needs one
 * attribute and one performance column that is not an impression share; those are checked generally.
 */
export const REQUIRED_COLUMNS: Partial<Record<ReportRequestType, readonly string[]>> = {
  SearchQueryPerformanceReportRequest: ['SearchQuery'],
  GeographicPerformanceReportRequest: ['AccountName'],
  AgeGenderAudienceReportRequest: ['AccountName', 'AdGroupName', 'AgeGroup', 'Gender'],
  BudgetSummaryReportRequest: ['AccountName', 'AccountNumber', 'CampaignName', 'CurrencyCode', 'Date'],
};
