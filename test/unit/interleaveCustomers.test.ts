import { describe, expect, it } from 'vitest';
import { interleaveCustomers, planNightly, type PlannedReport } from '../../src/schedule/planner.js';
import { retentionFor } from '../../src/schedule/retention.js';

const reports: PlannedReport[] = [
  { report: 'CampaignPerformance', aggregation: 'Daily', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') },
  { report: 'AdGroupPerformance', aggregation: 'Daily', retention: retentionFor('CampaignPerformanceReportRequest', 'Daily') },
];

describe('interleaveCustomers', () => {
  it('takes one job of each customer in turn, each customer keeping its own order', () => {
    const job = (customerId: string, accountId: string) => ({ connectionId: 'c', customerId, accountId, report: 'CampaignPerformance' as const, aggregation: 'Daily' as const, from: '2026-11-01', to: '2026-11-30' });
    const out = interleaveCustomers([job('1', 'a'), job('1', 'b'), job('1', 'c'), job('2', 'd'), job('3', 'e'), job('3', 'f')]);
    expect(out.map((j) => j.accountId)).toEqual(['a', 'd', 'e', 'b', 'f', 'c']);
  });

  it('a nightly plan ordered by connection starts with every customer in its first jobs', () => {
    // Two connections, each one customer with 5 accounts: by connection, customer 200 would come 11th.
    const accounts = ['100', '200'].flatMap((customerId, c) =>
      Array.from({ length: 5 }, (_, i) => ({ connectionId: `conn-${c}`, customerId, accountId: `${customerId}${i}` })),
    );
    const plan = planNightly({
      now: new Date('2026-12-02T08:00:00Z'),
      timeZone: 'UTC',
      lookbackDays: 30,
      connections: [{ connectionId: 'conn-0', health: 'ok' }, { connectionId: 'conn-1', health: 'ok' }],
      accounts,
      reports,
    });
    expect(plan.jobs).toHaveLength(20);
    expect(plan.jobs.slice(0, 2).map((j) => j.customerId).sort()).toEqual(['100', '200']);
    // Nothing lost or repeated.
    expect(new Set(plan.jobs.map((j) => `${j.accountId}|${j.report}`)).size).toBe(20);
  });
});
