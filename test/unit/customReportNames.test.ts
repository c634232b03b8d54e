import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ownedRelationNames } from '../../src/reports/customReportNames.js';

/**
 * A custom report's tables are created by `migrate` next to everything the project owns: a name that
 * clashes must be refused when the configuration is read, not by a failing migrate that keeps every
 * worker from starting.
 */

const dir = mkdtempSync(join(tmpdir(), 'msads-custom-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const reportsFile = (name: string, aggregation: string | string[] = 'Daily') => {
  const path = join(dir, `reports-${files++}.json`);
  const custom = { name, requestType: 'CampaignPerformanceReportRequest', columns: ['CampaignId', 'Impressions', 'Clicks'], aggregation };
  writeFileSync(path, JSON.stringify({ customReports: [custom] }));
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

describe('custom report names', () => {
  it.each([
    ['bi_campaign', 'Daily', 'bi_campaign_daily', 'the BI view bi_campaign_daily'],
    ['bi_device', ['Weekly', 'Daily'], 'bi_device_daily', 'the BI view bi_device_daily'],
    ['bi_search_term', 'Daily', 'bi_search_term_daily', 'the BI view bi_search_term_daily'],
  ])('refuse %s, whose table would be a shipped BI view (migrate failed on it)', (name, aggregation, table, what) => {
    const message = problems({ REPORTS_FILE: reportsFile(name, aggregation) });
    expect(message).toContain(`REPORTS_FILE: custom report ${name}:`);
    expect(message).toContain(`table ${table} would take the name of ${what}`);
  });

  it.each([
    ['report_runs', 'the table report_runs'],
    ['report_run_attempts', 'the table report_run_attempts'],
    ['connections', 'the table connections'],
    ['accounts', 'the table accounts'],
    ['bi_freshness', 'the BI view bi_freshness'],
    ['keyword_performance_daily', 'the table of built-in report keyword_performance (Daily)'],
    ['campaign_performance_hourly_key', 'the key index of built-in report campaign_performance (Hourly)'],
  ])('refuse %s, the name of something the project owns', (name, what) => {
    const message = problems({ REPORTS_FILE: reportsFile(name) });
    expect(message).toContain(`REPORTS_FILE: custom report ${name}: the name ${name} is taken by ${what}; choose another name`);
  });

  it("cannot name drizzle's migration table: names start with a letter (and drizzle keeps it in its own schema)", () => {
    expect(problems({ REPORTS_FILE: reportsFile('__drizzle_migrations') })).toContain('customReports.0.name: lowercase letters, digits and _ only');
  });

  it('accept a name that clashes with nothing', () => {
    expect(loadConfig({ REPORTS_FILE: reportsFile('bi_campaign_spend', ['Daily', 'Summary']) }).customReports[0]?.name).toBe('bi_campaign_spend');
  });

  it('are checked against every relation the migrations create, views and indexes included', () => {
    const owned = ownedRelationNames();
    for (const name of ['bi_campaign_daily', 'bi_freshness', 'report_runs', 'report_runs_status_idx', 'connections', 'accounts', 'keyword_performance_daily']) {
      expect(owned.has(name), name).toBe(true);
    }
  });
});
