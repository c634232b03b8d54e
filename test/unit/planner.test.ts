import { describe, expect, it } from 'vitest';
import { reportJobId } from '../../src/jobs/reportJobData.js';
import { addDays, addMonths, daysBetween, todayIn } from '../../src/schedule/dates.js';
import { clampWindow, planBackfill, planNightly, splitWindows, type PlannedReport } from '../../src/schedule/planner.js';
import { retentionFor } from '../../src/schedule/retention.js';

const daily: PlannedReport = { report: 'campaign_performance', aggregation: 'Daily', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') };
const hourly: PlannedReport = { report: 'campaign_performance', aggregation: 'Hourly', retention: retentionFor('CampaignPerformanceReportRequest', 'Hourly') };
const keyword: PlannedReport = { report: 'keyword_performance', aggregation: 'Daily', retention: retentionFor('KeywordPerformanceReportRequest', 'Daily') };

const connections = [
  { connectionId: 'conn-a', health: 'ok' as const },
  { connectionId: 'conn-b', health: 'ok' as const },
  { connectionId: 'conn-dead', health: 'needs_reauth' as const },
];
const accounts = [
  { connectionId: 'conn-a', accountId: '101', customerId: '1' },
  { connectionId: 'conn-a', accountId: '102', customerId: '1' },
  { connectionId: 'conn-b', accountId: '201', customerId: '2' },
  { connectionId: 'conn-dead', accountId: '301', customerId: '3' },
];

describe('dates', () => {
  it('today is the calendar date in the given zone', () => {
    const now = new Date('2026-03-15T03:00:00Z');
    expect(todayIn('UTC', now)).toBe('2026-03-15');
    expect(todayIn('America/Los_Angeles', now)).toBe('2026-03-14');
    expect(todayIn('Pacific/Auckland', new Date('2026-03-15T12:00:00Z'))).toBe('2026-03-16');
  });

  it('adds days and months across month, year and leap-year edges', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2026-01-15', -36)).toBe('2023-01-15');
    expect(daysBetween('2025-12-25', '2026-01-05')).toBe(11);
    // A DST change (US: 2026-03-08) does not shift a date.
    expect(addDays('2026-03-07', 2)).toBe('2026-03-09');
  });
});

