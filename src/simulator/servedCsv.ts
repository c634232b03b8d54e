import { Readable } from 'node:stream';
import type { Aggregation } from '../reports/catalog.js';
import { columnSpec } from '../reports/columnTypes.js';
import type { ReportTimeZone } from '../reports/timeZones.js';
import { countRows, generateRows, type AccountShape, type GenerateOptions } from './generator.js';
import { headerBlock, line, REPORT_FOOTER, type CsvLayout } from './reportFile.js';
import type { CsvLayoutOverride } from './faultSwitches.js';

/**
 * The CSV the simulator serves for a report: the generator's rows for every account of the scope, in
 * scope order, in Microsoft's file format (same text as reportCsvStream for one account), optionally
 * damaged by the CSV fault switches. Rows are produced lazily, so memory stays flat for big files.
 */

export interface ServedReport {
  accountIds: readonly string[];
  columns: readonly string[];
  aggregation: Aggregation;
  from: string;
  to: string;
  reportName: string;
  excludeReportHeader: boolean;
  excludeReportFooter: boolean;
  excludeColumnHeaders: boolean;
  /** The zone the header states (reportHeader.ts statedZone). */
  timeZone: ReportTimeZone;
  /** The service's clock when the report was generated (ms): the header's last completed hour. */
  generatedAt: number;
}

export interface CsvDamage {
  layout: CsvLayoutOverride | null;
  columnsMismatch: boolean;
  raggedRows: boolean;
  nonNumericValue: boolean;
  /** Added to the true row count on the header's `Rows:` line. */
  wrongRowCount: number;
}

export const NO_DAMAGE: CsvDamage = { layout: null, columnsMismatch: false, raggedRows: false, nonNumericValue: false, wrongRowCount: 0 };

export function generateOptionsFor(report: Pick<ServedReport, 'columns' | 'aggregation' | 'from' | 'to'>, accountId: string, seed: string, shape: AccountShape | undefined): GenerateOptions {
  const options: GenerateOptions = { columns: report.columns, aggregation: report.aggregation, accountId, from: report.from, to: report.to, seed };
  if (shape) options.shape = shape;
  return options;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function servedCsvStream(report: ServedReport, seed: string, shape: AccountShape | undefined, damage: CsvDamage = NO_DAMAGE): Readable {
  const perAccount = report.accountIds.map((id) => generateOptionsFor(report, id, seed, shape));
  const layout: CsvLayout = {
    excludeReportHeader: damage.layout?.excludeReportHeader ?? report.excludeReportHeader,
    excludeReportFooter: damage.layout?.excludeReportFooter ?? report.excludeReportFooter,
    excludeColumnHeaders: report.excludeColumnHeaders,
    reportName: report.reportName,
    ...(damage.layout?.totalRow === undefined ? {} : { totalRow: damage.layout.totalRow }),
    ...(damage.layout?.noFinalNewline === undefined ? {} : { noFinalNewline: damage.layout.noFinalNewline }),
  };
  const numericMetric = report.columns.findIndex((c) => {
    const spec = columnSpec(c);
    return spec.role === 'metric' && (spec.type === 'bigint' || spec.type === 'numeric');
  });
  const damagedColumn = numericMetric >= 0 ? numericMetric : report.columns.length - 1;

  async function* chunks(): AsyncGenerator<string> {
    let buffer = '\uFEFF';
    if (!layout.excludeReportHeader) {
      // Microsoft states the row count in the header: the count Microsoft meant to serve (raggedRows and
      // nonNumericValue keep every row), worked out without generating the rows.
      const rows = perAccount.reduce((sum, options) => sum + countRows(options), 0);
      buffer += headerBlock(report, layout, rows, { timeZone: report.timeZone, now: report.generatedAt, rowCountError: damage.wrongRowCount });
    }
    if (!layout.excludeColumnHeaders) {
      const names = [...report.columns];
      if (damage.columnsMismatch) names[names.length - 1] = `${names[names.length - 1]}X`;
      buffer += line(names);
    }
    let index = 0;
    for (const options of perAccount) {
      for (const row of generateRows(options)) {
        let values = row.values;
        if (damage.nonNumericValue) {
          values = [...values];
          values[damagedColumn] = 'n/a';
        }
        if (damage.raggedRows && index % 3 === 2) values = values.slice(0, -1);
        buffer += line(values);
        index++;
        if (buffer.length >= 65_536) {
          yield buffer;
          buffer = '';
          // Stream pulls run as microtasks; without a macrotask turn a few big files starve every socket.
          await yieldToEventLoop();
        }
      }
    }
    if (layout.totalRow) buffer += line(['Total', ...report.columns.slice(1).map(() => '')]);
    if (!layout.excludeReportFooter) buffer += `\r\n${line([REPORT_FOOTER])}`;
    if (layout.noFinalNewline && buffer.endsWith('\r\n')) buffer = buffer.slice(0, -2);
    if (buffer.length > 0) yield buffer;
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}

/** Endless-looking CSV for the zip bomb: the column header, then one row repeated up to `bytes`. */
export function bombCsvStream(columns: readonly string[], bytes: number): Readable {
  const row = Buffer.from(line(columns.map((_, i) => String(i))));
  const block = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(65_536 / row.length)) }, () => row));
  async function* chunks(): AsyncGenerator<Buffer> {
    let left = bytes;
    const head = Buffer.from(`\uFEFF${line(columns)}`);
    yield head.subarray(0, Math.min(left, head.length));
    left -= head.length;
    while (left > 0) {
      yield left >= block.length ? block : block.subarray(0, left);
      left -= block.length;
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}
