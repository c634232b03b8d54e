import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { loadReportZip } from '../../src/load/loadReport.js';
import { generateRows } from '../../src/simulator/generator.js';
import { writeReportZip } from '../../src/simulator/reportFile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, FULL_LAYOUT, csvText, keywordOptions, noFinish, tableDigest, targetOf, tempDir, writeZip } from './fixtures.js';
import { zip64Archive } from './zip64.js';
import yazl from 'yazl';

const TABLE = 'keyword_performance_daily';
const LIMITS = { maxUncompressedBytes: 5_000_000 };
const options = keywordOptions({ seed: 'loaded-before' });
const columns = options.columns;
const goodRows = () => [...generateRows(options)].map((r) => [...r.values]);

let testDb: TestDatabase;
let tmp: ReturnType<typeof tempDir>;
let goodZip: string;
let before: string;
let fileCount = 0;

beforeAll(async () => {
  testDb = await createTestDatabase('load_bad');
  tmp = tempDir();
  goodZip = join(tmp.dir, 'good.zip');
  await writeReportZip(goodZip, options, FULL_LAYOUT);
  await loadReportZip(testDb.database.pool, targetOf(options), goodZip, LIMITS, noFinish);
  before = await tableDigest(testDb.database.pool, TABLE, ACCOUNT);
});

afterAll(async () => {
  await testDb?.drop();
  tmp?.remove();
});

const path = (name: string) => join(tmp.dir, `${fileCount++}-${name}`);

async function csvZip(rows: readonly (readonly string[])[]): Promise<string> {
  const file = path('report.zip');
  await writeZip(file, [{ name: 'report.csv', data: csvText(rows) }]);
  return file;
}

/** Loads the file over the window loaded in beforeAll; it must fail and leave that window as it was. */
async function expectRejected(zipPath: string, reason: string, limits = LIMITS): Promise<ReportFileError> {
  const err = await loadReportZip(testDb.database.pool, targetOf(options), zipPath, limits, noFinish).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportFileError);
  expect((err as ReportFileError).reason).toBe(reason);
  expect(await tableDigest(testDb.database.pool, TABLE, ACCOUNT)).toBe(before);
  return err as ReportFileError;
}