describe('planNightly', () => {
  const input = { now: new Date('2026-03-15T10:00:00Z'), timeZone: 'UTC', lookbackDays: 30, connections, accounts, reports: [daily, keyword] };

  it('one job per healthy connection × account × report for [today − lookback, yesterday]', () => {
    const plan = planNightly(input);
    expect(plan.today).toBe('2026-03-15');
    expect(plan.skippedConnections).toEqual(['conn-dead']);
    expect(plan.warnings).toEqual([]);
    expect(plan.jobs).toHaveLength(3 * 2);
    for (const job of plan.jobs) expect({ from: job.from, to: job.to }).toEqual({ from: '2026-02-13', to: '2026-03-14' });
    expect(plan.jobs.map((j) => `${j.connectionId}/${j.accountId}/${j.report}/${j.customerId}`)).toEqual([
      // Customers interleaved (Microsoft's concurrency limit is per customer), each in its own order.
      'conn-a/101/campaign_performance/1',
      'conn-b/201/campaign_performance/2',
      'conn-a/101/keyword_performance/1',
      'conn-b/201/keyword_performance/2',
      'conn-a/102/campaign_performance/1',
      'conn-a/102/keyword_performance/1',
    ]);
    // Deterministic: the same input gives the same jobs, hence the same job ids.
    expect(planNightly(input).jobs.map(reportJobId)).toEqual(plan.jobs.map(reportJobId));
    expect(new Set(plan.jobs.map(reportJobId)).size).toBe(plan.jobs.length);
  });

  it('computes today in the report time zone', () => {
    const plan = planNightly({ ...input, now: new Date('2026-03-15T03:00:00Z'), timeZone: 'America/Los_Angeles' });
    expect(plan.today).toBe('2026-03-14');
    expect(plan.jobs[0]).toMatchObject({ from: '2026-02-12', to: '2026-03-13' });
  });

  it('gives DayOfWeek and HourOfDay (predefined periods only) the longest complete period inside the lookback', () => {
    const byWeekday: PlannedReport = { report: 'weekday_mix', aggregation: 'DayOfWeek', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') };
    const byHour: PlannedReport = { report: 'hour_mix', aggregation: 'HourOfDay', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') };
    // Today 2026-03-15, lookback 45 days (from 2026-01-29): LastMonth (February) fits, LastThreeMonths does not.
    const plan = planNightly({ ...input, lookbackDays: 45, reports: [byWeekday, byHour] });
    expect(plan.jobs).toHaveLength(6);
    for (const job of plan.jobs) expect({ from: job.from, to: job.to }).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    // The default 30 days hold no whole month: the last seven days (ThisMonth would include today).
    const week = planNightly({ ...input, reports: [byWeekday] });
    expect(week.jobs[0]).toMatchObject({ from: '2026-03-08', to: '2026-03-14' });
  });

  it('clamps to retention with a warning instead of failing', () => {
    const plan = planNightly({ ...input, lookbackDays: 400, reports: [daily, hourly] });
    const hourlyJobs = plan.jobs.filter((j) => j.aggregation === 'Hourly');
    const dailyJobs = plan.jobs.filter((j) => j.aggregation === 'Daily');
    expect(dailyJobs[0]).toMatchObject({ from: addDays('2026-03-15', -400), to: '2026-03-14' });
    expect(hourlyJobs[0]).toMatchObject({ from: '2025-09-15', to: '2026-03-14' });
    expect(plan.warnings).toEqual([expect.objectContaining({ kind: 'retention_clamped', aggregation: 'Hourly', planned: { from: '2025-09-15', to: '2026-03-14' } })]);
    expect(plan.warnings[0]?.message).toContain('6 months');
  });

  it('geographic hourly keeps 14 days; share of voice has no hourly at all', () => {
    const geo: PlannedReport = { report: 'campaign_performance', aggregation: 'Hourly', retention: retentionFor('GeographicPerformanceReportRequest', 'Hourly') };
    expect(clampWindow({ from: '2026-02-13', to: '2026-03-14' }, geo, '2026-03-15')).toMatchObject({ window: { from: '2026-03-01', to: '2026-03-14' } });
    const sov: PlannedReport = { report: 'campaign_performance', aggregation: 'Hourly', retention: retentionFor('ShareOfVoiceReportRequest', 'Hourly') };
    expect(clampWindow({ from: '2026-02-13', to: '2026-03-14' }, sov, '2026-03-15')).toMatchObject({ window: null, warning: { kind: 'outside_retention' } });
    // Retention not documented for the request type: the window is left as asked.
    const unknown: PlannedReport = { report: 'custom_x', aggregation: 'Daily', retention: undefined };
    expect(clampWindow({ from: '2020-01-01', to: '2026-03-14' }, unknown, '2026-03-15')).toEqual({ window: { from: '2020-01-01', to: '2026-03-14' } });
  });

  it('loads an account that two connections reach once, through the first connection', () => {
    const plan = planNightly({ ...input, reports: [daily], accounts: [...accounts, { connectionId: 'conn-b', accountId: '101', customerId: '1' }] });
    expect(plan.jobs.filter((j) => j.accountId === '101').map((j) => j.connectionId)).toEqual(['conn-a']);
    expect(plan.warnings).toEqual([expect.objectContaining({ kind: 'duplicate_account', accountId: '101', connectionIds: ['conn-a', 'conn-b'] })]);
  });
});

describe('splitWindows and planBackfill', () => {
  it('splits at month and year edges without gaps or overlaps', () => {
    expect(splitWindows('2023-12-20', '2024-03-05', 31)).toEqual([
      { from: '2023-12-20', to: '2024-01-19' },
      { from: '2024-01-20', to: '2024-02-19' },
      { from: '2024-02-20', to: '2024-03-05' },
    ]);
    expect(splitWindows('2025-12-29', '2026-01-09', 7)).toEqual([
      { from: '2025-12-29', to: '2026-01-04' },
      { from: '2026-01-05', to: '2026-01-09' },
    ]);
    expect(splitWindows('2024-02-28', '2024-03-01', 1).map((w) => w.from)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(splitWindows('2026-01-01', '2026-01-01', 31)).toEqual([{ from: '2026-01-01', to: '2026-01-01' }]);
  });

  it('a 90-day daily backfill is 3 windows per account, hourly 7-day windows, ids unique', () => {
    const { jobs, warnings } = planBackfill({ today: '2026-03-15', from: '2025-12-01', to: '2026-02-28', accounts: accounts.slice(0, 2), reports: [daily, hourly] });
    expect(warnings).toEqual([]);
    const dailyJobs = jobs.filter((j) => j.aggregation === 'Daily' && j.accountId === '101');
    expect(dailyJobs.map((j) => `${j.from}..${j.to}`)).toEqual(['2025-12-01..2025-12-31', '2026-01-01..2026-01-31', '2026-02-01..2026-02-28']);
    expect(jobs.filter((j) => j.aggregation === 'Hourly' && j.accountId === '101')).toHaveLength(13);
    expect(new Set(jobs.map(reportJobId)).size).toBe(jobs.length);
    expect(planBackfill({ today: '2026-03-15', from: '2025-12-01', to: '2026-02-28', windowDays: 45, accounts: accounts.slice(0, 1), reports: [daily] }).jobs).toHaveLength(2);
  });

  it('refuses future and reversed ranges; clamps or drops what Microsoft no longer keeps', () => {
    const base = { today: '2026-03-15', accounts: accounts.slice(0, 1), reports: [daily] };
    expect(() => planBackfill({ ...base, from: '2026-03-01', to: '2026-03-16' })).toThrow(/future/);
    expect(() => planBackfill({ ...base, from: '2026-03-02', to: '2026-03-01' })).toThrow(/after/);
    expect(() => planBackfill({ ...base, from: '2026-02-30', to: '2026-03-01' })).toThrow(/YYYY-MM-DD/);
    const clamped = planBackfill({ ...base, from: '2022-12-01', to: '2023-04-30' });
    expect(clamped.jobs[0]?.from).toBe('2023-03-15');
    expect(clamped.warnings[0]).toMatchObject({ kind: 'retention_clamped' });
    const gone = planBackfill({ ...base, from: '2020-01-01', to: '2020-12-31' });
    expect(gone.jobs).toEqual([]);
    expect(gone.warnings[0]).toMatchObject({ kind: 'outside_retention' });
  });
});
