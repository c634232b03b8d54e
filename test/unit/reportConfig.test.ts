import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_REPORTS } from '../../src/reports/reportConfig.js';

/** REPORTS and REPORTS_FILE: the enabled reports and the custom ones, checked at start. */

const dir = mkdtempSync(join(tmpdir(), 'msads-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (content: unknown) => {
  const path = join(dir, `reports-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

const weekday = { name: 'campaign_weekday', requestType: 'CampaignPerformanceReportRequest', columns: ['CampaignId', 'Impressions', 'Clicks'], aggregation: 'DayOfWeek' };

describe('enabled reports', () => {
  it('default to the daily performance set', () => {
    const config = loadConfig({});
    expect(config.reports.map((r) => `${r.report}:${r.aggregation.toLowerCase()}`)).toEqual([...DEFAULT_REPORTS]);
    expect(config.customReports).toEqual([]);
  });

  it('come from REPORTS, any spelling of the aggregation, without repeats', () => {
    const config = loadConfig({ REPORTS: 'campaign_performance:daily, keyword_performance:HOURLY\nbudget_summary:Daily,campaign_performance:daily' });
    expect(config.reports).toEqual([
      { report: 'campaign_performance', aggregation: 'Daily' },
      { report: 'keyword_performance', aggregation: 'Hourly' },
      { report: 'budget_summary', aggregation: 'Daily' },
    ]);
  });

  it('refuse unknown reports and aggregations a report has no table for, each named', () => {
    const message = problems({ REPORTS: 'campain_performance:daily,keyword_performance,budget_summary:weekly' });
    expect(message).toContain('REPORTS: "campain_performance:daily": unknown report "campain_performance"');
    expect(message).toContain('REPORTS: "keyword_performance": expected report:aggregation, e.g. keyword_performance:daily');
    expect(message).toContain('REPORTS: "budget_summary:weekly": budget_summary has no Weekly table (offered: Daily)');
  });

  it('come from REPORTS_FILE, with its custom reports enabled in each of their aggregations; REPORTS wins', () => {
    const path = file({ reports: ['geographic_performance:weekly'], customReports: [{ ...weekday, aggregation: ['DayOfWeek', 'summary'] }] });
    const config = loadConfig({ REPORTS_FILE: path });
    expect(config.reports).toEqual([
      { report: 'geographic_performance', aggregation: 'Weekly' },
      { report: 'campaign_weekday', aggregation: 'DayOfWeek' },
      { report: 'campaign_weekday', aggregation: 'Summary' },
    ]);
    expect(config.customReports[0]).toMatchObject({
      name: 'campaign_weekday',
      custom: true,
      aggregations: ['DayOfWeek', 'Summary'],
      columns: ['TimePeriod', 'AccountId', 'CurrencyCode', 'CampaignId', 'Impressions', 'Clicks'],
    });
    expect(loadConfig({ REPORTS_FILE: path, REPORTS: 'campaign_weekday:summary' }).reports).toEqual([
      { report: 'campaign_weekday', aggregation: 'Summary' },
      { report: 'campaign_weekday', aggregation: 'DayOfWeek' },
    ]);
  });
});

describe('custom reports', () => {
  it.each([
    ['an unknown column', { ...weekday, columns: ['CampaignId', 'Clicks', 'Keyword'] }, 'custom report campaign_weekday: DayOfWeek: column "Keyword" is not a CampaignPerformanceReportColumn'],
    ['a restricted combination', { ...weekday, columns: ['CampaignId', 'Clicks', 'ImpressionSharePercent', 'TopVsOther'], aggregation: 'Daily' }, 'column "ImpressionSharePercent" cannot be requested together with "TopVsOther"'],
    ['an aggregation the type lacks', { ...weekday, requestType: 'ShareOfVoiceReportRequest', columns: ['AccountName', 'Clicks'], aggregation: 'HourOfDay' }, 'ShareOfVoiceReportRequest does not support HourOfDay aggregation'],
    ['a required column left out', { ...weekday, requestType: 'SearchQueryPerformanceReportRequest', columns: ['CampaignId', 'Clicks'] }, 'column "SearchQuery" is required'],
    ['a built-in name', { ...weekday, name: 'keyword_performance' }, 'customReports.0.name: is the name of a built-in report'],
    ['an unknown aggregation', { ...weekday, aggregation: 'Fortnightly' }, '"Fortnightly" is not an aggregation'],
    ['an unknown request type', { ...weekday, requestType: 'CampaignReportRequest' }, 'customReports.0.requestType'],
  ])('refuses %s', (_name, custom, message) => {
    expect(problems({ REPORTS_FILE: file({ customReports: [custom] }) })).toContain(message);
  });

  it('refuses a file that is not JSON, or has unknown keys', () => {
    expect(problems({ REPORTS_FILE: file('{ "reports": [') })).toMatch(/REPORTS_FILE: cannot read .* as JSON/);
    expect(problems({ REPORTS_FILE: join(dir, 'missing.json') })).toMatch(/REPORTS_FILE: cannot read/);
    expect(problems({ REPORTS_FILE: file({ custom: [] }) })).toContain('REPORTS_FILE: (file): Unrecognized key');
    expect(problems({ REPORTS_FILE: file({ customReports: [weekday, weekday] }) })).toContain('custom report campaign_weekday is declared twice');
  });
});
