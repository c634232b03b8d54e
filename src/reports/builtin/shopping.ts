import type { ReportDefinition } from '../catalog.js';
import { ACCOUNT, AD_GROUP, CAMPAIGN, STANDARD_METRICS, TOP_RATES, available } from './columnSets.js';

/**
 * Products and Performance Max. The product dimension report has no AccountId column: its rows get the
 * run's account id, like every table (see the table notes in docs/SCHEMA.md).
 */

export const productDimensionPerformance: ReportDefinition = {
  name: 'product_dimension_performance',
  requestType: 'ProductDimensionPerformanceReportRequest',
  description: 'Shopping performance by product (feed attributes), by period, device and network, with impression share.',
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
    'BenchmarkBid',
    'BenchmarkCtr',
    'ImpressionSharePercent',
    'ImpressionLostToBudgetPercent',
    'ImpressionLostToRankPercent',
    'ClickSharePercent',
    'AbsoluteTopImpressionSharePercent',
    ...TOP_RATES,
  ]),
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
