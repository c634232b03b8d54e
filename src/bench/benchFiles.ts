import { join } from 'node:path';
import type { ReportDefinition } from '../reports/catalog.js';
import { generateRows, type AccountShape, type GenerateOptions } from '../simulator/generator.js';
import { writeReportZip, type CsvLayout } from '../simulator/reportFile.js';

/** The benchmark's report files: keyword-report zips from the simulator generator. */

const DAYS = 7;

/** Rows the generator makes per keyword and day for these columns (their segment combinations). */
export function rowsPerKeywordDay(columns: readonly string[]): number {
  let n = 0;
  const one = { campaigns: 1, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 };
  for (const _ of generateRows({ columns, aggregation: 'Daily', accountId: '1', from: '2026-10-01', to: '2026-10-01', seed: 'count', shape: one })) n++;
  return n;
}
const AD_GROUPS = 9;

/** A generator shape giving about `rows` rows of `report` (the exact count is expectedRows()). */
export function benchOptions(report: ReportDefinition, rows: number, accountId: string, seed: string): GenerateOptions {
  const keywords = Math.max(1, Math.round(rows / (rowsPerKeywordDay(report.columns) * DAYS * AD_GROUPS)));
  // Split campaigns × keywords-per-ad-group so neither is absurd: the largest divisor ≤ 50 per ad group.
  let perAdGroup = 1;
  for (let k = Math.min(50, keywords); k >= 1; k--) {
    if (keywords % k === 0) {
      perAdGroup = k;
      break;
    }
  }
  const shape: AccountShape = { campaigns: keywords / perAdGroup, adGroupsPerCampaign: AD_GROUPS, keywordsPerAdGroup: perAdGroup };
  return {
    columns: report.columns,
    aggregation: 'Daily',
    accountId,
    from: '2026-10-01',
    to: '2026-10-07',
    seed,
    shape,
  };
}

export function expectedRows(options: GenerateOptions): number {
  const s = options.shape as AccountShape;
  return s.campaigns * s.adGroupsPerCampaign * s.keywordsPerAdGroup * rowsPerKeywordDay(options.columns) * DAYS;
}

/** Microsoft's default layout: BOM, report header block, Total row and copyright footer. */
export const MICROSOFT_LAYOUT: CsvLayout = {
  excludeReportHeader: false,
  excludeReportFooter: false,
  excludeColumnHeaders: false,
  reportName: 'Keyword Performance',
  totalRow: true,
};

/** The layout Postgres' own COPY … CSV HEADER can read: no header block, Total row or footer. */
export const PLAIN_LAYOUT: CsvLayout = { ...MICROSOFT_LAYOUT, excludeReportHeader: true, excludeReportFooter: true, totalRow: false };

export async function writeBenchZip(dir: string, name: string, options: GenerateOptions, layout: CsvLayout): Promise<string> {
  const path = join(dir, `${name}.zip`);
  await writeReportZip(path, options, layout);
  return path;
}
