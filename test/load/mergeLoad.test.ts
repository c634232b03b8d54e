import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { loadReportCsv } from '../../src/load/loadReport.js';
import { customReportDefinition } from '../../src/reports/customReports.js';
import { generateRows } from '../../src/simulator/generator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, csvText, keywordOptions, noFinish, tableDigest, targetOf } from './fixtures.js';

/**
 * A re-load writes only what changed: identical rows keep their tuple (same xmin: never rewritten),
 * changed rows are updated, new ones inserted, vanished ones deleted, and the window holds exactly the
 * file's rows afterwards, as delete + insert would leave it.
 */

const TABLE = 'keyword_performance_daily';
const options = keywordOptions({ seed: 'merge', shape: { campaigns: 4, adGroupsPerCampaign: 2, keywordsPerAdGroup: 5 } });
const columns = options.columns;
const baseRows = () => [...generateRows(options)].map((r) => [...r.values]);
const impressionsAt = columns.indexOf('Impressions');
const clicksAt = columns.indexOf('Clicks');

let testDb: TestDatabase;
const pool = () => testDb.database.pool;
const load = (rows: readonly (readonly string[])[], runId = 1) =>
  loadReportCsv(pool(), { ...targetOf(options), runId }, Readable.from([csvText([columns, ...rows])]), noFinish);

/** Row identity on disk: xmin changes when a row is written again. */
async function tuples(): Promise<Map<string, { xmin: string; runId: number }>> {
  const { rows } = await pool().query<{ k: string; xmin: string; run_id: string }>(
    `SELECT (to_jsonb(t) - 'clicks' - 'ctr' - 'average_cpc' - 'run_id' - 'loaded_at')::text AS k, xmin::text AS xmin, run_id FROM ${TABLE} t WHERE account_id = $1`,
    [ACCOUNT],
  );
  return new Map(rows.map((r) => [r.k, { xmin: r.xmin, runId: Number(r.run_id) }]));
}

beforeAll(async () => {
  testDb = await createTestDatabase('merge_load');
});

afterAll(async () => {
  await testDb?.drop();
});

beforeEach(async () => {
  await pool().query(`DELETE FROM ${TABLE}`);
});

