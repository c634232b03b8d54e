import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../src/db/schema.js';
import { keyHashSql, reportTableSpec } from '../../src/db/reportTableSpec.js';
import { builtinAggregations } from '../../src/reports/aggregations.js';
import { assertCatalogConsistent, reportColumns, reports, requestColumns, tableName } from '../../src/reports/catalog.js';
import { columnDocs } from '../../src/reports/columnDocs.js';
import { requestTypes } from '../../src/reports/columnEnums.js';
import { grainProblem, supportedAggregations } from '../../src/reports/requestRules.js';
import { columnProblems } from '../../src/reports/validateRequest.js';
import { columnSpec, snakeCase } from '../../src/reports/columnTypes.js';
import { renderReportingWsdl } from '../../src/soap/wsdl/reportingWsdl.js';

describe('report catalog', () => {
  it('names only columns Microsoft defines for each request type', () => {
    expect(() => assertCatalogConsistent()).not.toThrow();
  });

  it('types columns honestly', () => {
    expect(columnSpec('AccountId')).toEqual({ type: 'bigint', role: 'attribute' });
    expect(columnSpec('Impressions')).toEqual({ type: 'bigint', role: 'metric' });
    expect(columnSpec('Spend')).toEqual({ type: 'numeric', role: 'metric' });
    expect(columnSpec('Conversions')).toEqual({ type: 'numeric', role: 'metric' });
    expect(columnSpec('Ctr')).toEqual({ type: 'percent', role: 'metric' });
    expect(columnSpec('ImpressionSharePercent')).toEqual({ type: 'percent', role: 'metric' });
    expect(columnSpec('VideoViewsAt25Percent')).toEqual({ type: 'bigint', role: 'metric' });
    expect(columnSpec('MSClickId')).toEqual({ type: 'text', role: 'attribute' });
    expect(columnSpec('DeviceType')).toEqual({ type: 'text', role: 'attribute' });
    expect(columnSpec('SomethingNew')).toEqual({ type: 'text', role: 'attribute' });
  });

  it('snake-cases Microsoft names', () => {
    expect(snakeCase('AccountId')).toBe('account_id');
    expect(snakeCase('AverageCPV')).toBe('average_cpv');
    expect(snakeCase('TotalWatchTimeInMS')).toBe('total_watch_time_in_ms');
    expect(snakeCase('CPI')).toBe('cpi');
  });

  it('keys every attribute and the ordinal of repeated rows, led by account and time period', () => {
    const { key } = reportTableSpec(reports.campaign_performance, 'Daily');
    expect(key.lead.map((c) => c.sqlName)).toEqual(['account_id', 'time_period']);
    const attributes = reportColumns(reports.campaign_performance, 'Daily').filter((c) => c.role === 'attribute');
    expect(new Set([...key.lead, ...key.hashed].map((c) => c.sqlName))).toEqual(new Set([...attributes.map((c) => c.sqlName), 'row_ordinal']));
    expect(key.hashed.map((c) => c.sqlName)).not.toContain('impressions');
  });

  it("keys Microsoft's score attributes (QualityScore, the Historical scores, CurrentMaxCpc …), NULL-safe", () => {
    const { key } = reportTableSpec(reports.keyword_performance, 'Daily');
    const hashed = key.hashed.map((c) => c.sqlName);
    for (const score of ['quality_score', 'expected_ctr', 'ad_relevance', 'landing_page_experience', 'historical_quality_score', 'quality_impact', 'current_max_cpc']) {
      const requested = reportColumns(reports.keyword_performance, 'Daily').some((c) => c.sqlName === score);
      if (requested) expect(hashed, score).toContain(score);
    }
    expect(keyHashSql(key.hashed)).toContain(`coalesce(trim_scale("quality_score")::text, '~')`);
  });

  it('has the 17 built-in reports, each in every aggregation Microsoft supports of Hourly, Daily, Weekly, Monthly', () => {
    expect(Object.keys(reports)).toHaveLength(17);
    for (const def of Object.values(reports)) {
      const expected = builtinAggregations.filter((a) => supportedAggregations(def.requestType).includes(a));
      expect(def.aggregations, def.name).toEqual(def.name === 'budget_summary' ? ['Daily'] : expected);
      expect(def.name).toBe(def.requestType.replace(/ReportRequest$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
    }
  });

  it("requests, per aggregation, only columns Microsoft serves and accepts together", () => {
    for (const def of Object.values(reports)) {
      for (const aggregation of def.aggregations) {
        const columns = requestColumns(def, aggregation);
        expect(columnProblems(def.requestType, columns, aggregation), `${def.name} ${aggregation}`).toEqual([]);
        expect(columns.filter((c) => grainProblem(c, aggregation) !== null)).toEqual([]);
        if (requestTypes[def.requestType].columns.some((c) => c === 'CurrencyCode')) expect(columns, def.name).toContain('CurrencyCode');
      }
    }
    expect(requestColumns(reports.campaign_performance, 'Hourly')).not.toContain('ImpressionSharePercent');
    expect(requestColumns(reports.campaign_performance, 'Daily')).toContain('HistoricalQualityScore');
    expect(requestColumns(reports.keyword_performance, 'Weekly')).not.toContain('QualityScore');
    expect(requestColumns(reports.keyword_performance, 'Hourly')).toContain('QualityScore');
  });

  it('describes every default column', () => {
    const undocumented = Object.values(reports).flatMap((def) => def.columns.filter((c) => c !== 'TimePeriod' && !columnDocs[c]));
    expect(undocumented).toEqual([]);
  });

  it('gives drizzle-kit no report table: they are made at runtime, only for what is enabled or loaded (migration 0009)', () => {
    const tables = (Object.values(schema) as unknown[]).filter((v): v is PgTable => is(v, PgTable)).map((t) => getTableConfig(t).name);
    const catalog = new Set(Object.values(reports).flatMap((def) => def.aggregations.map((a) => tableName(def, a))));
    expect(tables.filter((t) => catalog.has(t))).toEqual([]);
    expect(tables.sort()).toEqual(['accounts', 'connections', 'entity_runs', 'entity_sync_state', 'report_run_attempts', 'report_runs']);
  });

  it('keeps the bundled WSDL equal to its generator (npm run wsdl rewrites it)', () => {
    expect(readFileSync(bundledReportingWsdl, 'utf8')).toBe(renderReportingWsdl());
  });
});
