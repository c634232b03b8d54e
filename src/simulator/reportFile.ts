import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { generateRows, type GenerateOptions } from './generator.js';

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

const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
export const line = (values: readonly string[]) => `${values.map(quote).join(',')}\r\n`;

export function headerBlock(options: GenerateOptions, layout: CsvLayout, rowCount: number | undefined): string {
  const us = (day: string) => {
    const [y, m, d] = day.split('-');
    return `${Number(m)}/${Number(d)}/${y}`;
  };
  return [
    `Report Name: ${layout.reportName}`,
    `Report Time: ${us(options.from)}, ${us(options.to)}`,
    'Time Zone: (GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London',
    'Last Completed Available Day: 11/27/2026 10:15:00 PM (GMT)',
    'Last Completed Available Hour: 11/27/2026 10:15:00 PM (GMT)',
    `Report Aggregation: ${options.aggregation}`,
    'Report Filter: ',
    'Potential Incomplete Data: false',
    `Rows: ${rowCount ?? ''}`,
  ]
    .map((l) => line([l]))
    .join('')
    .concat('\r\n');
}

/** The CSV text of a report as a stream of ~64 KiB chunks. */
export function reportCsvStream(options: GenerateOptions, layout: CsvLayout): Readable {
  async function* chunks(): AsyncGenerator<string> {
    // The BOM comes first, before any header block: Microsoft's files start with one.
    let buffer = '\uFEFF';
    if (!layout.excludeReportHeader) buffer += headerBlock(options, layout, undefined);
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
export async function writeReportZip(path: string, options: GenerateOptions, layout: CsvLayout): Promise<number> {
  const zip = new yazl.ZipFile();
  zip.addReadStream(reportCsvStream(options, layout), `${layout.reportName}.csv`, { mtime: new Date(0) });
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
