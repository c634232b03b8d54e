/**
 * How a Microsoft report column is typed in Postgres and whether it groups rows (attribute) or is
 * measured (metric). One set of rules serves every report, built-in or custom, so the same column name
 * always lands as the same type. A column no rule knows is an attribute typed text: keeping it in the
 * unique key can never merge two real rows, and text never rejects a value.
 */

export type ColumnType =
  /** Whole numbers: ids and counts. */
  | 'bigint'
  /** Exact decimals: money, conversions (fractional under attribution), averages, scores. */
  | 'numeric'
  /** A percentage in percent units (Ctr "2.13" or "2.13%" loads as 2.13). */
  | 'percent'
  | 'text'
  /** A calendar date (BudgetSummary's Date). */
  | 'date'
  /**
   * TimePeriod: timestamptz for Hourly (UTC), smallint for DayOfWeek (1-7) and HourOfDay (0-23), and for
   * the calendar aggregations the date the period starts (a Yearly "2026" is 2026-01-01).
   */
  | 'timePeriod';

export type ColumnRole = 'attribute' | 'metric';

export interface ColumnSpec {
  type: ColumnType;
  role: ColumnRole;
}

/** Ids that are not numbers. */
const TEXT_IDS = new Set(['MSClickId', 'MerchantProductId']);

/** Counts: whole numbers even where the name says "Percent" (VideoViewsAt25Percent counts views). */
const COUNTS = new Set([
  'Impressions',
  'Clicks',
  'PhoneImpressions',
  'PhoneCalls',
  'LowQualityClicks',
  'LowQualityImpressions',
  'LowQualityGeneralClicks',
  'LowQualitySophisticatedClicks',
  'VideoViews',
  'VideoViewsAt25Percent',
  'VideoViewsAt50Percent',
  'VideoViewsAt75Percent',
  'CompletedVideoViews',
  'TotalWatchTimeInMS',
  'Downloads',
  'AppInstalls',
  'Installs',
  'Purchases',
  'Subscriptions',
  'Sales',
  'NewCustomerCount',
  'AssistedImpressions',
  'AssistedClicks',
  'TotalClicks',
  'TotalClicksOnAdElements',
  'EligibleImpressions',
  'MissedImpressions',
  'PartnerImpressions',
  'BrandImpressions',
  'BrandClicks',
  'MSAImpressions',
  'MSAClicks',
  'QuantityBought',
  'SearchVolume',
]);

/** Percent-valued metrics whose names do not end in "Percent". */
const PERCENTS = new Set([
  'Ctr',
  'ConversionRate',
  'AllConversionRate',
  'LowQualityConversionRate',
  'Ptr',
  'ViewThroughRate',
  'VideoCompletionRate',
  'PostClickDownloadRate',
  'PostClickInstallRate',
  'PostInstallPurchaseRate',
  'PostInstallSubscriptionRate',
  'NewCustomerConversionRate',
  'ViewThroughConversionRate',
  'BenchmarkCtr',
]);

/** Decimal metrics: money, averages, scores, conversions. */
const DECIMAL_METRIC = [
  /^Spend$/,
  /Spend$/,
  /^Average/,
  /^Avg/,
  /^CostPer/,
  /^AllCostPer/,
  /^Revenue/,
  /Revenue$/,
  /RevenuePer/,
  /ReturnOnAdSpend$/,
  /Conversions(Qualified)?$/,
  /^Assists$/,
  /^CP[ISP]$/,
  /^NewCustomerCPA$/,
  /^ExtendedCost$/,
  /^ROAS$/,
  /^RelativeCtr$/,
  /^ConversionDelay$/,
  /^(MonthlyBudget|DailySpend|MonthToDateSpend)$/,
  /^ProportionOfSpend$/,
  /^BenchmarkBid$/,
];

/** Attributes that are numbers: they group rows like any attribute but compare as numbers. */
const NUMERIC_ATTRIBUTES = new Set(['Price']);

/**
 * Scores and the bid in effect, numeric ("--" when not computed) and attributes: Microsoft lists them
 * among the attribute columns (guides/report-attributes-performance-statistics.md#attributes), so two
 * rows of one keyword and day can differ only in them, and the key must tell such rows apart.
 */
const SCORE_ATTRIBUTES = new Set([
  'QualityScore',
  'ExpectedCtr',
  'AdRelevance',
  'LandingPageExperience',
  'HistoricalQualityScore',
  'HistoricalExpectedCtr',
  'HistoricalAdRelevance',
  'HistoricalLandingPageExperience',
  'QualityImpact',
  'CurrentMaxCpc',
]);

/** Bid estimates per keyword; the attributes page does not list them, so they stay measured values. */
const BID_ESTIMATES = new Set(['Mainline1Bid', 'MainlineBid', 'FirstPageBid']);

export function columnSpec(column: string): ColumnSpec {
  if (column === 'TimePeriod') return { type: 'timePeriod', role: 'attribute' };
  if (column === 'Date') return { type: 'date', role: 'attribute' };
  if (TEXT_IDS.has(column)) return { type: 'text', role: 'attribute' };
  if (NUMERIC_ATTRIBUTES.has(column)) return { type: 'numeric', role: 'attribute' };
  if (/Id$/.test(column)) return { type: 'bigint', role: 'attribute' };
  if (COUNTS.has(column)) return { type: 'bigint', role: 'metric' };
  if (PERCENTS.has(column) || /Percent$/.test(column)) return { type: 'percent', role: 'metric' };
  if (SCORE_ATTRIBUTES.has(column)) return { type: 'numeric', role: 'attribute' };
  if (BID_ESTIMATES.has(column)) return { type: 'numeric', role: 'metric' };
  if (DECIMAL_METRIC.some((re) => re.test(column))) return { type: 'numeric', role: 'metric' };
  return { type: 'text', role: 'attribute' };
}

/** AccountId → account_id, AverageCPV → average_cpv, VideoViewsAt25Percent → video_views_at25_percent. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}
