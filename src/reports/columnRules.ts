import type { Aggregation } from './aggregations.js';
import type { ReportRequestType } from './columnEnums.js';

/**
 * Microsoft's column rules as its documentation states them (MicrosoftDocs/Advertising-docs,
 * Advertising/bingads-13/): the columns a request must include, the columns it may not combine, and the
 * columns refused by hour. Each rule names its page and carries the page's own words, which validation
 * quotes in its refusals; the simulator refuses the same requests with Microsoft's error code.
 */

export interface DocumentedRule {
  /** The page (and anchor) the rule is stated on, relative to Advertising/bingads-13/. */
  source: string;
  /** Microsoft's words for the rule. */
  wording: string;
}

/** `reporting-service/<type>reportcolumn.md#anchor`, the column page of a request type. */
export const columnPage = (requestType: ReportRequestType, anchor: string): string =>
  `reporting-service/${requestType.replace(/Request$/, 'Column').toLowerCase()}.md#${anchor}`;

// ---------------------------------------------------------------------------------------------------
// Column restrictions: columns that exclude each other.

export interface ColumnRestriction extends DocumentedRule {
  /** Any one of these excludes every column of `attributes`, and the other way round. */
  statistics: readonly string[];
  attributes: readonly string[];
}

const TABLES = 'guides/reports.md#columnrestrictions';
const TABLE_WORDING =
  'If you include any of the impression share performance statistics columns, then you must exclude all of the below attribute columns. ' +
  'Likewise, if you include any of the below attribute columns, then you must exclude all of the impression share performance statistics columns.';
const AUDIENCE_WORDING =
  'if you include any of the AudienceImpressionLostToBudgetPercent, AudienceImpressionLostToRankPercent, AudienceImpressionSharePercent, ' +
  'or RelativeCtr columns, then you must exclude the CustomerId, CustomerName, and DeliveredMatchType attribute columns, and vice versa.';
const COLUMN_WORDING =
  'If you include this column, then you may not include restricted attributes such as TopVsOther in the same report request. ' +
  'Likewise if you include any of the restricted attribute columns, then you must exclude this column.';

const AUDIENCE_SHARE = ['AudienceImpressionLostToBudgetPercent', 'AudienceImpressionLostToRankPercent', 'AudienceImpressionSharePercent', 'RelativeCtr'];
const SEARCH_SHARE = [
  'AbsoluteTopImpressionRatePercent',
  'AbsoluteTopImpressionShareLostToBudgetPercent',
  'AbsoluteTopImpressionShareLostToRankPercent',
  'AbsoluteTopImpressionSharePercent',
  ...AUDIENCE_SHARE,
  'ClickSharePercent',
  'ExactMatchImpressionSharePercent',
  'ImpressionLostToBudgetPercent',
  'ImpressionLostToRankAggPercent',
  'ImpressionSharePercent',
];
const TOP_SHARE = ['TopImpressionRatePercent', 'TopImpressionShareLostToBudgetPercent', 'TopImpressionShareLostToRankPercent', 'TopImpressionSharePercent'];
const SEARCH_ATTRIBUTES = ['BidMatchType', 'DeviceOS', 'Goal', 'GoalType', 'TopVsOther'];

const audienceRule: ColumnRestriction = {
  statistics: AUDIENCE_SHARE,
  attributes: ['CustomerId', 'CustomerName', 'DeliveredMatchType'],
  source: TABLES,
  wording: AUDIENCE_WORDING,
};

/**
 * Account and ad group. Microsoft's table leaves out the Top* columns that its Campaign table lists;
 * they are kept here because Microsoft refuses them too (error 2064 RestrictedColumnCombinations with
 * BidMatchType, reported in singer-io/tap-bing-ads#51; the same omission in the Campaign table was
 * MicrosoftDocs/Advertising-docs#850, fixed there only).
 */
const searchShareRule: ColumnRestriction = {
  statistics: [...SEARCH_SHARE, ...TOP_SHARE],
  attributes: SEARCH_ATTRIBUTES,
  source: TABLES,
  wording: TABLE_WORDING,
};

const topVsOther = (requestType: ReportRequestType, column: string): ColumnRestriction => ({
  statistics: [column],
  attributes: ['TopVsOther'],
  source: columnPage(requestType, column.toLowerCase()),
  wording: COLUMN_WORDING,
});

