import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { DEFAULT_REPORT_TIME_ZONE } from '../reports/periods.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import { countRows, generateRows, type GenerateOptions } from './generator.js';
import { headerLines } from './reportHeader.js';

/**
 * Microsoft's report file format: a zip holding one CSV, UTF-8 with a BOM, every field double-quoted,
 * optional report header block and copyright footer (REPORTING-FACTS §5).
 */

export interface CsvLayout {
  excludeReportHeader: boolean;
  excludeReportFooter: boolean;
  excludeColumnHeaders: boolean;
  reportName: string;
  /** Emit a "Total" row before the footer, as some real files have. */
  totalRow?: boolean;
  /** End the file without a final newline. */
  noFinalNewline?: boolean;
}

/** The copyright line Microsoft ends a report with unless ExcludeReportFooter is set. */
export const REPORT_FOOTER = '©2026 Microsoft Corporation. All rights reserved. ';

/** One CSV line, every field quoted. Made per row of every simulated file: a plain loop, no per-field array. */
export function line(values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string;
    // Most values hold no quote: the common case skips the scan-and-copy of replaceAll.
    out += `${i === 0 ? '"' : ',"'}${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
  }
  return `${out}\r\n`;
}

/** What the header block states beyond the request; each defaults to what a plain request would get. */
export interface HeaderMeta {
  /** The zone the file is in; default Pacific (the service's default ReportTimeZone). */
  timeZone?: ReportTimeZone;
  /** The service's clock when the file was made; default now. */
  now?: number;
  /** Added to the true row count on the `Rows:` line (the wrongRowCount fault); default 0. */
  rowCountError?: number;
}

/** Microsoft's header block (reportHeader.ts) as CSV: one quoted field a line, CRLF, then a blank line. */
export function headerBlock(options: Pick<GenerateOptions, 'from' | 'to' | 'aggregation'>, layout: CsvLayout, rowCount: number | undefined, meta: HeaderMeta = {}): string {
  const lines = headerLines({
    reportName: layout.reportName,
    from: options.from,
    to: options.to,
    aggregation: options.aggregation,
    timeZone: meta.timeZone ?? DEFAULT_REPORT_TIME_ZONE,
    now: meta.now ?? Date.now(),
    rows: rowCount === undefined ? undefined : rowCount + (meta.rowCountError ?? 0),
  });
  return `${lines.map((l) => line([l])).join('')}\r\n`;
}

/** The CSV text of a report as a stream of ~64 KiB chunks; `meta` shapes the header block. */
export function reportCsvStream(options: GenerateOptions, layout: CsvLayout, meta: HeaderMeta = {}): Readable {
  async function* chunks(): AsyncGenerator<string> {
    // The BOM comes first, before any header block: Microsoft's files start with one.
    let buffer = '\uFEFF';
    if (!layout.excludeReportHeader) {
      // Microsoft states the row count in the header.
      buffer += headerBlock(options, layout, countRows(options), meta);
    }
    if (!layout.excludeColumnHeaders) buffer += line(options.columns);
    for (const row of generateRows(options)) {
      buffer += line(row.values);
      if (buffer.length >= 65_536) {
        yield buffer;
        buffer = '';
      }
    }
    if (layout.totalRow) buffer += line(['Total', ...options.columns.slice(1).map(() => '')]);
    if (!layout.excludeReportFooter) buffer += `\r\n${line([REPORT_FOOTER])}`;
    if (layout.noFinalNewline && buffer.endsWith('\r\n')) buffer = buffer.slice(0, -2);
    if (buffer.length > 0) yield buffer;
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}

/** Writes the zip Microsoft would serve for these options to `path`; returns its size in bytes. */
export async function writeReportZip(path: string, options: GenerateOptions, layout: CsvLayout, meta: HeaderMeta = {}): Promise<number> {
  const zip = new yazl.ZipFile();
  zip.addReadStream(reportCsvStream(options, layout, meta), `${layout.reportName}.csv`, { mtime: new Date(0) });
  zip.end();
  let bytes = 0;
  const out = createWriteStream(path);
  await pipeline(
    zip.outputStream,
    async function* (source: AsyncIterable<Buffer | string>) {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    },
    out,
  );
  return bytes;
}
