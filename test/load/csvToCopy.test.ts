import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { CsvToCopy } from '../../src/load/csvToCopy.js';

const COLUMNS = ['TimePeriod', 'AccountId', 'Impressions'];
const q = (fields: string[]) => `${fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',')}\r\n`;
const HEADER = q(COLUMNS);
const ROWS = [q(['2026-10-01', '1', '5']), q(['2026-10-02', '1', '--']), q(['2026-10-03', '1', ''])];
const BLOCK = [q(['Report Name: x']), q(['Report Time: 10/1/2026, 10/3/2026']), q(['Rows: 3']), '\r\n'].join('');
const FOOTER = `\r\n${q(['©2026 Microsoft Corporation. All rights reserved. '])}`;

/** Runs the transform over `text` cut into `chunkSize`-byte pieces. */
async function convert(text: string, chunkSize = 1 << 20, columns = COLUMNS) {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const toCopy = new CsvToCopy(columns);
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), toCopy, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return { header: await toCopy.header, copy: Buffer.concat(out).toString('utf8'), records: toCopy.records };
}

async function convertError(text: string, columns = COLUMNS, chunkSize = 1 << 20): Promise<ReportFileError> {
  const err = await convert(text, chunkSize, columns).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportFileError);
  return err as ReportFileError;
}

