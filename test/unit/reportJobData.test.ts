import { describe, expect, it } from 'vitest';
import { parseReportJobData, reportJobId, reportTargetSchema } from '../../src/jobs/reportJobData.js';

const target = {
  connectionId: 'acme:prod',
  customerId: '1000001',
  accountId: '123456789',
  report: 'campaign_performance',
  aggregation: 'Daily',
  from: '2026-11-01',
  to: '2026-11-07',
} as const;

describe('report job data', () => {
  it('fills progress defaults and keeps ids only', () => {
    const data = parseReportJobData(target);
    expect(data).toMatchObject({ ...target, step: 'submit', polls: 0, submits: 0 });
  });

  it('rejects bad ids, dates and windows with the field named', () => {
    const bad = reportTargetSchema.safeParse({ ...target, accountId: 'F12345', from: '2026-02-30', to: '2026-01-01' });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path[0]);
    expect(paths).toContain('accountId');
    expect(paths).toContain('from');
    expect(reportTargetSchema.safeParse({ ...target, from: '2026-11-08' }).success).toBe(false);
  });

  it('takes any report name and aggregation; the run resolves the name against its registry', () => {
    expect(parseReportJobData({ ...target, report: 'my_custom_report', aggregation: 'DayOfWeek' })).toMatchObject({ report: 'my_custom_report', aggregation: 'DayOfWeek' });
    const bad = reportTargetSchema.safeParse({ ...target, report: 'Campaign Performance', aggregation: 'daily' });
    expect(bad.error?.issues.map((i) => i.path[0])).toEqual(['report', 'aggregation']);
  });

  it('builds deterministic ids BullMQ accepts', () => {
    const id = reportJobId(target);
    expect(id).toBe('report|acme%3Aprod|123456789|campaign_performance|daily|2026-11-01|2026-11-07');
    expect(id).toBe(reportJobId({ ...target }));
    expect(id).not.toContain(':');
    expect(reportJobId({ ...target, to: '2026-11-06' })).not.toBe(id);
  });
});
