import { createDatabase } from '../db/client.js';
import { loadReportZip } from '../load/loadReport.js';
import { reports } from '../reports/catalog.js';
import { benchKeywordReport } from './benchReport.js';

/**
 * One real load in a process of its own, so its peak RSS is the load path's alone (the parent's
 * generator would pollute it). Forked by loadBench with: databaseUrl zipPath accountId from to kind [merge|replace].
 */

export interface ChildResult {
  rows: number;
  ms: number;
  /** Resident set size before the load started (imports, pool), KiB. */
  startRssKb: number;
  /** Peak resident set size of the process, KiB. */
  maxRssKb: number;
  /**
   * The load transaction's ids, 32-bit as WAL records carry them, for its own WAL bytes (pg_walinspect):
   * its own id and the next unassigned one at its end (its savepoints' subtransactions lie between).
   */
  xids: [first: string, end: string];
  /** What the load wrote (a re-load: rows touched). */
  written: { inserted: number; updated: number; deleted: number };
}

const [databaseUrl, zipPath, accountId, from, to, kind, reload] = process.argv.slice(2) as [string, string, string, string, string, string, string?];
const report = kind === 'wide' ? reports.keyword_performance : benchKeywordReport;
const database = createDatabase(databaseUrl, { max: 1, applicationName: 'msads-bench' });
try {
  await database.pool.query('SELECT 1');
  const startRssKb = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  let xids: [string, string] = ['0', '0'];
  const { rows, written } = await loadReportZip(
    database.pool,
    { report, aggregation: 'Daily', accountId, from, to, timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon', runId: 1 },
    zipPath,
    { maxUncompressedBytes: Number.MAX_SAFE_INTEGER },
    async (client) => {
      const { rows: ids } = await client.query<{ first: string; end: string }>(
        `SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS first, (pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296)::text AS end`,
      );
      xids = [ids[0]?.first ?? '0', ids[0]?.end ?? '0'];
    },
    { reload: reload === 'replace' ? 'replace' : 'merge' },
  );
  const result: ChildResult = { rows, ms: performance.now() - started, startRssKb, maxRssKb: process.resourceUsage().maxRSS, xids, written };
  process.send?.(result);
} finally {
  await database.close();
}