describe('CsvToCopy', () => {
  const full = `\uFEFF${BLOCK}${HEADER}${ROWS.join('')}${q(['Total', '', '3'])}${FOOTER}`;

  it.each([1, 2, 7, 64, 1 << 20])('keeps exactly the data rows of a full Microsoft file (chunks of %i bytes)', async (size) => {
    const { header, copy } = await convert(full, size);
    expect(copy).toBe(ROWS.join(''));
    expect(header.columns).toEqual(COLUMNS);
    // BOM line 1, 3 metadata lines, blank, header on line 6.
    expect(header.firstDataLine).toBe(6);
  });

  it('handles a file without BOM, header block or footer', async () => {
    const { header, copy } = await convert(`${HEADER}${ROWS.join('')}`);
    expect(copy).toBe(ROWS.join(''));
    expect(header.firstDataLine).toBe(2);
  });

  it('accepts a missing final newline, after data or after the footer', async () => {
    const data = ROWS.join('');
    expect((await convert(`${HEADER}${data.slice(0, -2)}`, 3)).copy).toBe(data.slice(0, -2));
    expect((await convert(`${HEADER}${data}${FOOTER.slice(0, -2)}`, 3)).copy).toBe(data);
  });

  it('drops trailing blank lines, the "@" footer variant and a Total row', async () => {
    const text = `${HEADER}${ROWS.join('')}${q(['Total', '', ''])}\r\n${q(['@2020 Microsoft Corporation. All rights reserved. '])}\r\n\r\n  \r\n\r\n`;
    expect((await convert(text, 5)).copy).toBe(ROWS.join(''));
  });

  it('keeps quoted newlines, commas and quotes, also in the held-back tail', async () => {
    const tricky = [
      q(['2026-10-01', '1', '5']),
      q(['2026-10-02', 'a "quoted", value\r\n"Total","",""\r\n', '7']),
      q(['2026-10-03', 'x\n\n', '8']),
    ];
    const { copy } = await convert(`${HEADER}${tricky.join('')}${FOOTER}`, 4);
    expect(copy).toBe(tricky.join(''));
  });

  it('streams many rows in order', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => q(['2026-10-01', String(i), String(i * 2)]));
    const { copy } = await convert(`\uFEFF${BLOCK}${HEADER}${rows.join('')}${FOOTER}`, 16_384);
    expect(copy).toBe(rows.join(''));
  });

  it('tolerates a blank header name and a trailing comma', async () => {
    const { header, copy } = await convert(`"TimePeriod","","AccountId","Impressions",\r\n"2026-10-01","","1","5",\r\n`);
    expect(header.columns).toEqual(['TimePeriod', '', 'AccountId', 'Impressions', '']);
    expect(copy).toBe('"2026-10-01","","1","5",\r\n');
  });

  it('accepts the requested columns in any order', async () => {
    const { header } = await convert(`${q(['Impressions', 'TimePeriod', 'AccountId'])}`);
    expect(header.columns).toEqual(['Impressions', 'TimePeriod', 'AccountId']);
  });

  it('rejects a header that differs from the request, naming the columns', async () => {
    const err = await convertError(`${q(['TimePeriod', 'AccountId', 'Clicks'])}${ROWS[0]}`);
    expect(err.reason).toBe('columns_mismatch');
    expect(err.message).toContain('missing Impressions');
    expect(err.message).toContain('unexpected Clicks');
  });

  it('rejects a duplicated column', async () => {
    const err = await convertError(`${q(['TimePeriod', 'AccountId', 'Impressions', 'AccountId'])}`);
    expect(err.message).toContain('duplicated AccountId');
  });

  it('rejects a file without a column header row', async () => {
    expect((await convertError('\uFEFF')).reason).toBe('columns_mismatch');
    expect((await convertError(`\uFEFF${BLOCK}`)).message).toContain('no column header row');
  });

  describe('records: what COPY must report reading', () => {
    it.each([1, 3, 1 << 20])('counts the records passed on, not the header, footer or trailing blank lines (chunks of %i bytes)', async (size) => {
      expect((await convert(full, size)).records).toBe(3);
      expect((await convert(`${HEADER}${ROWS.join('')}\r\n  \r\n`, size)).records).toBe(3);
      expect((await convert(`${HEADER}${ROWS.join('').slice(0, -2)}`, size)).records).toBe(3);
      expect((await convert(HEADER, size)).records).toBe(0);
    });

    it('counts a record with quoted newlines once, and a blank line between rows (COPY reads it too)', async () => {
      const text = `${HEADER}${q(['2026-10-01', 'a\r\nb\n', '5'])}\r\n${ROWS[1]}`;
      const { copy, records } = await convert(text, 2);
      expect(copy).toBe(`${q(['2026-10-01', 'a\r\nb\n', '5'])}\r\n${ROWS[1]}`);
      expect(records).toBe(3);
    });
  });

  it('streams a record larger than the hold limit, quoted newlines and all, and counts it once', async () => {
    const huge = q(['2026-10-01', `${'x'.repeat(1000)}\r\n`.repeat(5000), '5']);
    const data = `${ROWS[0]}${huge}${ROWS[1]}`;
    const { copy, records } = await convert(`${HEADER}${data}${q(['Total', '', '1'])}${FOOTER}`, 16_384);
    expect(copy === data).toBe(true);
    expect(records).toBe(3);
  });

  describe("Postgres' end-of-data marker", () => {
    it.each([1, 2, 5, 1 << 20])('refuses a \\. line, CRLF or LF, naming its line (chunks of %i bytes)', async (size) => {
      for (const [text, line] of [
        [`${HEADER}${ROWS[0]}\\.\r\n${ROWS[1]}`, 3],
        [`${HEADER}${ROWS[0]}\\.\n${ROWS[1]}`, 3],
        [`\uFEFF${BLOCK}${HEADER}\\.\r\n${ROWS[1]}`, 6],
        [`${HEADER}${ROWS.join('')}\\.`, 5],
      ] as const) {
        const err = await convertError(text, COLUMNS, size);
        expect(err.reason).toBe('bad_csv');
        expect(err.message).toContain(`line ${line} is \\.`);
      }
    });

    it('passes \\. as a quoted value, inside a multi-line value, or with more on its line', async () => {
      const rows = [q(['2026-10-01', '\\.', '5']), q(['2026-10-02', 'x\r\n\\.\r\ny', '6']), '\\.x,"1","7"\r\n'];
      expect((await convert(`${HEADER}${rows.join('')}`, 3)).copy).toBe(rows.join(''));
    });
  });

  describe('carriage returns', () => {
    it.each([1, 4, 1 << 20])('refuses a bare CR outside quotes, also one ending a chunk (chunks of %i bytes)', async (size) => {
      const err = await convertError(`${HEADER}${ROWS[0]}"2026-10-02","1","5"\r"2026-10-03","1","6"\r\n`, COLUMNS, size);
      expect(err.reason).toBe('bad_csv');
      expect(err.message).toContain('line 3 has a carriage return');
    });

    it('keeps a CR inside quotes, and CRLF and LF line ends alike', async () => {
      const text = `${HEADER}${q(['2026-10-01', 'a\rb', '5'])}"2026-10-02","1","6"\n`;
      expect((await convert(text, 1)).copy).toBe(text.slice(HEADER.length));
    });
  });

  describe('"Total" rows', () => {
    it('keeps a last row whose first field is Total when no footer follows', async () => {
      const text = `${HEADER}${ROWS.join('')}${q(['Total', '1', '3'])}`;
      expect((await convert(text)).copy).toBe(`${ROWS.join('')}${q(['Total', '1', '3'])}`);
    });

    it('keeps a Total row with an account id before the footer, drops one without', async () => {
      const data = `${ROWS.join('')}${q(['Total', '1', '3'])}`;
      expect((await convert(`${HEADER}${data}${FOOTER}`)).copy).toBe(data);
      expect((await convert(`${HEADER}${ROWS.join('')}${q(['Total', ' ', '3'])}${FOOTER}`)).copy).toBe(ROWS.join(''));
    });

    it('drops only one summary row, the one right before the footer', async () => {
      const text = `${HEADER}${ROWS.join('')}${q(['Total', '', '1'])}${q(['Total', '', '3'])}${FOOTER}`;
      expect((await convert(text)).copy).toBe(`${ROWS.join('')}${q(['Total', '', '1'])}`);
    });

    it('without an AccountId column, drops a Total row only before the footer', async () => {
      const columns = ['TimePeriod', 'Impressions'];
      const text = `${q(columns)}${q(['2026-10-01', '5'])}${q(['Total', '5'])}`;
      expect((await convert(text, 1 << 20, columns)).copy).toBe(`${q(['2026-10-01', '5'])}${q(['Total', '5'])}`);
      expect((await convert(`${text}${FOOTER}`, 1 << 20, columns)).copy).toBe(q(['2026-10-01', '5']));
    });
  });
});
