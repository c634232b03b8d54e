import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import yazl from 'yazl';
import type { LoadTarget } from '../../src/load/loadReport.js';
import { reports, type ReportDefinition } from '../../src/reports/catalog.js';
import type { DayTotals, GenerateOptions } from '../../src/simulator/generator.js';
import type { CsvLayout } from '../../src/simulator/reportFile.js';

/** Shared fixtures of the load tests: temp dirs, hand-made zips and CSVs, per-period table sums. */

export const ACCOUNT = '123456789';
export const OTHER_ACCOUNT = '987654321';

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'msads-load-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const FULL_LAYOUT: CsvLayout = {
  excludeReportHeader: false,
  excludeReportFooter: false,
  excludeColumnHeaders: false,
  reportName: 'Keyword report',
  totalRow: true,
};

export function keywordOptions(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  return {
    columns: reports.keyword_performance.columns,
    aggregation: 'Daily',
    accountId: ACCOUNT,
    from: '2026-10-01',
    to: '2026-10-03',
    seed: 'seed-1',
    shape: { campaigns: 2, adGroupsPerCampaign: 1, keywordsPerAdGroup: 2 },
    ...overrides,
  };
}

export function targetOf(options: GenerateOptions, report: ReportDefinition = reports.keyword_performance): LoadTarget {
  return {
    report,
    aggregation: options.aggregation,
    accountId: options.accountId,
    from: options.from,
    to: options.to,
    timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
    runId: 1,
  };
}

/** Writes a zip holding exactly these entries. */
export async function writeZip(path: string, entries: { name: string; data: string | Buffer }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addBuffer(Buffer.from(entry.data), entry.name, { mtime: new Date(0) });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;

/** Microsoft-style CSV text: BOM, every field quoted, CRLF. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return `\uFEFF${rows.map((r) => `${r.map(quote).join(',')}\r\n`).join('')}`;
}

/** Per-period row count and sums, keyed like expectedTotals (YYYY-MM-DD); optionally only a window's days. */
export async function periodTotals(
  pool: pg.Pool,
  table: string,
  accountId: string,
  window?: { from: string; to: string },
): Promise<Map<string, DayTotals>> {
  const result = await pool.query<{ period: string; rows: string; impressions: string; clicks: string; spend_cents: string }>(
    `SELECT time_period::text AS period, count(*) AS rows, coalesce(sum(impressions), 0) AS impressions,
            coalesce(sum(clicks), 0) AS clicks, coalesce(sum(spend * 100), 0)::bigint AS spend_cents
       FROM ${table} WHERE account_id = $1 AND ($2::date IS NULL OR time_period::date BETWEEN $2 AND $3)
      GROUP BY 1 ORDER BY 1`,
    [accountId, window?.from ?? null, window?.to ?? null],
  );
  return new Map(
    result.rows.map((r) => [
      r.period,
      { rows: Number(r.rows), impressions: Number(r.impressions), clicks: Number(r.clicks), spendCents: Number(r.spend_cents) },
    ]),
  );
}

/** A stable digest of a table's rows for one account, ignoring when and by which run they were loaded. */
export async function tableDigest(pool: pg.Pool, table: string, accountId: string): Promise<string> {
  const result = await pool.query<{ digest: string | null }>(
    `SELECT md5(string_agg(row_text, E'\\n' ORDER BY row_text)) AS digest
       FROM (SELECT (to_jsonb(t) - 'loaded_at' - 'run_id')::text AS row_text FROM ${table} t WHERE account_id = $1) x`,
    [accountId],
  );
  return result.rows[0]?.digest ?? 'empty';
}

export const noFinish = async (): Promise<void> => undefined;
