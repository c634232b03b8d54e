import { columnSpec, snakeCase, type ColumnRole, type ColumnType } from './columnTypes.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';

/**
 * The report catalog: one declarative entry per report. Tables, request building, CSV mapping and the
 * simulator's generator all derive from these entries; there is no second list to keep in sync.
 */

export const aggregations = ['Hourly', 'Daily', 'Weekly', 'Monthly'] as const;
export type Aggregation = (typeof aggregations)[number];

export interface ReportDefinition {
  /** snake_case of Microsoft's request type without "ReportRequest": used by the CLI, config and tables. */
  name: string;
  requestType: ReportRequestType;
  aggregations: readonly Aggregation[];
  /** Columns requested by default, in request (and CSV) order. */
  columns: readonly string[];
  description: string;
}

export interface ReportColumn {
  /** Microsoft's column name, as requested and as it appears in the CSV header. */
  name: string;
  /** Postgres column name. */
  sqlName: string;
  type: ColumnType;
  role: ColumnRole;
}

export const reports = {
  campaign_performance: {
    name: 'campaign_performance',
    requestType: 'CampaignPerformanceReportRequest',
    aggregations: ['Daily'],
    description: 'Campaign performance by day, device and network.',
    columns: [
      'TimePeriod',
      'AccountId',
      'AccountName',
      'AccountNumber',
      'CampaignId',
      'CampaignName',
      'CampaignStatus',
      'CampaignType',
      'CurrencyCode',
      'AdDistribution',
      'DeviceType',
      'Network',
      'Impressions',
      'Clicks',
      'Ctr',
      'AverageCpc',
      'Spend',
      'Conversions',
      'ConversionRate',
      'CostPerConversion',
      'Revenue',
      'ReturnOnAdSpend',
      'AllConversions',
      'AllRevenue',
      'ViewThroughConversions',
      'Assists',
      'ImpressionSharePercent',
      'ImpressionLostToBudgetPercent',
      'ImpressionLostToRankAggPercent',
      'QualityScore',
    ],
  },
  keyword_performance: {
    name: 'keyword_performance',
    requestType: 'KeywordPerformanceReportRequest',
    aggregations: ['Daily'],
    description: 'Keyword performance by day, match type, device and network.',
    columns: [
      'TimePeriod',
      'AccountId',
      'AccountName',
      'CampaignId',
      'CampaignName',
      'AdGroupId',
      'AdGroupName',
      'KeywordId',
      'Keyword',
      'KeywordStatus',
      'CurrencyCode',
      'DeliveredMatchType',
      'BidMatchType',
      'DeviceType',
      'Network',
      'Impressions',
      'Clicks',
      'Ctr',
      'AverageCpc',
      'Spend',
      'Conversions',
      'ConversionRate',
      'CostPerConversion',
      'Revenue',
      'ReturnOnAdSpend',
      'AllConversions',
      'QualityScore',
      'ExpectedCtr',
      'AdRelevance',
      'LandingPageExperience',
      'TopImpressionRatePercent',
      'AbsoluteTopImpressionRatePercent',
    ],
  },
} as const satisfies Record<string, ReportDefinition>;

export type ReportName = keyof typeof reports;
export const reportNames = Object.keys(reports) as [ReportName, ...ReportName[]];

export function getReport(name: string): ReportDefinition {
  const def = (reports as Record<string, ReportDefinition>)[name];
  if (!def) throw new Error(`Unknown report "${name}". Known reports: ${reportNames.join(', ')}`);
  return def;
}

export function tableName(report: ReportDefinition, aggregation: Aggregation): string {
  return `${report.name}_${aggregation.toLowerCase()}`;
}

export function reportColumns(report: ReportDefinition): ReportColumn[] {
  return report.columns.map((name) => ({ name, sqlName: snakeCase(name), ...columnSpec(name) }));
}

/**
 * The columns of the unique key: every requested attribute. Microsoft aggregates by exactly these
 * columns, so no two real rows can share a key. AccountId and TimePeriod lead so the key's index also
 * serves the replace-window delete (account, date range).
 */
export function keyColumns(report: ReportDefinition): ReportColumn[] {
  const attrs = reportColumns(report).filter((c) => c.role === 'attribute');
  const lead = ['AccountId', 'TimePeriod'];
  return [
    ...lead.flatMap((n) => attrs.filter((c) => c.name === n)),
    ...attrs.filter((c) => !lead.includes(c.name)),
  ];
}

/** Every catalog entry must name columns that exist in Microsoft's enum for its request type. */
export function assertCatalogConsistent(): void {
  for (const def of Object.values(reports) as ReportDefinition[]) {
    const allowed = new Set<string>(requestTypes[def.requestType].columns);
    const unknown = def.columns.filter((c) => !allowed.has(c));
    if (unknown.length > 0) throw new Error(`${def.name}: columns not in ${def.requestType}: ${unknown.join(', ')}`);
  }
}
