import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { CsvToCopy } from '../../src/load/csvToCopy.js';
import { loadReportCsv } from '../../src/load/loadReport.js';
import { generateRows } from '../../src/simulator/generator.js';
import { REPORT_FOOTER } from '../../src/simulator/reportFile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, keywordOptions, noFinish, tableDigest, targetOf } from './fixtures.js';

/**
 * Files built to fool the load: a line Postgres' COPY takes for the end of its data, line ends COPY
 * reads differently from us, and rows that look like Microsoft's footer. After every load the table
 * holds exactly the file's records, or the load fails and the window keeps what it had.
 */

const TABLE = 'keyword_performance_daily';
const options = keywordOptions({ seed: 'hostile' });
const columns = options.columns;
const rows = () => [...generateRows(options)].map((r) => [...r.values]);
const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;
const line = (fields: readonly string[], eol = '\r\n') => `${fields.map(quote).join(',')}${eol}`;
const fileOf = (records: readonly (readonly string[])[], eol = '\r\n') => `\uFEFF${records.map((r) => line(r, eol)).join('')}`;

let testDb: TestDatabase;
let before: string;
const pool = () => testDb.database.pool;

/** The text in 61-byte chunks, so that the checks also meet their patterns split across chunks. */
const chunked = (text: string) => {
  const bytes = Buffer.from(text);
  return Readable.from(Array.from({ length: Math.ceil(bytes.length / 61) }, (_, i) => bytes.subarray(i * 61, i * 61 + 61)));
};
const load = (text: string) => loadReportCsv(pool(), targetOf(options), chunked(text), noFinish);

async function expectRefused(text: string, reason: string): Promise<ReportFileError> {
  const err = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportFileError);
  expect((err as ReportFileError).reason).toBe(reason);
  expect(await tableDigest(pool(), TABLE, ACCOUNT)).toBe(before);
  return err as ReportFileError;
}

