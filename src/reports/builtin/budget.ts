import type { ReportDefinition } from '../catalog.js';

/**
 * BudgetSummaryReportRequest has no Aggregation element: Microsoft always reports it by day, with a Date
 * column instead of TimePeriod, and keeps 24 months. We call its one table `budget_summary_daily`.
 */
export const budgetSummary: ReportDefinition = {
  name: 'budget_summary',
  requestType: 'BudgetSummaryReportRequest',
  description: 'Daily spend against the monthly budget, per campaign.',
  aggregations: ['Daily'],
  columns: [
    'Date',
    'AccountId',
    'AccountName',
    'AccountNumber',
    'CampaignId',
    'CampaignName',
    'CurrencyCode',
    'MonthlyBudget',
    'DailySpend',
    'MonthToDateSpend',
  ],
};
