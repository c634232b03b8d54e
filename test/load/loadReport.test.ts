import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportCsv, loadReportZip } from '../../src/load/loadReport.js';
import { reports } from '../../src/reports/catalog.js';
import { expectedTotals, generateRows, type GenerateOptions } from '../../src/simulator/generator.js';
import { writeReportZip, type CsvLayout } from '../../src/simulator/reportFile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  ACCOUNT,
  FULL_LAYOUT,
  OTHER_ACCOUNT,
  csvText,
  keywordOptions,
  noFinish,
  periodTotals,
  tableDigest,
  targetOf,
  tempDir,
  writeZip,
} from './fixtures.js';

const TABLE = 'keyword_performance_daily';
const LIMITS = { maxUncompressedBytes: 50_000_000 };

let testDb: TestDatabase;
let tmp: ReturnType<typeof tempDir>;
let zipCount = 0;

beforeAll(async () => {
  testDb = await createTestDatabase('load');
  tmp = tempDir();
});

afterAll(async () => {
  await testDb?.drop();
  tmp?.remove();
});

const pool = () => testDb.database.pool;

async function zipFor(options: GenerateOptions, layout: CsvLayout = FULL_LAYOUT): Promise<string> {
  const path = join(tmp.dir, `r${zipCount++}.zip`);
  await writeReportZip(path, options, layout);
  return path;
}

async function loadGenerated(options: GenerateOptions, layout: CsvLayout = FULL_LAYOUT) {
  return loadReportZip(pool(), targetOf(options), await zipFor(options, layout), LIMITS, noFinish);
}

