import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config.js';
import { syncCustomTables } from '../db/customTables.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { reportTableSpec } from '../db/reportTableSpec.js';
import { writeBulkZip } from '../simulator/bulkFile.js';
import { BULK_RECORD_TYPES, BulkWorld } from '../simulator/bulkWorld.js';
import { benchOptions, expectedRows, MICROSOFT_LAYOUT, writeBenchZip } from './benchFiles.js';
import { benchKeywordReport } from './benchReport.js';

/**
 * `npm run bench` (part two): the entity load path on a Bulk file of about 1,000,000 records (keywords
 * mostly, from the simulator's world) against one of about 100,000, each loaded in a child process of its
 * own for its peak RSS; and the report load path on a report file of the same number of rows in the same
 * run, for the rows/s ratio. Prints figures; asserts nothing. Options: --records N (1,000,000).
 */

const { values: args } = parseArgs({ options: { records: { type: 'string' } }, strict: false });
const RECORDS = Number(typeof args.records === 'string' ? args.records : 1_000_000);

interface BulkChildResult {
  records: number;
  ms: number;
  startRssKb: number;
  maxRssKb: number;
}

function child<T>(script: string, argv: string[]): Promise<T> {
  const p = fork(fileURLToPath(new URL(script, import.meta.url)), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    p.on('message', (m) => (result = m as T));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${script} exited with ${code}`))));
  });
}

/** A world of about `records` records: 10 campaigns × 100 ad groups × k keywords (+ ads, labels, …). */
async function bulkFile(dir: string, name: string, accountId: string, records: number): Promise<string> {
  const keywordsPerAdGroup = Math.max(1, Math.round(records / 1_000));
  const world = new BulkWorld(accountId, { campaigns: 10, adGroupsPerCampaign: 100, keywordsPerAdGroup }, Date.UTC(2026, 10, 1));
  const path = join(dir, `${name}.zip`);
  await writeBulkZip(path, 'bulk.csv', { world, customerId: '9', types: new Set(BULK_RECORD_TYPES), since: null, syncTime: Date.UTC(2026, 11, 1), extraColumn: false, unknownRecordType: false }, false);
  return path;
}

const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} rows/s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

async function main(): Promise<void> {
  const url = new URL(loadConfig().databaseUrl);
  url.pathname = `/msads_bench_bulk_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'msads-bench-bulk-'));
  const admin = new pg.Client({ connectionString: loadConfig().databaseUrl });
  try {
    console.log(`\nmsads-etl entity load benchmark: Bulk files of ~${RECORDS.toLocaleString('en-US')} and ~${(RECORDS / 10).toLocaleString('en-US')} records (keywords mostly)`);
    let t = performance.now();
    const large = await bulkFile(dir, 'large', '7001', RECORDS);
    const small = await bulkFile(dir, 'small', '7002', RECORDS / 10);
    const reportOptions = benchOptions(benchKeywordReport, RECORDS, '7003', 'bulk-bench');
    const reportZip = await writeBenchZip(dir, 'report', reportOptions, MICROSOFT_LAYOUT);
    console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed): bulk zip ${Math.round(statSync(large).size / 1e6)} MB, report zip ${Math.round(statSync(reportZip).size / 1e6)} MB (${expectedRows(reportOptions).toLocaleString('en-US')} rows)`);
    await ensureDatabase(url.toString());
    const database = createDatabase(url.toString(), { max: 2 });
    await runMigrations(database.pool);
    await syncCustomTables(database.pool as unknown as pg.ClientBase, [reportTableSpec(benchKeywordReport, 'Daily')]);
    await database.close();
    t = performance.now();
    const smallRun = await child<BulkChildResult>('./bulkChild.js', [url.toString(), small, '7002', '1']);
    const largeRun = await child<BulkChildResult>('./bulkChild.js', [url.toString(), large, '7001', '2']);
    const reportRun = await child<{ rows: number; ms: number; maxRssKb: number }>('./loadChild.js', [url.toString(), reportZip, '7003', reportOptions.from, reportOptions.to, 'keyword-style', 'replace']);
    console.log(`  entity load, ${smallRun.records.toLocaleString('en-US')} records: ${(smallRun.ms / 1000).toFixed(2)} s, ${rate(smallRun.records, smallRun.ms)}, peak RSS ${mb(smallRun.maxRssKb)}`);
    console.log(`  entity load, ${largeRun.records.toLocaleString('en-US')} records: ${(largeRun.ms / 1000).toFixed(2)} s, ${rate(largeRun.records, largeRun.ms)}, peak RSS ${mb(largeRun.maxRssKb)}`);
    console.log(`  report load path, same run, ${reportRun.rows.toLocaleString('en-US')} rows: ${(reportRun.ms / 1000).toFixed(2)} s, ${rate(reportRun.rows, reportRun.ms)}, peak RSS ${mb(reportRun.maxRssKb)}`);
    const ratio = largeRun.records / largeRun.ms / (reportRun.rows / reportRun.ms);
    console.log(`  entity / report rows/s: ${ratio.toFixed(2)}× (goal ≥ 0.8×); peak RSS large / small: ${(largeRun.maxRssKb / smallRun.maxRssKb).toFixed(2)} (goal ≤ 1.30)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(url.pathname.slice(1))} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

await main();