const loadedCount = async () =>
  Number((await pool().query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE} WHERE account_id = $1`, [ACCOUNT])).rows[0]?.n);

beforeAll(async () => {
  testDb = await createTestDatabase('load_hostile');
  await load(fileOf([columns, ...rows()]));
  before = await tableDigest(pool(), TABLE, ACCOUNT);
});

afterAll(async () => {
  await testDb?.drop();
});

afterEach(async () => {
  vi.restoreAllMocks();
  // Tests that load successfully put the window back as the others expect it.
  if ((await tableDigest(pool(), TABLE, ACCOUNT)) !== before) await load(fileOf([columns, ...rows()]));
});

describe("Postgres' end-of-data marker", () => {
  const third = Math.floor(rows().length / 3);
  const withMarker = (marker: string, eol = '\r\n') => {
    const data = rows();
    return `${fileOf([columns, ...data.slice(0, third)], eol)}${marker}${fileOf(data.slice(third), eol).slice(1)}`;
  };

  it.each([
    ['a \\. line in a CRLF file', withMarker('\\.\r\n'), 2 + third],
    ['a \\. line in an LF file', withMarker('\\.\n', '\n'), 2 + third],
    ['a \\. line as the first data line', fileOf([columns]) + `\\.\r\n${fileOf(rows()).slice(1)}`, 2],
    ['a \\. at the very end, without a newline', `${fileOf([columns, ...rows()])}\\.`, 2 + rows().length],
  ])('%s is refused as bad_csv naming its line, instead of loading the rows before it', async (_name, text, lineNo) => {
    // Before: COPY stopped at the marker, reported a third of the rows and the load succeeded.
    const err = await expectRefused(text, 'bad_csv');
    expect(err.message).toContain(`line ${lineNo}`);
    expect(err.message).toContain('\\.');
  });

  it('a \\. value in quotes, alone or on a line of a multi-line value, loads as data', async () => {
    const data = rows();
    const keyword = columns.indexOf('Keyword');
    (data[1] as string[])[keyword] = '\\.';
    (data[2] as string[])[keyword] = 'first\r\n\\.\r\nlast';
    (data[3] as string[])[keyword] = '\\.\r\nstarts a line';
    const result = await load(fileOf([columns, ...data]));
    expect(result.rows).toBe(data.length);
    expect(await loadedCount()).toBe(data.length);
    const { rows: found } = await pool().query<{ keyword: string }>(
      `SELECT keyword FROM ${TABLE} WHERE account_id = $1 AND strpos(keyword, '\\.') > 0`,
      [ACCOUNT],
    );
    expect(found.map((r) => r.keyword).sort()).toEqual(['\\.', '\\.\r\nstarts a line', 'first\r\n\\.\r\nlast'].sort());
  });

  it('data lines ended by a bare carriage return are refused: COPY would split them where we do not', async () => {
    // With the first data line ended by a bare CR, COPY splits lines on CR alone, and "\.<CR>" ends it.
    const data = rows();
    const text = `${fileOf([columns])}${line(data[0] as string[], '\r')}\\.\r${data.slice(1).map((r) => line(r, '\r')).join('')}`;
    const err = await expectRefused(text, 'bad_csv');
    expect(err.message).toContain('carriage return');
    expect(err.message).toContain('line 2');
  });
});

describe('record count', () => {
  it('a file whose record count differs from the rows COPY read is refused, rolling the window back', async () => {
    // Whatever the cause (another way COPY could read the bytes differently), the two counts must agree.
    const real = Object.getOwnPropertyDescriptor(CsvToCopy.prototype, 'records')?.get;
    expect(real).toBeDefined();
    vi.spyOn(CsvToCopy.prototype, 'records', 'get').mockImplementation(function (this: CsvToCopy) {
      return (real as () => number).call(this) + 1;
    });
    const data = rows();
    const err = await expectRefused(fileOf([columns, ...data]), 'record_count_mismatch');
    expect(err.message).toContain(`${data.length + 1} records`);
    expect(err.message).toContain(`${data.length} rows`);
  });
});

describe('rows whose first field is "Total"', () => {
  // The header may list the columns in any order: CampaignName first puts a campaign's name there.
  const first = columns.indexOf('CampaignName');
  const order = [first, ...columns.map((_, i) => i).filter((i) => i !== first)];
  const reordered = (r: readonly string[]) => order.map((i) => r[i] as string);
  const footer = `\r\n${quote(REPORT_FOOTER)}\r\n`;
  const withTotalCampaign = () => {
    const data = rows();
    (data[data.length - 1] as string[])[first] = 'Total';
    return [reordered(columns), ...data.map(reordered)];
  };
  const totalCampaigns = async () =>
    Number(
      (await pool().query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE} WHERE account_id = $1 AND campaign_name = 'Total'`, [ACCOUNT])).rows[0]
        ?.n,
    );

  it('a last data row of a campaign named Total is loaded (files without a footer, as we request them)', async () => {
    // Before: dropped as if it were Microsoft's summary row, and the load reported one row fewer.
    const file = withTotalCampaign();
    expect((await load(fileOf(file))).rows).toBe(file.length - 1);
    expect(await totalCampaigns()).toBe(1);
  });

  it('is loaded even right before a copyright footer: it carries an account id, a summary row does not', async () => {
    const file = withTotalCampaign();
    expect((await load(`${fileOf(file)}${footer}`)).rows).toBe(file.length - 1);
    expect(await totalCampaigns()).toBe(1);
  });

  it("Microsoft's summary row, part of the footer before the copyright line, is dropped", async () => {
    const data = rows();
    const summary = reordered(columns.map((c) => (c === 'CampaignName' ? 'Total' : c === 'Impressions' ? '12345' : '')));
    const text = `${fileOf([reordered(columns), ...data.map(reordered)])}${line(summary)}${footer}\r\n`;
    expect((await load(text)).rows).toBe(data.length);
    expect(await totalCampaigns()).toBe(0);
  });

  it('a summary-like Total row without the copyright footer is data, and fails the load loudly rather than vanishing', async () => {
    const summary = reordered(columns.map((c) => (c === 'CampaignName' ? 'Total' : '')));
    const err = await expectRefused(`${fileOf([reordered(columns), ...rows().map(reordered)])}${line(summary)}`, 'bad_value');
    expect(err.message).toContain('is empty');
  });
});
