import { addDays, addMonths } from './dates.js';

/**
 * How far back Microsoft keeps report data, per report type and aggregation (REPORTING-FACTS §6.4).
 * Requests for older days return nothing or fail, so windows are clamped to it. `null` = Microsoft does
 * not offer the aggregation for the report at all.
 */
export type Retention = { months: number } | { days: number } | null;

interface RetentionRow {
  hourly: Retention;
  /** Daily and every coarser aggregation. */
  daily: Retention;
}

const DEFAULT: RetentionRow = { hourly: { months: 6 }, daily: { months: 36 } };

/** The rows of §6.4 that differ from the default (hourly 6 months, daily and coarser 36 months). */
const BY_REQUEST_TYPE: Readonly<Record<string, RetentionRow>> = {
  PublisherUsagePerformanceReportRequest: { hourly: { months: 2 }, daily: { months: 36 } },
  SearchQueryPerformanceReportRequest: { hourly: { months: 1 }, daily: { months: 36 } },
  ProductSearchQueryPerformanceReportRequest: { hourly: { months: 1 }, daily: { months: 36 } },
  DSASearchQueryPerformanceReportRequest: { hourly: { months: 1 }, daily: { months: 36 } },
  GoalsAndFunnelsReportRequest: { hourly: { months: 1 }, daily: { months: 36 } },
  ShareOfVoiceReportRequest: { hourly: null, daily: { months: 6 } },
  GeographicPerformanceReportRequest: { hourly: { days: 14 }, daily: { months: 36 } },
  UserLocationPerformanceReportRequest: { hourly: { days: 14 }, daily: { months: 36 } },
  BudgetSummaryReportRequest: { hourly: null, daily: { months: 24 } },
  CallDetailReportRequest: { hourly: { months: 6 }, daily: { months: 6 } },
  SearchCampaignChangeHistoryReportRequest: { hourly: { months: 6 }, daily: { months: 6 } },
};

export function retentionFor(requestType: string, aggregation: string): Retention {
  const row = BY_REQUEST_TYPE[requestType] ?? DEFAULT;
  return aggregation === 'Hourly' ? row.hourly : row.daily;
}

/** The oldest day Microsoft still has on `today`, or undefined when the aggregation is not offered. */
export function earliestAvailableDay(today: string, retention: Retention): string | undefined {
  if (retention === null) return undefined;
  // "6 months" taken literally from today; a day more would be at Microsoft's discretion.
  return 'months' in retention ? addMonths(today, -retention.months) : addDays(today, -retention.days);
}

export function describeRetention(retention: Retention): string {
  if (retention === null) return 'not offered';
  return 'months' in retention ? `${retention.months} months` : `${retention.days} days`;
}