describe('loadReportZip', () => {
  it('loads every row with per-day sums equal to the generator', async () => {
    const options = keywordOptions();
    const result = await loadGenerated(options);
    const expected = expectedTotals(options);
    expect(result.rows).toBe(expected.rows);
    expect(await periodTotals(pool(), TABLE, ACCOUNT)).toEqual(expected.byPeriod);
  });

  it("loads '' and '--' as NULL, never 0, and percents in percent units", async () => {
    const options = keywordOptions({ seed: 'nulls' });
    await loadGenerated(options);
    const columns = options.columns;
    const at = (name: string) => columns.indexOf(name);
    let dashScores = 0;
    let emptyRates = 0;
    let ctrHundredths = 0;
    for (const row of generateRows(options)) {
      if (row.values[at('QualityScore')] === '--') dashScores++;
      if (row.values[at('ConversionRate')] === '') emptyRates++;
      ctrHundredths += Math.round(Number((row.values[at('Ctr')] as string).replace('%', '')) * 100);
    }
    expect(dashScores).toBeGreaterThan(0);
    expect(emptyRates).toBeGreaterThan(0);
    const { rows } = await pool().query(
      `SELECT count(*) FILTER (WHERE quality_score IS NULL)::int AS null_scores,
              count(*) FILTER (WHERE quality_score = 0)::int AS zero_scores,
              count(*) FILTER (WHERE conversion_rate IS NULL)::int AS null_rates,
              count(*) FILTER (WHERE expected_ctr IS NULL)::int AS null_expected_ctr,
              sum(ctr * 100)::bigint AS ctr_hundredths,
              max(ctr) AS max_ctr
         FROM ${TABLE} WHERE account_id = $1`,
      [ACCOUNT],
    );
    expect(rows[0]).toMatchObject({ null_scores: dashScores, zero_scores: 0, null_rates: emptyRates, null_expected_ctr: dashScores });
    expect(Number(rows[0].ctr_hundredths)).toBe(ctrHundredths);
    expect(Number(rows[0].max_ctr)).toBeLessThanOrEqual(100);
  });

  it('keeps quoted commas and quotes in text columns', async () => {
    await loadGenerated(keywordOptions());
    const { rows } = await pool().query(`SELECT DISTINCT campaign_name FROM ${TABLE} WHERE account_id = $1 ORDER BY 1`, [ACCOUNT]);
    expect(rows.map((r) => r.campaign_name)).toEqual(['Campaign 1 "Brand, Generic"', 'Campaign 2 "Brand, Generic"']);
  });

  it('re-loading the same file leaves the same table', async () => {
    const options = keywordOptions({ seed: 'same' });
    await loadGenerated(options);
    const before = await tableDigest(pool(), TABLE, ACCOUNT);
    await loadGenerated(options);
    expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(before);
    expect((await periodTotals(pool(), TABLE, ACCOUNT)).get('2026-10-01')?.rows).toBe(expectedTotals(options).byPeriod.get('2026-10-01')?.rows);
  });

  it('re-loading with new data leaves only the new rows, and no other account or day is touched', async () => {
    const other = keywordOptions({ accountId: OTHER_ACCOUNT, seed: 'other' });
    const later = keywordOptions({ from: '2026-10-04', to: '2026-10-05', seed: 'later' });
    await loadGenerated(other);
    await loadGenerated(later);
    await loadGenerated(keywordOptions({ seed: 'old' }));
    // Fewer keywords in the new file: rows the old file had and the new one lacks must go.
    const fresh = keywordOptions({ seed: 'new', shape: { campaigns: 1, adGroupsPerCampaign: 2, keywordsPerAdGroup: 1 } });
    await loadGenerated(fresh);

    const expected = new Map([...expectedTotals(fresh).byPeriod, ...expectedTotals(later).byPeriod]);
    expect(await periodTotals(pool(), TABLE, ACCOUNT)).toEqual(expected);
    expect(await periodTotals(pool(), TABLE, OTHER_ACCOUNT)).toEqual(expectedTotals(other).byPeriod);
    const { rows } = await pool().query(`SELECT DISTINCT run_id, report_time_zone FROM ${TABLE} WHERE account_id = $1`, [ACCOUNT]);
    expect(rows).toEqual([{ run_id: 1, report_time_zone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' }]);
  });

  it('an empty report (null) deletes the window and nothing else', async () => {
    const options = keywordOptions({ seed: 'to-empty' });
    await loadGenerated(options);
    const kept = keywordOptions({ from: '2026-10-04', to: '2026-10-04', seed: 'kept' });
    await loadGenerated(kept);
    const result = await loadReportCsv(pool(), targetOf(options), null, noFinish);
    expect(result.rows).toBe(0);
    expect(await periodTotals(pool(), TABLE, ACCOUNT, options)).toEqual(new Map());
    expect(await periodTotals(pool(), TABLE, ACCOUNT, kept)).toEqual(expectedTotals(kept).byPeriod);
  });

  it('runs finish inside the transaction: its writes commit with the rows, its failure rolls the rows back', async () => {
    const options = keywordOptions({ seed: 'finish' });
    await loadGenerated(options);
    const before = await tableDigest(pool(), TABLE, ACCOUNT);
    const seen: number[] = [];
    const failing = loadReportZip(pool(), targetOf(options), await zipFor(keywordOptions({ seed: 'finish-2' })), LIMITS, async (client, outcome) => {
      seen.push(outcome.rows);
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM ${TABLE} WHERE account_id = $1 AND time_period BETWEEN $2 AND $3`,
        [ACCOUNT, options.from, options.to],
      );
      expect(rows[0].n).toBe(outcome.rows);
      throw new Error('ledger write failed');
    });
    await expect(failing).rejects.toThrow('ledger write failed');
    expect(seen).toEqual([expectedTotals(options).rows]);
    expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(before);

    await loadReportZip(pool(), targetOf(options), await zipFor(options), LIMITS, async (client, outcome) => {
      await client.query(
        `INSERT INTO report_runs (connection_id, customer_id, account_id, report, aggregation, window_start, window_end, status, api, rows)
         VALUES ('c', 1, $1, 'keyword_performance', 'Daily', $2, $3, 'succeeded', 'rest', $4)`,
        [ACCOUNT, options.from, options.to, outcome.rows],
      );
    });
    const { rows } = await pool().query(`SELECT rows FROM report_runs WHERE account_id = $1`, [ACCOUNT]);
    expect(rows).toEqual([{ rows: expectedTotals(options).rows }]);
  });
});

describe('file layouts', () => {
  const bare: CsvLayout = { ...FULL_LAYOUT, excludeReportHeader: true, excludeReportFooter: true, totalRow: false };
  it.each<[string, CsvLayout]>([
    ['header block, footer and Total row', FULL_LAYOUT],
    ['no header block or footer', bare],
    ['no final newline after the footer', { ...FULL_LAYOUT, noFinalNewline: true }],
    ['no final newline after the last row', { ...bare, noFinalNewline: true }],
  ])('loads a file with %s', async (_name, layout) => {
    const options = keywordOptions({ seed: `layout-${_name}` });
    const result = await loadGenerated(options, layout);
    expect(result.rows).toBe(expectedTotals(options).rows);
    expect(await periodTotals(pool(), TABLE, ACCOUNT, options)).toEqual(expectedTotals(options).byPeriod);
  });

  it('loads a blank header name, trailing commas, trailing blank lines and quoted newlines', async () => {
    const options = keywordOptions({ from: '2026-10-01', to: '2026-10-01', seed: 'hand' });
    const rows = [...generateRows(options)].map((r) => [...r.values]);
    (rows[0] as string[])[options.columns.indexOf('Keyword')] = 'multi\r\nline "keyword", with comma';
    // A blank column between two named ones, and every line ending in a comma (an empty last field).
    const widen = (r: readonly string[]) => [...r.slice(0, 3), '', ...r.slice(3)];
    const line = (r: readonly string[]) => `${widen(r).map((f) => `"${f.replaceAll('"', '""')}"`).join(',')},\r\n`;
    const text = `\uFEFF${line(options.columns)}${rows.map(line).join('')}\r\n\r\n\r\n`;
    const path = join(tmp.dir, 'hand.zip');
    await writeZip(path, [{ name: 'report.csv', data: text }]);
    const result = await loadReportZip(pool(), targetOf(options), path, LIMITS, noFinish);
    expect(result.rows).toBe(rows.length);
    const { rows: found } = await pool().query(`SELECT keyword FROM ${TABLE} WHERE account_id = $1 AND keyword LIKE 'multi%'`, [ACCOUNT]);
    expect(found).toEqual([{ keyword: 'multi\r\nline "keyword", with comma' }]);
    expect(await periodTotals(pool(), TABLE, ACCOUNT, options)).toEqual(expectedTotals(options).byPeriod);
  });

  it('loads columns in a different order than requested', async () => {
    const options = keywordOptions({ from: '2026-10-02', to: '2026-10-02', seed: 'order' });
    const rows = [...generateRows(options)].map((r) => [...r.values].reverse());
    const csv = Readable.from([Buffer.from(csvText([[...options.columns].reverse(), ...rows]))]);
    await loadReportCsv(pool(), targetOf(options), csv, noFinish);
    expect(await periodTotals(pool(), TABLE, ACCOUNT, options)).toEqual(expectedTotals(options).byPeriod);
  });
});

describe('report definitions', () => {
  it('loads the campaign report into its own table', async () => {
    const options = keywordOptions({ columns: reports.campaign_performance.columns, seed: 'campaign' });
    const path = await zipFor(options);
    const result = await loadReportZip(pool(), targetOf(options, reports.campaign_performance), path, LIMITS, noFinish);
    expect(result.rows).toBe(expectedTotals(options).rows);
    expect(await periodTotals(pool(), 'campaign_performance_daily', ACCOUNT)).toEqual(expectedTotals(options).byPeriod);
  });
});
