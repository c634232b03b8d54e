import type { Aggregation } from './aggregations.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';
import { refusedByHour, usesHourlyData } from './columnRules.js';

export { COLUMN_RESTRICTIONS, REQUIRED_COLUMNS, restrictionViolations } from './columnRules.js';

/**
 * Microsoft's rules for report requests that the schema cannot express, as data (REPORTING-FACTS §3.3,
 * §4 notes, §6.4): retention, aggregations and column grains here, the documented column rules in
 * columnRules.ts. Validation, the built-in catalog's per-aggregation column sets and the simulator all
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
 * Impression-share style columns: Microsoft serves no usable values for them by hour. Those of
 * REFUSED_BY_HOUR are refused (error 2053); for the others "the service will not return an error and
 * you should ignore any performance data returned for this column" ([DOCS] <report>reportcolumn.md).
 * Built-in reports leave all of them out of Hourly and HourOfDay requests.
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

/** A grain Microsoft refuses a column at, with its error code and the documented words. */
export interface GrainRefusal {
  code: 2052 | 2053 | 2054;
  message: string;
}

/** Why Microsoft refuses `column` at `aggregation` (error 2052, 2053 or 2054), or null when it accepts it. */
export function grainRefusal(requestType: ReportRequestType, column: string, aggregation: Aggregation): GrainRefusal | null {
  const hourly = refusedByHour(requestType, column, aggregation);
  if (hourly) return { code: 2053, message: `is refused with ${aggregation} aggregation (${hourly.source}: "${hourly.wording}")` };
  if (QUALITY_SCORE_COLUMNS.has(column) && !['Summary', 'Hourly', 'Daily'].includes(aggregation)) {
    return { code: 2052, message: 'is only available with Hourly, Daily or Summary aggregation (error 2052)' };
  }
  if (HISTORICAL_SCORE_COLUMNS.has(column) && aggregation !== 'Daily') {
    return { code: 2054, message: 'is only available with Daily aggregation (error 2054)' };
  }
  return null;
}

/**
 * Why a built-in report leaves `column` out at `aggregation`, or null: what Microsoft refuses, and the
 * impression shares it serves by hour with values to be ignored.
 */
export function grainProblem(column: string, aggregation: Aggregation): string | null {
  if (IMPRESSION_SHARE_COLUMNS.has(column) && usesHourlyData(aggregation)) {
    return `has no usable values by hour (Microsoft refuses some with error 2053 and says to ignore the others' hourly values)`;
  }
  if (QUALITY_SCORE_COLUMNS.has(column) && !['Summary', 'Hourly', 'Daily'].includes(aggregation)) {
    return 'is only available with Hourly, Daily or Summary aggregation (error 2052)';
  }
  if (HISTORICAL_SCORE_COLUMNS.has(column) && aggregation !== 'Daily') {
    return 'is only available with Daily aggregation (error 2054)';
  }
  return null;
}
