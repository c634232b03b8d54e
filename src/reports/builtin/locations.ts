import type { ReportDefinition } from '../catalog.js';
import { ACCOUNT, AD_GROUP, CAMPAIGN, STANDARD_METRICS, TOP_RATES, available } from './columnSets.js';

/**
 * Where users were (geographic) or what place they searched for (user location). Every location level
 * is an attribute, so the key cannot merge two places (the reason Airbyte dropped its geographic key).
 * Microsoft keeps hourly location data 14 days only.
 */

const PLACE = ['Country', 'State', 'MetroArea', 'City', 'County', 'PostalCode', 'Neighborhood', 'LocationId'];
const SEGMENTS = ['CurrencyCode', 'AdDistribution', 'DeviceType', 'DeviceOS', 'Network', 'TopVsOther', 'DeliveredMatchType', 'BidMatchType', 'Language'];

export const geographicPerformance: ReportDefinition = {
  name: 'geographic_performance',
  requestType: 'GeographicPerformanceReportRequest',
  description: 'Performance by the physical location of users (or their location of interest), by period, device and network.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('GeographicPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    ...PLACE,
    'LocationType',
    'MostSpecificLocation',
    ...SEGMENTS,
    ...STANDARD_METRICS,
    ...TOP_RATES,
  ]),
};

export const userLocationPerformance: ReportDefinition = {
  name: 'user_location_performance',
  requestType: 'UserLocationPerformanceReportRequest',
  description: 'Performance by where users were and which place they searched for (query intent), by period, device and network.',
  aggregations: ['Hourly', 'Daily', 'Weekly', 'Monthly'],
  columns: available('UserLocationPerformanceReportRequest', [
    'TimePeriod',
    ...ACCOUNT,
    ...CAMPAIGN,
    ...AD_GROUP,
    ...PLACE,
    'QueryIntentCountry',
    'QueryIntentState',
    'QueryIntentCity',
    'QueryIntentDMA',
    'QueryIntentCounty',
    'QueryIntentPostalCode',
    'QueryIntentNeighborhood',
    'QueryIntentLocationId',
    ...SEGMENTS,
    ...STANDARD_METRICS,
    ...TOP_RATES,
  ]),
};
