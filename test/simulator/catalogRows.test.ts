import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { aggregations, type Aggregation } from '../../src/reports/aggregations.js';
import { reports, requestColumns } from '../../src/reports/catalog.js';
import { columnSpec } from '../../src/reports/columnTypes.js';
import { HISTORICAL_SCORE_COLUMNS, QUALITY_SCORE_COLUMNS } from '../../src/reports/requestRules.js';
import { generateRows, timePeriods, type GenerateOptions } from '../../src/simulator/generator.js';
import { reportCsvStream } from '../../src/simulator/reportFile.js';

/** The generator serves exactly the requested columns, with values shaped as Microsoft writes them. */

const options = (columns: readonly string[], aggregation: Aggregation): GenerateOptions => ({
  columns,
  aggregation,
  accountId: '150000001',
  from: aggregation === 'Hourly' ? '2026-11-07' : '2026-11-06',
  to: '2026-11-07',
  seed: 'shapes',
  shape: { campaigns: 1, adGroupsPerCampaign: 2, keywordsPerAdGroup: 1 },
});

const TIME_PERIOD: Record<Aggregation, RegExp> = {
  Hourly: /^\d{4}-\d{2}-\d{2}\|([0-9]|1[0-9]|2[0-3])$/,
  Daily: /^\d{4}-\d{2}-\d{2}$/,
  Weekly: /^\d{4}-\d{2}-\d{2}$/,
  WeeklyStartingMonday: /^\d{4}-\d{2}-\d{2}$/,
  Monthly: /^\d{4}-\d{2}-01$/,
  Yearly: /^\d{4}$/,
  DayOfWeek: /^[1-7]$/,
  HourOfDay: /^([0-9]|1[0-9]|2[0-3])$/,
  Summary: /^$/,
};

async function firstChunk(stream: Readable): Promise<string> {
  for await (const chunk of stream) {
    stream.destroy();
    return Buffer.from(chunk as Buffer).toString('utf8');
  }
  return '';
}

function shapeOf(column: string, aggregation: Aggregation): RegExp {
  if (column === 'TimePeriod') return TIME_PERIOD[aggregation];
  if (column === 'Date') return /^\d{1,2}\/\d{1,2}\/\d{4}$/;
  if (QUALITY_SCORE_COLUMNS.has(column) || HISTORICAL_SCORE_COLUMNS.has(column)) return /^(--|\d{1,2})$/;
  const spec = columnSpec(column);
  if (spec.type === 'percent') return /^(|\d+\.\d{2}%)$/;
  if (spec.type === 'bigint') return /^\d+$/;
  if (spec.type === 'numeric') return /^(|\d+(\.\d+)?)$/;
  return /^.*$/s;
}

describe('generated report files', () => {
  it('hold exactly the requested columns for every built-in report × aggregation, values shaped as Microsoft writes them', async () => {
    for (const def of Object.values(reports)) {
      for (const aggregation of def.aggregations) {
        const o = options(requestColumns(def, aggregation), aggregation);
        const csv = await firstChunk(reportCsvStream(o, { excludeReportHeader: true, excludeReportFooter: true, excludeColumnHeaders: false, reportName: 'r' }));
        expect(csv.split('\r\n')[0], `${def.name} ${aggregation}`).toBe(`\uFEFF${o.columns.map((c) => `"${c}"`).join(',')}`);
        let rows = 0;
        const shapes = o.columns.map((c) => shapeOf(c, aggregation));
        const wrong = new Set<string>();
        for (const row of generateRows(o)) {
          // The first hours are representative; checking every value of the biggest files costs seconds.
          if (++rows > 3_000) break;
          if (row.values.length !== o.columns.length) wrong.add(`${row.values.length} values`);
          o.columns.forEach((c, i) => {
            if (!(shapes[i] as RegExp).test(row.values[i] as string)) wrong.add(`${c}: "${row.values[i]}"`);
          });
        }
        expect([...wrong], `${def.name} ${aggregation}`).toEqual([]);
        expect(rows).toBeGreaterThan(0);
      }
    }
  });

  it('has the periods of every aggregation (2026-11-01 is a Sunday)', () => {
    expect(timePeriods('Weekly', '2026-11-03', '2026-11-10')).toEqual(['2026-11-01', '2026-11-08']);
    expect(timePeriods('WeeklyStartingMonday', '2026-11-01', '2026-11-03')).toEqual(['2026-10-26', '2026-11-02']);
    expect(timePeriods('Yearly', '2025-12-31', '2026-01-01')).toEqual(['2025', '2026']);
    expect(timePeriods('DayOfWeek', '2026-11-06', '2026-11-08')).toEqual(['1', '6', '7']);
    expect(timePeriods('HourOfDay', '2026-11-01', '2026-11-02')).toHaveLength(24);
    expect(timePeriods('Summary', '2026-11-01', '2026-11-07')).toEqual(['2026-11-01..2026-11-07']);
    for (const a of aggregations) expect(timePeriods(a, '2026-11-01', '2026-11-07').length).toBeGreaterThan(0);
  });

  it("answers Summary without TimePeriod, and impression shares by hour as empty values (Microsoft's 'ignore these')", () => {
    const summary = [...generateRows(options(['AccountId', 'Clicks'], 'Summary'))];
    expect(summary.every((r) => r.values.length === 2)).toBe(true);
    const hourly = [...generateRows(options(['TimePeriod', 'AccountId', 'Clicks', 'ImpressionSharePercent'], 'Hourly'))];
    expect(hourly.every((r) => r.values[3] === '')).toBe(true);
  });

  it('fans age and gender out, so the required AgeGroup and Gender columns group real rows', () => {
    const o = options(requestColumns(reports.age_gender_audience, 'Daily'), 'Daily');
    const at = (c: string) => o.columns.indexOf(c);
    const keys = [...generateRows(o)].map((r) => `${r.values[at('TimePeriod')]}|${r.values[at('AdGroupId')]}|${r.values[at('AgeGroup')]}|${r.values[at('Gender')]}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.split('|')[2])).size).toBe(5);
  });
});
