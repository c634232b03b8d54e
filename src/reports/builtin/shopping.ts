import type { ReportDefinition } from '../catalog.js';
import { ACCOUNT, AD_GROUP, CAMPAIGN, STANDARD_METRICS, TOP_RATES, available } from './columnSets.js';

/**
 * Products and Performance Max. The product dimension report has no AccountId column: its rows get the
 * run's account id, like every table (see the table notes in docs/SCHEMA.md).
 *
 * Microsoft refuses its impression share and benchmark columns together with AdDistribution, AdId,
 * AdStatus, ClickType(Id), Goal(Type), Language, LocalStoreCode, Network and TopVsOther
 * (guides/reports.md#columnrestrictions). The report keeps the attributes, which key its rows, and no
 * longer requests the shares; its tables keep their columns (retiredColumns).
 */

const PRODUCT_SHARE_REASON = 'Microsoft refuses it together with AdId, Network and Language, guides/reports.md#columnrestrictions';

export const productDimensionPerformance: ReportDefinition = {
  name: 'product_dimension_performance',
  requestType: 'ProductDimensionPerformanceReportRequest',
  description: 'Shopping performance by product (feed attributes), by period, ad, device, network and language.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('ProductDimensionPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    'AssetGroupId',
    'AssetGroupName',
    'AdId',
    'MerchantProductId',
    'Title',
    'Brand',
    'Condition',
    'Price',
    'ProductType1',
    'ProductType2',
    'ProductCategory1',
    'ProductCategory2',
    'CustomLabel0',
    'CustomLabel1',
    'SellerName',
    'CountryOfSale',
    'OfferLanguage',
    'CurrencyCode',
    'DeviceType',
    'Network',
    'Language',
    ...STANDARD_METRICS,
    'AssistedImpressions',
    'AssistedClicks',
    'AssistedConversions',
    ...TOP_RATES,
  ]),
  retiredColumns: [
    'BenchmarkBid',
    'BenchmarkCtr',
    'ImpressionSharePercent',
    'ImpressionLostToBudgetPercent',
    'ImpressionLostToRankPercent',
    'ClickSharePercent',
    'AbsoluteTopImpressionSharePercent',
  ].map((name) => ({ name, reason: PRODUCT_SHARE_REASON })),
};

export const assetGroupPerformance: ReportDefinition = {
  name: 'asset_group_performance',
  requestType: 'AssetGroupPerformanceReportRequest',
  description: 'Performance Max asset group performance by period.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('AssetGroupPerformanceReportRequest', [
    'TimePeriod',
    'AccountId',
    'AccountName',
    'AccountStatus',
    ...CAMPAIGN,
    'AssetGroupId',
    'AssetGroupName',
    'AssetGroupStatus',
    ...STANDARD_METRICS,
  ]),
};
