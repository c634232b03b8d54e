import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { loadReportCsv, type LoadTarget } from '../../src/load/loadReport.js';
import { reports, requestColumns, type Aggregation, type ReportDefinition } from '../../src/reports/catalog.js';
import { generateRows, type GenerateOptions } from '../../src/simulator/generator.js';
import { headerBlock, REPORT_FOOTER } from '../../src/simulator/reportFile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, noFinish } from './fixtures.js';

/** Files with every quirk real ones have, at once, into catalog tables. */

let testDb: TestDatabase;
const pool = () => testDb.database.pool;

beforeAll(async () => {
  testDb = await createTestDatabase('load_real');
});

afterAll(async () => {
  await testDb?.drop();
});

const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;

const optionsOf = (def: ReportDefinition, aggregation: Aggregation, from: string, to: string): GenerateOptions => ({
  columns: requestColumns(def, aggregation),
  aggregation,
  accountId: ACCOUNT,
  from,
  to,
  seed: 'real',
  shape: { campaigns: 1, adGroupsPerCampaign: 1, keywordsPerAdGroup: 2 },
});

const targetOf = (def: ReportDefinition, o: GenerateOptions): LoadTarget => ({
  report: def,
  aggregation: o.aggregation,
  accountId: o.accountId,
  from: o.from,
  to: o.to,
  timeZone: 'PacificTimeUSCanadaTijuana',
  runId: 3,
});

describe('a real-looking file', () => {
  it('with BOM, header block, a blank column, trailing commas, quoted commas, Total row, © footer, blank lines and no final newline', async () => {
    const def = reports.search_query_performance;
    const o = optionsOf(def, 'Hourly', '2026-11-20', '2026-11-20');
    const rows = [...generateRows(o)].map((r) => [...r.values]);
    const at = (c: string) => o.columns.indexOf(c);
    (rows[0] as string[])[at('SearchQuery')] = 'shoes, "red", size 42';
    const line = (r: readonly string[]) => `${[...r.slice(0, 2), '', ...r.slice(2)].map(quote).join(',')},\r\n`;
    const text =
      `\uFEFF${headerBlock(o, { excludeReportHeader: false, excludeReportFooter: false, excludeColumnHeaders: false, reportName: 'real' }, rows.length)}` +
      line(o.columns) +
      rows.map(line).join('') +
      line(['Total', ...o.columns.slice(1).map(() => '')]) +
      `\r\n${quote(REPORT_FOOTER)}\r\n\r\n  \r\n`.trimEnd();
    const result = await loadReportCsv(pool(), targetOf(def, o), Readable.from([Buffer.from(text)]), noFinish);
    expect(result.rows).toBe(rows.length);
    const { rows: loaded } = await pool().query(
      `SELECT count(*)::int AS n, min(time_period) AS first, max(time_period) AS last, count(*) FILTER (WHERE search_query = 'shoes, "red", size 42')::int AS quoted
         FROM search_query_performance_hourly WHERE account_id = $1`,
      [ACCOUNT],
    );
    // Hours are UTC even though the report time zone is Pacific.
    expect(loaded[0]).toEqual({ n: rows.length, first: new Date('2026-11-20T00:00:00Z'), last: new Date('2026-11-20T23:00:00Z'), quoted: 1 });
  });

  it("reads BudgetSummary's Date as M/D/YYYY or YYYY-MM-DD, and names the column of a date that is neither", async () => {
    const def = reports.budget_summary;
    const o = optionsOf(def, 'Daily', '2026-11-01', '2026-11-02');
    const rows = [...generateRows(o)].map((r) => [...r.values]);
    const at = o.columns.indexOf('Date');
    expect(rows[0]?.[at]).toBe('11/1/2026');
    expect(rows[1]?.[at]).toBe('11/2/2026');
    (rows[1] as string[])[at] = '2026-11-02';
    const csv = (data: string[][]) => Readable.from([Buffer.from(`\uFEFF${[o.columns, ...data].map((r) => `${r.map(quote).join(',')}\r\n`).join('')}`)]);
    await loadReportCsv(pool(), targetOf(def, o), csv(rows), noFinish);
    const { rows: days } = await pool().query(`SELECT to_char(date, 'YYYY-MM-DD') AS day, count(*)::int AS n FROM budget_summary_daily GROUP BY 1 ORDER BY 1`);
    expect(days.map((d) => d.day)).toEqual(['2026-11-01', '2026-11-02']);
    const bad = rows.map((r) => [...r]);
    (bad[1] as string[])[at] = '13/40/2026';
    const err = await loadReportCsv(pool(), targetOf(def, o), csv(bad), noFinish).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportFileError);
    expect((err as ReportFileError).message).toContain('line 3, column Date: "13/40/2026"');
  });
});
