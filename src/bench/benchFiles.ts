import { join } from 'node:path';
import { reports } from '../reports/catalog.js';
import type { AccountShape, GenerateOptions } from '../simulator/generator.js';
import { writeReportZip, type CsvLayout } from '../simulator/reportFile.js';

/** The benchmark's report files: keyword-report zips from the simulator generator. */

/** Rows per keyword per day: DeviceType × Network × DeliveredMatchType × BidMatchType = 3·2·3·3. */
const ROWS_PER_KEYWORD_DAY = 54;
const DAYS = 7;
const AD_GROUPS = 9;

/** A generator shape giving about `rows` rows (the exact count is a multiple of 54·7·9). */
export function benchOptions(rows: number, accountId: string, seed: string): GenerateOptions {
  const keywords = Math.max(1, Math.round(rows / (ROWS_PER_KEYWORD_DAY * DAYS * AD_GROUPS)));
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
    columns: reports.keyword_performance.columns,
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
  return s.campaigns * s.adGroupsPerCampaign * s.keywordsPerAdGroup * ROWS_PER_KEYWORD_DAY * DAYS;
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