export const COLUMN_RESTRICTIONS: Partial<Record<ReportRequestType, readonly ColumnRestriction[]>> = {
  AccountPerformanceReportRequest: [searchShareRule, audienceRule],
  AdGroupPerformanceReportRequest: [searchShareRule, audienceRule],
  CampaignPerformanceReportRequest: [
    { ...searchShareRule, attributes: ['BidMatchType', 'BudgetAssociationStatus', 'BudgetName', 'BudgetStatus', 'DeviceOS', 'Goal', 'GoalType', 'TopVsOther'] },
    audienceRule,
  ],
  ProductDimensionPerformanceReportRequest: [
    {
      statistics: [
        'AbsoluteTopImpressionShareLostToBudgetPercent',
        'AbsoluteTopImpressionShareLostToRankPercent',
        'AbsoluteTopImpressionSharePercent',
        'BenchmarkBid',
        'BenchmarkCtr',
        'ClickSharePercent',
        'ImpressionLostToBudgetPercent',
        'ImpressionLostToRankPercent',
        'ImpressionSharePercent',
        'TopImpressionShareLostToBudgetPercent',
        'TopImpressionShareLostToRankPercent',
        'TopImpressionSharePercent',
      ],
      attributes: ['AdDistribution', 'AdId', 'AdStatus', 'ClickType', 'ClickTypeId', 'Goal', 'GoalType', 'Language', 'LocalStoreCode', 'Network', 'TopVsOther'],
      source: TABLES,
      wording: TABLE_WORDING,
    },
  ],
  ProductPartitionPerformanceReportRequest: [
    {
      statistics: ['AbsoluteTopImpressionSharePercent', 'BenchmarkBid', 'BenchmarkCtr', 'ClickSharePercent', 'ImpressionLostToBudgetPercent', 'ImpressionLostToRankPercent', 'ImpressionSharePercent'],
      attributes: [
        'AdDistribution',
        'AdId',
        'AdStatus',
        'BidMatchType',
        'ClickType',
        'ClickTypeId',
        'DeliveredMatchType',
        'Goal',
        'GoalType',
        'Language',
        'LocalStoreCode',
        'Network',
        'TopVsOther',
      ],
      source: TABLES,
      wording: TABLE_WORDING,
    },
  ],
  // Restrictions stated on the column pages only (no table in guides/reports.md).
  KeywordPerformanceReportRequest: [
    topVsOther('KeywordPerformanceReportRequest', 'AbsoluteTopImpressionRatePercent'),
    topVsOther('KeywordPerformanceReportRequest', 'TopImpressionRatePercent'),
  ],
  DSACategoryPerformanceReportRequest: [topVsOther('DSACategoryPerformanceReportRequest', 'TopImpressionRatePercent')],
};

export interface RestrictionViolation {
  rule: ColumnRestriction;
  /** The rule's statistics and attributes that were requested, in request order. */
  statistics: string[];
  attributes: string[];
}