describe('a re-load of a window', () => {
  it('of the same file writes nothing: 0 inserted, updated or deleted, every tuple as it was', async () => {
    const rows = baseRows();
    const first = await load(rows);
    expect(first.written).toEqual({ inserted: rows.length, updated: 0, deleted: 0 });
    const before = await tuples();
    const digest = await tableDigest(pool(), TABLE, ACCOUNT);
    const again = await load(rows, 2);
    expect(again).toMatchObject({ rows: rows.length, written: { inserted: 0, updated: 0, deleted: 0 } });
    expect(await tuples()).toEqual(before);
    expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(digest);
  });

  it('with 3 % of rows changed touches those rows only, and they carry the new run', async () => {
    const rows = baseRows();
    await load(rows);
    const before = await tuples();
    const changed = rows.map((r, i) => (i % 33 === 0 ? r.map((v, c) => (c === clicksAt ? String(Number(v) + 1) : v)) : r));
    const expectedChanged = rows.filter((_, i) => i % 33 === 0).length;
    const outcome = await load(changed, 7);
    expect(outcome.written).toEqual({ inserted: 0, updated: expectedChanged, deleted: 0 });
    const after = await tuples();
    const rewritten = [...after].filter(([k, t]) => t.xmin !== before.get(k)?.xmin);
    expect(rewritten).toHaveLength(expectedChanged);
    expect(rewritten.every(([, t]) => t.runId === 7)).toBe(true);
    const sum = await pool().query(`SELECT sum(clicks)::bigint AS clicks FROM ${TABLE} WHERE account_id = $1`, [ACCOUNT]);
    expect(Number(sum.rows[0].clicks)).toBe(changed.reduce((s, r) => s + Number(r[clicksAt]), 0));
  });

  it('inserts rows new in the file and deletes rows it no longer has, leaving exactly its rows', async () => {
    const rows = baseRows();
    await load(rows.slice(0, 50));
    const outcome = await load(rows.slice(10, 60));
    expect(outcome.written).toEqual({ inserted: 10, updated: 0, deleted: 10 });
    // The same table a fresh load of that file gives.
    const merged = await tableDigest(pool(), TABLE, ACCOUNT);
    await pool().query(`DELETE FROM ${TABLE}`);
    await load(rows.slice(10, 60));
    expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(merged);
  });

  it('a file that only shrinks deletes, one that only grows inserts, each leaving exactly its rows', async () => {
    const rows = baseRows();
    await load(rows);
    const shrunk = await load(rows.slice(0, 40), 2);
    expect(shrunk.written).toEqual({ inserted: 0, updated: 0, deleted: rows.length - 40 });
    const grown = await load(rows, 3);
    expect(grown.written).toEqual({ inserted: rows.length - 40, updated: 0, deleted: 0 });
    const merged = await tableDigest(pool(), TABLE, ACCOUNT);
    await pool().query(`DELETE FROM ${TABLE}`);
    await load(rows);
    expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(merged);
  });

  it('rows of another account are never matched, deleted or counted', async () => {
    const rows = baseRows();
    await load(rows);
    const other = { ...targetOf(options), accountId: '999000111', runId: 5 };
    const otherRows = rows.map((r) => r.map((v, c) => (columns[c] === 'AccountId' ? '999000111' : v)));
    await loadReportCsv(pool(), other, Readable.from([csvText([columns, ...otherRows])]), noFinish);
    const outcome = await load(rows.slice(5), 6);
    expect(outcome.written).toEqual({ inserted: 0, updated: 0, deleted: 5 });
    const count = await pool().query(`SELECT count(*)::int AS n FROM ${TABLE} WHERE account_id = 999000111`);
    expect(count.rows[0].n).toBe(rows.length);
  });

  it('keeps repeated rows (row_ordinal) through an unchanged re-load, touching nothing', async () => {
    const rows = baseRows();
    const withRepeats = [...rows, rows[5] as string[], rows[5] as string[], rows[9] as string[]];
    const first = await load(withRepeats);
    expect(first.repeatedRows).toBe(3);
    const before = await tuples();
    const again = await load(withRepeats, 3);
    expect(again).toMatchObject({ rows: withRepeats.length, repeatedRows: 3, written: { inserted: 0, updated: 0, deleted: 0 } });
    expect(await tuples()).toEqual(before);
    // A repeat gone from the file is deleted.
    const fewer = await load([...rows, rows[5] as string[]], 4);
    expect(fewer).toMatchObject({ repeatedRows: 1, written: { inserted: 0, updated: 0, deleted: 2 } });
    const count = await pool().query(`SELECT count(*)::int AS n FROM ${TABLE} WHERE account_id = $1`, [ACCOUNT]);
    expect(count.rows[0].n).toBe(rows.length + 1);
  });

  it('a table keeping a column the report no longer has (in its key) is re-loaded as delete + insert would leave it', async () => {
    // A custom report's dropped column stays in the table and in the key (customTables.ts); the file's
    // rows have NULL there, so they are other rows than the old ones, never "unchanged" old rows.
    const custom = (columns: string[]) => customReportDefinition({ name: 'merge_leftover', requestType: 'GeographicPerformanceReportRequest', columns, aggregation: ['Daily'] });
    const wide = custom(['TimePeriod', 'AccountName', 'Country', 'Impressions']);
    const narrow = custom(['TimePeriod', 'AccountName', 'Impressions']);
    const target = (report: typeof wide, runId: number) => ({ ...targetOf(options, report), runId });
    const day = options.from;
    const file = (report: typeof wide, rows: string[][]) => Readable.from([csvText([report.columns as string[], ...rows])]);
    const valuesOf = (report: typeof wide, row: Record<string, string>) => (report.columns as string[]).map((c) => row[c] ?? '');
    const row = (country: string, impressions: string) => ({ TimePeriod: day, AccountId: ACCOUNT, AccountName: 'A', CurrencyCode: 'USD', Country: country, Impressions: impressions });
    await loadReportCsv(pool(), target(wide, 1), file(wide, [valuesOf(wide, row('US', '10')), valuesOf(wide, row('CA', '5'))]), noFinish);
    const outcome = await loadReportCsv(pool(), target(narrow, 2), file(narrow, [valuesOf(narrow, row('', '10'))]), noFinish);
    expect(outcome.rows).toBe(1);
    const { rows } = await pool().query(`SELECT country, impressions::int AS impressions, run_id::int AS run_id FROM merge_leftover_daily WHERE account_id = $1`, [ACCOUNT]);
    expect(rows).toEqual([{ country: null, impressions: 10, run_id: 2 }]);
  });

  it('a bad value in a re-load rolls everything back, naming the line', async () => {
    const rows = baseRows();
    await load(rows);
    const digest = await tableDigest(pool(), TABLE, ACCOUNT);
    const bad = rows.map((r, i) => (i === 20 ? r.map((v, c) => (c === impressionsAt ? 'lots' : v)) : r));
    const err = await load(bad, 9).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportFileError);
    expect((err as ReportFileError).message).toMatch(/line 22, column Impressions: "lots" is not a valid bigint/);
    expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(digest);
  });

  it('an empty report still empties the window', async () => {
    await load(baseRows());
    const outcome = await loadReportCsv(pool(), targetOf(options), null, noFinish);
    expect(outcome.rows).toBe(0);
    const count = await pool().query(`SELECT count(*)::int AS n FROM ${TABLE} WHERE account_id = $1`, [ACCOUNT]);
    expect(count.rows[0].n).toBe(0);
  });
});
