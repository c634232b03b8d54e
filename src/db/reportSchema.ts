import { builtinReports as reports } from '../reports/builtin/index.js';
import { buildReportTable as table } from './reportTables.js';

/**
 * The built-in report tables, one named export each: drizzle-kit only sees named exports. The catalog
 * test checks this list against the catalog, so a report or aggregation added there fails until it is
 * added here (and `npx drizzle-kit generate` is run).
 */

export const accountPerformanceHourly = table(reports.account_performance, 'Hourly');
export const accountPerformanceDaily = table(reports.account_performance, 'Daily');
export const accountPerformanceWeekly = table(reports.account_performance, 'Weekly');
export const accountPerformanceMonthly = table(reports.account_performance, 'Monthly');
export const campaignPerformanceHourly = table(reports.campaign_performance, 'Hourly');
export const campaignPerformanceDaily = table(reports.campaign_performance, 'Daily');
export const campaignPerformanceWeekly = table(reports.campaign_performance, 'Weekly');
export const campaignPerformanceMonthly = table(reports.campaign_performance, 'Monthly');
export const adGroupPerformanceHourly = table(reports.ad_group_performance, 'Hourly');
export const adGroupPerformanceDaily = table(reports.ad_group_performance, 'Daily');
export const adGroupPerformanceWeekly = table(reports.ad_group_performance, 'Weekly');
export const adGroupPerformanceMonthly = table(reports.ad_group_performance, 'Monthly');
export const adPerformanceHourly = table(reports.ad_performance, 'Hourly');
export const adPerformanceDaily = table(reports.ad_performance, 'Daily');
export const adPerformanceWeekly = table(reports.ad_performance, 'Weekly');
export const adPerformanceMonthly = table(reports.ad_performance, 'Monthly');
export const keywordPerformanceHourly = table(reports.keyword_performance, 'Hourly');
export const keywordPerformanceDaily = table(reports.keyword_performance, 'Daily');
export const keywordPerformanceWeekly = table(reports.keyword_performance, 'Weekly');
export const keywordPerformanceMonthly = table(reports.keyword_performance, 'Monthly');
export const destinationUrlPerformanceHourly = table(reports.destination_url_performance, 'Hourly');
export const destinationUrlPerformanceDaily = table(reports.destination_url_performance, 'Daily');
export const destinationUrlPerformanceWeekly = table(reports.destination_url_performance, 'Weekly');
export const destinationUrlPerformanceMonthly = table(reports.destination_url_performance, 'Monthly');
export const searchQueryPerformanceHourly = table(reports.search_query_performance, 'Hourly');
export const searchQueryPerformanceDaily = table(reports.search_query_performance, 'Daily');
export const searchQueryPerformanceWeekly = table(reports.search_query_performance, 'Weekly');
export const searchQueryPerformanceMonthly = table(reports.search_query_performance, 'Monthly');
export const productSearchQueryPerformanceHourly = table(reports.product_search_query_performance, 'Hourly');
export const productSearchQueryPerformanceDaily = table(reports.product_search_query_performance, 'Daily');
export const productSearchQueryPerformanceWeekly = table(reports.product_search_query_performance, 'Weekly');
export const productSearchQueryPerformanceMonthly = table(reports.product_search_query_performance, 'Monthly');
export const geographicPerformanceHourly = table(reports.geographic_performance, 'Hourly');
export const geographicPerformanceDaily = table(reports.geographic_performance, 'Daily');
export const geographicPerformanceWeekly = table(reports.geographic_performance, 'Weekly');
export const geographicPerformanceMonthly = table(reports.geographic_performance, 'Monthly');
export const userLocationPerformanceHourly = table(reports.user_location_performance, 'Hourly');
export const userLocationPerformanceDaily = table(reports.user_location_performance, 'Daily');
export const userLocationPerformanceWeekly = table(reports.user_location_performance, 'Weekly');
export const userLocationPerformanceMonthly = table(reports.user_location_performance, 'Monthly');
export const ageGenderAudienceHourly = table(reports.age_gender_audience, 'Hourly');
export const ageGenderAudienceDaily = table(reports.age_gender_audience, 'Daily');
export const ageGenderAudienceWeekly = table(reports.age_gender_audience, 'Weekly');
export const ageGenderAudienceMonthly = table(reports.age_gender_audience, 'Monthly');
export const audiencePerformanceHourly = table(reports.audience_performance, 'Hourly');
export const audiencePerformanceDaily = table(reports.audience_performance, 'Daily');
export const audiencePerformanceWeekly = table(reports.audience_performance, 'Weekly');
export const audiencePerformanceMonthly = table(reports.audience_performance, 'Monthly');
export const goalsAndFunnelsHourly = table(reports.goals_and_funnels, 'Hourly');
export const goalsAndFunnelsDaily = table(reports.goals_and_funnels, 'Daily');
export const goalsAndFunnelsWeekly = table(reports.goals_and_funnels, 'Weekly');
export const goalsAndFunnelsMonthly = table(reports.goals_and_funnels, 'Monthly');
export const conversionPerformanceHourly = table(reports.conversion_performance, 'Hourly');
export const conversionPerformanceDaily = table(reports.conversion_performance, 'Daily');
export const conversionPerformanceWeekly = table(reports.conversion_performance, 'Weekly');
export const conversionPerformanceMonthly = table(reports.conversion_performance, 'Monthly');
export const productDimensionPerformanceHourly = table(reports.product_dimension_performance, 'Hourly');
export const productDimensionPerformanceDaily = table(reports.product_dimension_performance, 'Daily');
export const productDimensionPerformanceWeekly = table(reports.product_dimension_performance, 'Weekly');
export const productDimensionPerformanceMonthly = table(reports.product_dimension_performance, 'Monthly');
export const assetGroupPerformanceHourly = table(reports.asset_group_performance, 'Hourly');
export const assetGroupPerformanceDaily = table(reports.asset_group_performance, 'Daily');
export const assetGroupPerformanceWeekly = table(reports.asset_group_performance, 'Weekly');
export const assetGroupPerformanceMonthly = table(reports.asset_group_performance, 'Monthly');
export const budgetSummaryDaily = table(reports.budget_summary, 'Daily');
