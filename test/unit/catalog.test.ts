import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { reportTableSpec } from '../../src/db/reportTableSpec.js';
import { assertCatalogConsistent, reportColumns, reports } from '../../src/reports/catalog.js';
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

  it('keys every attribute, led by account and time period', () => {
    const { key } = reportTableSpec(reports.campaign_performance, 'Daily');
    expect(key.lead.map((c) => c.sqlName)).toEqual(['account_id', 'time_period']);
    const attributes = reportColumns(reports.campaign_performance, 'Daily').filter((c) => c.role === 'attribute');
    expect(new Set([...key.lead, ...key.hashed].map((c) => c.sqlName))).toEqual(new Set(attributes.map((c) => c.sqlName)));
    expect(key.hashed.map((c) => c.sqlName)).not.toContain('impressions');
  });

  it('keeps the bundled WSDL equal to its generator (npm run wsdl rewrites it)', () => {
    expect(readFileSync(bundledReportingWsdl, 'utf8')).toBe(renderReportingWsdl());
  });
});