/** Every restriction the requested columns break, with the columns that break it. */
export function restrictionViolations(requestType: ReportRequestType, columns: readonly string[]): RestrictionViolation[] {
  const out: RestrictionViolation[] = [];
  for (const rule of COLUMN_RESTRICTIONS[requestType] ?? []) {
    const statistics = columns.filter((c) => rule.statistics.includes(c));
    const attributes = columns.filter((c) => rule.attributes.includes(c));
    if (statistics.length > 0 && attributes.length > 0) out.push({ rule, statistics, attributes });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Required columns.

/** The general rule, stated on every column page under "Required Columns". */
export const GENERAL_REQUIREMENT: DocumentedRule = {
  source: 'reporting-service/<report>reportcolumn.md#requiredcolumns',
  wording: 'As a general rule, each report must include at least one attribute column and at least one non-impression share performance statistics column.',
};

export const REQUIRED_WORDING = 'The report must include the following columns at a minimum.';

/**
 * Each column page's "Required Columns" table, without TimePeriod: "The TimePeriod column is expected
 * for all aggregation types except Summary" (checked with the aggregation). Account's "AccountId or
 * any other attribute" is the general rule.
 */
export const REQUIRED_COLUMNS: Partial<Record<ReportRequestType, readonly string[]>> = {
  AdDynamicTextPerformanceReportRequest: ['AdTitle', 'DestinationUrl', 'Param1', 'Param2', 'Param3'],
  AdExtensionByAdReportRequest: ['AdExtensionType'],
  AdExtensionByKeywordReportRequest: ['AdExtensionType', 'Keyword'],
  AdExtensionDetailReportRequest: ['AdExtensionId', 'AdExtensionPropertyValue', 'AdExtensionType', 'AdExtensionTypeId'],
  AgeGenderAudienceReportRequest: ['AccountName', 'AdGroupName', 'AgeGroup', 'Gender'],
  AudiencePerformanceReportRequest: ['AudienceId'],
  BudgetSummaryReportRequest: ['AccountName', 'AccountNumber', 'CampaignName', 'CurrencyCode', 'Date'],
  CallDetailReportRequest: ['Duration', 'EndTime', 'StartTime'],
  DestinationUrlPerformanceReportRequest: ['AccountName', 'CampaignName', 'DestinationUrl'],
  DSAAutoTargetPerformanceReportRequest: ['DynamicAdTarget'],
  DSACategoryPerformanceReportRequest: ['Category0', 'Category1', 'Category2'],
  DSASearchQueryPerformanceReportRequest: ['SearchQuery'],
  GeographicPerformanceReportRequest: ['AccountName'],
  GoalsAndFunnelsReportRequest: ['Goal'],
  NegativeKeywordConflictReportRequest: ['AccountName', 'Keyword', 'NegativeKeyword'],
  ProductDimensionPerformanceReportRequest: ['MerchantProductId'],
  ProductMatchCountReportRequest: ['AccountName', 'CampaignName'],
  ProductNegativeKeywordConflictReportRequest: ['AccountName', 'AdGroupName', 'CampaignName', 'NegativeKeyword'],
  ProductPartitionPerformanceReportRequest: ['PartitionType'],
  ProductPartitionUnitPerformanceReportRequest: ['AdGroupCriterionId', 'ProductGroup'],
  ProductSearchQueryPerformanceReportRequest: ['AccountName', 'CampaignName', 'SearchQuery'],
  ProfessionalDemographicsAudienceReportRequest: ['AccountName', 'AdGroupName', 'CompanyName', 'IndustryName', 'JobFunctionName'],
  PublisherUsagePerformanceReportRequest: ['AccountName', 'CampaignName', 'PublisherUrl'],
  SearchCampaignChangeHistoryReportRequest: ['DateTime'],
  SearchQueryPerformanceReportRequest: ['SearchQuery'],
  ShareOfVoiceReportRequest: ['ImpressionSharePercent', 'KeywordId'],
  UserLocationPerformanceReportRequest: ['AccountName'],
};

/** Requirements of one column out of several, stated below a page's table. */
export const REQUIRED_ONE_OF: Partial<Record<ReportRequestType, DocumentedRule & { columns: readonly string[] }>> = {
  ProductMatchCountReportRequest: {
    columns: ['MatchedProductsAtAdGroup', 'MatchedProductsAtCampaign', 'MatchedProductsAtProductGroup'],
    source: columnPage('ProductMatchCountReportRequest', 'requiredcolumns'),
    wording: 'One or more of the MatchedProductsAtAdGroup, MatchedProductsAtCampaign, or MatchedProductsAtProductGroup performance statistics columns are also required.',
  },
};

/** The required columns of `requestType` that `columns` lack, and the documented one-of set if none is there. */
export function missingRequired(requestType: ReportRequestType, columns: readonly string[]): { columns: string[]; oneOf: readonly string[] | null } {
  const missing = (REQUIRED_COLUMNS[requestType] ?? []).filter((c) => !columns.includes(c));
  const oneOf = REQUIRED_ONE_OF[requestType];
  return { columns: missing, oneOf: oneOf && !oneOf.columns.some((c) => columns.includes(c)) ? oneOf.columns : null };
}

// ---------------------------------------------------------------------------------------------------
// Columns refused by hour (error 2053).

const HOURLY_2053_WORDING = 'If you try to include this column with Hourly or HourOfDay aggregation the service will return code 2053.';

/**
 * The columns whose page says 2053, per request type: nothing else is refused by hour. The Top and
 * AbsoluteTop rates and shares and ExactMatchImpressionSharePercent are accepted ("the service will not
 * return an error and you should ignore any performance data returned for this column").
 */
const SEARCH_2053 = [
  'AudienceImpressionLostToBudgetPercent',
  'AudienceImpressionLostToRankPercent',
  'AudienceImpressionSharePercent',
  'ClickSharePercent',
  'ImpressionLostToBudgetPercent',
  'ImpressionLostToRankAggPercent',
  'ImpressionSharePercent',
];
const SHOPPING_2053 = ['ClickSharePercent', 'ImpressionLostToBudgetPercent', 'ImpressionLostToRankPercent', 'ImpressionSharePercent'];
export const REFUSED_BY_HOUR: Partial<Record<ReportRequestType, readonly string[]>> = {
  AccountPerformanceReportRequest: SEARCH_2053,
  AdGroupPerformanceReportRequest: [...SEARCH_2053, 'RelativeCtr'],
  CampaignPerformanceReportRequest: [...SEARCH_2053, 'RelativeCtr'],
  ProductDimensionPerformanceReportRequest: SHOPPING_2053,
  ProductPartitionPerformanceReportRequest: SHOPPING_2053,
};

export const usesHourlyData = (aggregation: Aggregation): boolean => aggregation === 'Hourly' || aggregation === 'HourOfDay';

/** The documented 2053 rule `column` breaks at `aggregation`, or null. */
export function refusedByHour(requestType: ReportRequestType, column: string, aggregation: Aggregation): DocumentedRule | null {
  if (!usesHourlyData(aggregation) || !(REFUSED_BY_HOUR[requestType] ?? []).includes(column)) return null;
  return { source: columnPage(requestType, column.toLowerCase()), wording: HOURLY_2053_WORDING };
}