describe('bad zips', () => {
  it('a truncated zip is corrupt_zip', async () => {
    const bytes = readFileSync(goodZip);
    const file = path('truncated.zip');
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRejected(file, 'corrupt_zip');
  });

  it('a zip whose compressed data is damaged is corrupt_zip', async () => {
    const bytes = Buffer.from(readFileSync(goodZip));
    bytes.fill(0xff, 200, 400);
    const file = path('damaged.zip');
    writeFileSync(file, bytes);
    await expectRejected(file, 'corrupt_zip');
  });

  it('a stored (uncompressed) entry with one altered digit fails its CRC-32: corrupt_zip, nothing loaded', async () => {
    // Nothing to inflate, so nothing but the CRC tells: without the check the wrong number would load.
    const rows = goodRows();
    const header = [...columns];
    const text = csvText([header, ...rows]);
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(text), 'report.csv', { mtime: new Date(0), compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    // A digit inside the last data row (past every header line), changed to another digit.
    const at = bytes.lastIndexOf(Buffer.from('"'), bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1')) - 4) - 1;
    let i = at;
    while (i > 0 && !(bytes[i]! >= 0x30 && bytes[i]! <= 0x39)) i--;
    bytes[i] = bytes[i] === 0x39 ? 0x30 : bytes[i]! + 1;
    const file = path('altered.zip');
    writeFileSync(file, bytes);
    const err = await expectRejected(file, 'corrupt_zip');
    expect(err.message).toMatch(/CRC-32/);
  });

  it('a damaged entry whose garbage upsets the CSV reader first is still reported as corrupt_zip', async () => {
    // Damage right after the local header: the very first inflated bytes (the header lines) are wrong.
    const bytes = Buffer.from(readFileSync(goodZip));
    const nameLength = bytes.readUInt16LE(26);
    const extraLength = bytes.readUInt16LE(28);
    const dataStart = 30 + nameLength + extraLength;
    for (let i = dataStart + 2; i < dataStart + 60; i++) bytes[i] = bytes[i]! ^ 0x55;
    const file = path('damaged-early.zip');
    writeFileSync(file, bytes);
    await expectRejected(file, 'corrupt_zip');
  });

  it('an HTML page instead of a zip is corrupt_zip', async () => {
    const file = path('page.zip');
    writeFileSync(file, '<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>\n'.repeat(20));
    await expectRejected(file, 'corrupt_zip');
  });

  it('an empty zip, or one holding only a folder, is no_entry', async () => {
    const empty = path('empty.zip');
    await writeZip(empty, []);
    await expectRejected(empty, 'no_entry');
  });

  it('a zip with two files is several_entries', async () => {
    const file = path('two.zip');
    await writeZip(file, [
      { name: 'a.csv', data: csvText([columns]) },
      { name: 'b.csv', data: csvText([columns]) },
    ]);
    await expectRejected(file, 'several_entries');
  });

  it('an entry declared larger than the cap is zip_bomb', async () => {
    const file = path('bomb.zip');
    await writeZip(file, [{ name: 'report.csv', data: Buffer.alloc(20_000_000) }]);
    const err = await expectRejected(file, 'zip_bomb');
    expect(err.message).toContain('20000000');
  });

  it('an entry that inflates past the cap while declaring a small size is zip_bomb', async () => {
    const row = goodRows()[0] as string[];
    const text = csvText([columns, ...Array.from({ length: 40_000 }, () => row)]);
    expect(text.length).toBeGreaterThan(LIMITS.maxUncompressedBytes);
    const file = path('liar.zip');
    await writeZip(file, [{ name: 'report.csv', data: text }]);
    // Patch the central directory's uncompressed size (offset 24 of its file header) to 1000 bytes.
    const bytes = readFileSync(file);
    const central = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(1000, central + 24);
    writeFileSync(file, bytes);
    await expectRejected(file, 'zip_bomb');
  });
});

describe('zip64 bombs', () => {
  const zip64File = (data: Buffer, lies: Parameters<typeof zip64Archive>[1], repeat?: Parameters<typeof zip64Archive>[2]) => {
    const file = path('zip64.zip');
    writeFileSync(file, zip64Archive(data, lies, repeat));
    return file;
  };
  const csvBytes = () => Buffer.from(csvText([columns, ...goodRows()]));

  it('an honest zip64 report loads', async () => {
    const file = zip64File(csvBytes(), {});
    // Into another account's window, so the window the other tests compare stays as it was.
    const other = keywordOptions({ seed: 'zip64', accountId: '555' });
    const text = csvText([columns, ...[...generateRows(other)].map((r) => [...r.values])]);
    writeFileSync(file, zip64Archive(Buffer.from(text), {}));
    expect((await loadReportZip(testDb.database.pool, targetOf(other), file, LIMITS, noFinish)).rows).toBe([...generateRows(other)].length);
  });

  it.each([
    ['a hundred million', 100_000_000n],
    ['2^40', 2n ** 40n],
    ['2^32 - 1', 2n ** 32n - 1n],
  ])('a zip64 directory declaring %s entries is zip_bomb, refused before the directory is read', async (_label, entries) => {
    // Before: unzipper allocated one slot per declared entry (out of memory, or a hang), or failed as
    // corrupt_zip, which is retried.
    const started = Date.now();
    const err = await expectRejected(zip64File(csvBytes(), { entries }), 'zip_bomb');
    expect(err.message).toContain(`declares ${entries} entries`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a zip64 size over the cap is zip_bomb, naming the size', async () => {
    const err = await expectRejected(zip64File(csvBytes(), { uncompressedSize: 6n * 1024n ** 4n }), 'zip_bomb');
    expect(err.message).toContain(String(6 * 1024 ** 4));
  });

  it('a zip64 size that lies small is caught by counting what inflates: 1 GiB of rows in a few MB', async () => {
    // The column header, then 1 MiB of one data row over and over, 1024 times.
    const row = csvText([goodRows()[0] as string[]]).slice(1);
    const block = Buffer.from(row.repeat(Math.ceil((1 << 20) / row.length)));
    const file = zip64File(Buffer.from(csvText([columns])), { uncompressedSize: 1000n }, { block, times: 1024 });
    expect(statSync(file).size).toBeLessThan(20 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const err = await expectRejected(file, 'zip_bomb');
    expect(err.message).toContain('inflates past the 5000000-byte cap');
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('a zip64 entry without its zip64 size (0xFFFFFFFF and no extra field) is zip_bomb before inflating', async () => {
    const err = await expectRejected(zip64File(csvBytes(), { noZip64Extra: true }), 'zip_bomb');
    expect(err.message).toContain('declares no size');
  });

  it('a compressed size larger than the file is zip_bomb, not a retried corrupt_zip', async () => {
    const err = await expectRejected(zip64File(csvBytes(), { compressedSize: 2n ** 64n - 1n }), 'zip_bomb');
    expect(err.message).toContain('compressed size');
  });
});

describe('bad CSV contents', () => {
  it('columns other than requested are columns_mismatch, naming them', async () => {
    const header = [...columns.filter((c) => c !== 'Clicks'), 'Ctr2'];
    const err = await expectRejected(await csvZip([header]), 'columns_mismatch');
    expect(err.message).toContain('missing Clicks');
    expect(err.message).toContain('unexpected Ctr2');
  });

  it('a row with an extra field is ragged_rows with its line', async () => {
    const rows = goodRows();
    rows[4] = [...(rows[4] as string[]), 'extra'];
    const err = await expectRejected(await csvZip([columns, ...rows]), 'ragged_rows');
    // BOM + header on line 1, so rows[4] is on line 6.
    expect(err.message).toContain('line 6');
  });

  it('a row with a missing field is ragged_rows', async () => {
    const rows = goodRows();
    rows[2] = (rows[2] as string[]).slice(0, -1);
    const err = await expectRejected(await csvZip([columns, ...rows]), 'ragged_rows');
    expect(err.message).toContain('line 4');
  });

  it("'abc' in Impressions is bad_value naming the column, line and value", async () => {
    const rows = goodRows();
    (rows[9] as string[])[columns.indexOf('Impressions')] = 'abc';
    const err = await expectRejected(await csvZip([columns, ...rows]), 'bad_value');
    expect(err.message).toContain('Impressions');
    expect(err.message).toContain('line 11');
    expect(err.message).toContain('"abc"');
  });

  it('counts quoted newlines of earlier rows in the line number of a bad value', async () => {
    const rows = goodRows();
    (rows[0] as string[])[columns.indexOf('Keyword')] = 'two\nlines';
    (rows[5] as string[])[columns.indexOf('Ctr')] = '1.5x%';
    const err = await expectRejected(await csvZip([columns, ...rows]), 'bad_value');
    expect(err.message).toMatch(/line 8, column Ctr: "1\.5x%"/);
  });

  it('an out-of-range date is bad_value', async () => {
    const rows = goodRows();
    (rows[3] as string[])[columns.indexOf('TimePeriod')] = '2026-13-45';
    const err = await expectRejected(await csvZip([columns, ...rows]), 'bad_value');
    expect(err.message).toMatch(/line 5, column TimePeriod/);
  });

  it('an empty TimePeriod is bad_value', async () => {
    const rows = goodRows();
    (rows[1] as string[])[columns.indexOf('TimePeriod')] = '';
    const err = await expectRejected(await csvZip([columns, ...rows]), 'bad_value');
    expect(err.message).toContain('column TimePeriod is empty on line 3');
  });

  it('rows of another day or account are outside_window', async () => {
    const early = goodRows();
    (early[0] as string[])[columns.indexOf('TimePeriod')] = '2026-09-30';
    const err = await expectRejected(await csvZip([columns, ...early]), 'outside_window');
    expect(err.message).toContain('2026-09-30');
    const stranger = goodRows();
    (stranger[7] as string[])[columns.indexOf('AccountId')] = '42';
    await expectRejected(await csvZip([columns, ...stranger]), 'outside_window');
  });

  it('rows repeating every attribute are all loaded, numbered, and counted (not refused as duplicates)', async () => {
    const rows = goodRows();
    const twice = rows[3] as string[];
    const outcome = await loadReportZip(testDb.database.pool, targetOf(options), await csvZip([columns, ...rows, twice, twice]), LIMITS, noFinish);
    expect(outcome.rows).toBe(rows.length + 2);
    expect(outcome.repeatedRows).toBe(2);
    const { rows: ordinals } = await testDb.database.pool.query<{ row_ordinal: number; n: number }>(
      `SELECT row_ordinal, count(*)::int AS n FROM ${TABLE} WHERE account_id = $1 GROUP BY row_ordinal ORDER BY row_ordinal`,
      [ACCOUNT],
    );
    expect(ordinals).toEqual([
      { row_ordinal: 1, n: rows.length },
      { row_ordinal: 2, n: 1 },
      { row_ordinal: 3, n: 1 },
    ]);
    // The window as the other tests expect it.
    await loadReportZip(testDb.database.pool, targetOf(options), goodZip, LIMITS, noFinish);
    expect(await tableDigest(testDb.database.pool, TABLE, ACCOUNT)).toBe(before);
  });

  it('an unclosed quote is bad_csv', async () => {
    const file = path('quote.zip');
    const text = `${csvText([columns, ...goodRows()])}"2026-10-01,123\r\n"x","y"\r\n`;
    await writeZip(file, [{ name: 'report.csv', data: text }]);
    await expectRejected(file, 'bad_csv');
  });
});
