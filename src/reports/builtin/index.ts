import type { ReportDefinition } from '../catalog.js';
import { ageGenderAudience, audiencePerformance } from './audiences.js';
import { budgetSummary } from './budget.js';
import { conversionPerformance, goalsAndFunnels } from './conversions.js';
import { geographicPerformance, userLocationPerformance } from './locations.js';
import {
  accountPerformance,
  adGroupPerformance,
  adPerformance,
  campaignPerformance,
  destinationUrlPerformance,
  keywordPerformance,
} from './performance.js';
import { productSearchQueryPerformance, searchQueryPerformance } from './searchTerms.js';
import { assetGroupPerformance, productDimensionPerformance } from './shopping.js';

/** The built-in reports, keyed by name, in the order docs list them. */
export const builtinReports = {
  account_performance: accountPerformance,
  campaign_performance: campaignPerformance,
  ad_group_performance: adGroupPerformance,
  ad_performance: adPerformance,
  keyword_performance: keywordPerformance,
  destination_url_performance: destinationUrlPerformance,
  search_query_performance: searchQueryPerformance,
  product_search_query_performance: productSearchQueryPerformance,
  geographic_performance: geographicPerformance,
  user_location_performance: userLocationPerformance,
  age_gender_audience: ageGenderAudience,
  audience_performance: audiencePerformance,
  goals_and_funnels: goalsAndFunnels,
  conversion_performance: conversionPerformance,
  product_dimension_performance: productDimensionPerformance,
  asset_group_performance: assetGroupPerformance,
  budget_summary: budgetSummary,
} as const satisfies Record<string, ReportDefinition>;

export type BuiltinReportName = keyof typeof builtinReports;
