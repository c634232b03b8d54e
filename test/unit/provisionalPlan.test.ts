import { describe, expect, it } from 'vitest';
import { reportJobId } from '../../src/jobs/reportJobData.js';
import { planNightly, type PlannedReport } from '../../src/schedule/planner.js';
import type { ProvisionalWindow } from '../../src/schedule/provisional.js';
import { retentionFor } from '../../src/schedule/retention.js';

/** The nightly plan with provisional windows: those targets first, their last day covered. Fixed clock. */

const daily: PlannedReport = { report: 'campaign_performance', aggregation: 'Daily', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') };
const hourly: PlannedReport = { report: 'campaign_performance', aggregation: 'Hourly', retention: retentionFor('CampaignPerformanceReportRequest', 'Hourly') };
const keyword: PlannedReport = { report: 'keyword_performance', aggregation: 'Daily', retention: retentionFor('KeywordPerformanceReportRequest', 'Daily') };
const summary: PlannedReport = { report: 'campaign_performance', aggregation: 'Summary', retention: retentionFor('CampaignPerformanceReportRequest', 'Summary') };
const weekday: PlannedReport = { report: 'weekday_mix', aggregation: 'DayOfWeek', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') };

const connections = [
  { connectionId: 'conn-a', health: 'ok' as const },
  { connectionId: 'conn-b', health: 'ok' as const },
];
const accounts = [
  { connectionId: 'conn-a', accountId: '101', customerId: '1' },
  { connectionId: 'conn-a', accountId: '102', customerId: '1' },
  { connectionId: 'conn-b', accountId: '201', customerId: '2' },
];
// Today 2026-03-15 (UTC): the 30-day nightly window is 2026-02-13..2026-03-14.
const input = { now: new Date('2026-03-15T10:00:00Z'), timeZone: 'UTC', lookbackDays: 30, connections, accounts, reports: [daily, keyword] };
const p = (accountId: string, r: PlannedReport, from: string, to: string): ProvisionalWindow => ({ accountId, report: r.report, aggregation: r.aggregation, from, to });
const label = (j: { accountId: string; report: string; aggregation: string; from: string; to: string }) => `${j.accountId}/${j.report}/${j.aggregation} ${j.from}..${j.to}`;

describe('planNightly with provisional windows', () => {
  it('puts targets with a provisional window first, keeping every window and job id otherwise the same', () => {
    const plain = planNightly(input);
    expect(plain.provisionalJobs).toBe(0);
    const plan = planNightly({ ...input, provisional: [p('201', keyword, '2026-03-01', '2026-03-10'), p('102', daily, '2026-03-14', '2026-03-14')] });
    expect(plan.provisionalJobs).toBe(2);
    expect(plan.jobs.map(label)).toEqual([
      '102/campaign_performance/Daily 2026-02-13..2026-03-14',
      '201/keyword_performance/Daily 2026-02-13..2026-03-14',
      '101/campaign_performance/Daily 2026-02-13..2026-03-14',
      '201/campaign_performance/Daily 2026-02-13..2026-03-14',
      '101/keyword_performance/Daily 2026-02-13..2026-03-14',
      '102/keyword_performance/Daily 2026-02-13..2026-03-14',
    ]);
    // Only the order changed: the same ids as without provisional windows, and the same on a re-plan.
    expect(new Set(plan.jobs.map(reportJobId))).toEqual(new Set(plain.jobs.map(reportJobId)));
    expect(planNightly({ ...input, provisional: [p('201', keyword, '2026-03-01', '2026-03-10'), p('102', daily, '2026-03-14', '2026-03-14')] }).jobs.map(reportJobId)).toEqual(plan.jobs.map(reportJobId));
  });

  it('matches by account, whichever connection loaded the window; ignores windows ending today', () => {
    const plan = planNightly({ ...input, provisional: [{ ...p('101', keyword, '2026-03-10', '2026-03-14') }, p('201', daily, '2026-03-15', '2026-03-15')] });
    expect(plan.provisionalJobs).toBe(1);
    expect(plan.jobs[0]).toMatchObject({ connectionId: 'conn-a', accountId: '101', report: 'keyword_performance' });
    // A window of an account or report the plan does not load tonight changes nothing.
    expect(planNightly({ ...input, provisional: [p('999', daily, '2026-03-01', '2026-03-10')] }).jobs).toEqual(planNightly(input).jobs);
  });

  it('widens a dated window back to a last day the lookback no longer reaches, within retention', () => {
    const short = { ...input, lookbackDays: 3, reports: [daily, hourly] };
    const plan = planNightly({
      ...short,
      provisional: [
        p('102', daily, '2026-02-01', '2026-03-05'),
        p('102', daily, '2026-01-01', '2026-01-31'),
        // Hourly is kept 6 months: a last day of 2025-08-31 cannot be re-pulled, so that target keeps its place.
        p('201', hourly, '2025-08-01', '2025-08-31'),
      ],
    });
    expect(plan.provisionalJobs).toBe(1);
    expect(label(plan.jobs[0]!)).toBe('102/campaign_performance/Daily 2026-01-31..2026-03-14');
    expect(plan.jobs.filter((j) => j.accountId === '201' && j.aggregation === 'Hourly').map(label)).toEqual(['201/campaign_performance/Hourly 2026-03-12..2026-03-14']);
    expect(plan.jobs).toHaveLength(6);
  });

  it('re-pulls a Summary window as exactly itself (a wider one is other figures); predefined-only aggregations are left', () => {
    const plan = planNightly({
      ...input,
      lookbackDays: 3,
      accounts: accounts.slice(0, 1),
      reports: [summary, weekday],
      provisional: [p('101', summary, '2026-02-01', '2026-02-10'), p('101', weekday, '2026-02-01', '2026-02-07')],
    });
    expect(plan.provisionalJobs).toBe(2);
    expect(plan.jobs.map(label)).toEqual([
      '101/campaign_performance/Summary 2026-03-12..2026-03-14',
      '101/campaign_performance/Summary 2026-02-01..2026-02-10',
      // The nightly period of 3 days' lookback is Yesterday: the old window cannot be asked for again.
      '101/weekday_mix/DayOfWeek 2026-03-14..2026-03-14',
    ]);
    expect(new Set(plan.jobs.map(reportJobId)).size).toBe(3);
  });
});
