import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config.js';
import { createDatabase, type Database } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import type { LoadShape } from '../load/loadSql.js';
import { openReportCsv } from '../load/reportEntry.js';
import { reportTableSpec } from '../db/reportTableSpec.js';
import { reports, tableName } from '../reports/catalog.js';
import { syncCustomTables } from '../db/customTables.js';
import { benchOptions, expectedRows, MICROSOFT_LAYOUT, PLAIN_LAYOUT, rowsPerKeywordDay, writeBenchZip } from './benchFiles.js';
import { benchKeywordReport } from './benchReport.js';
import type { ChildResult } from './loadChild.js';
import { naiveLoad, parseOnly } from './naiveLoad.js';
import { psqlReference } from './psqlReference.js';

/**
 * `npm run bench` (after `npm run build`): times the load path against Postgres' own tools (the bare
 * COPY ceiling and psql's COPY + INSERT … SELECT) and against the naive parse-every-row upsert, times
 * re-loads of the same window (merge vs delete + insert, unchanged and with 3 % changed rows: rows/s,
 * WAL bytes, rows touched), and measures the load path's peak RSS at two file sizes.
 *   --rows N      rows of the large file (default 1,000,000)
 *   --repeat R    runs of (1) and (2), median reported (default 3)
 *   --skip-naive  leave out (3), the slowest part
 *   --wide        the catalog's keyword_performance table (62 columns) instead of the keyword-style report
 * Uses a database of its own (created, then dropped) on DATABASE_URL's server.
 */

const { values: args } = parseArgs({
  options: { rows: { type: 'string' }, repeat: { type: 'string' }, 'skip-naive': { type: 'boolean' }, wide: { type: 'boolean' } },
});
const ROWS = Number(args.rows ?? 1_000_000);
const REPEAT = Number(args.repeat ?? 3);
const SMALL_ROWS = 100_000;
const ACCOUNT = '160000001';
const SMALL_ACCOUNT = '160000002';

const WIDE = Boolean(args.wide);
const report = WIDE ? reports.keyword_performance : benchKeywordReport;
const target = tableName(report, 'Daily');
const shapeOf = (table: string): LoadShape => ({ ...reportTableSpec(report, 'Daily'), name: table });

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const rate = (rows: number, ms: number) => `${Math.round((rows / ms) * 1000).toLocaleString('en-US')} rows/s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

type Reload = 'merge' | 'replace';

function runChild(databaseUrl: string, zipPath: string, accountId: string, from: string, to: string, reload: Reload = 'merge'): Promise<ChildResult> {
  const args = [databaseUrl, zipPath, accountId, from, to, WIDE ? 'wide' : 'keyword-style', reload];
  const child = fork(fileURLToPath(new URL('./loadChild.js', import.meta.url)), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: ChildResult | undefined;
    child.on('message', (m) => (result = m as ChildResult));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`load child exited with ${code}`))));
  });
}

const exited = (child: ReturnType<typeof spawn>, name: string) =>
  new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });

/**
 * The ceiling: `unzip -p | psql` COPYing the plain file into a fresh table of text columns, no index,
 * no cast (created in the same transaction, as the load's staging table is). Answers milliseconds.
 */
async function bareCopy(databaseUrl: string, shape: LoadShape, plainZip: string): Promise<number> {
  const columns = shape.csvColumns.map((c) => `${pg.escapeIdentifier(c.name)} text`).join(', ');
  const started = performance.now();
  const unzip = spawn('unzip', ['-p', plainZip], { stdio: ['ignore', 'pipe', 'inherit'] });
  const psql = spawn(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', databaseUrl, '-c', `CREATE TABLE bench_bare_copy (${columns})`, '-c', 'COPY bench_bare_copy FROM STDIN (FORMAT csv, HEADER)'],
    { stdio: ['pipe', 'inherit', 'inherit'] },
  );
  unzip.stdout.pipe(psql.stdin);
  await Promise.all([exited(unzip, 'unzip'), exited(psql, 'psql')]);
  return performance.now() - started;
}

async function csvSize(zipPath: string): Promise<number> {
  const { stream, uncompressedSize } = await openReportCsv(zipPath, { maxUncompressedBytes: Number.MAX_SAFE_INTEGER });
  stream.destroy();
  return uncompressedSize;
}

async function countRows(database: Database, table: string, accountId: string): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(table)} WHERE account_id = $1`, [accountId]);
  return rows[0]?.n ?? 0;
}

async function main(): Promise<void> {
  const serverUrl = loadConfig().databaseUrl;
  const benchUrl = new URL(serverUrl);
  benchUrl.pathname = `/msads_bench_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'msads-bench-'));
  let database: Database | undefined;
  try {
    const large = benchOptions(report, ROWS, ACCOUNT, 'bench');
    const small = benchOptions(report, SMALL_ROWS, SMALL_ACCOUNT, 'bench-small');
    const rows = expectedRows(large);
    const s = large.shape;
    console.log(`msads-etl load benchmark: ${report.name} Daily (${report.columns.length} columns), ${rows.toLocaleString('en-US')} rows`);
    console.log(`  shape: 7 days × ${s?.campaigns} campaigns × ${s?.adGroupsPerCampaign} ad groups × ${s?.keywordsPerAdGroup} keywords × ${rowsPerKeywordDay(report.columns)} segment combinations`);
    let t = performance.now();
    const fullZip = await writeBenchZip(dir, 'microsoft', large, MICROSOFT_LAYOUT);
    const plainZip = await writeBenchZip(dir, 'plain', large, PLAIN_LAYOUT);
    const smallZip = await writeBenchZip(dir, 'small', small, MICROSOFT_LAYOUT);
    console.log(`  generated 3 zips in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed below)`);
    console.log(
      `  CSV ${mb(await csvSize(fullZip))} uncompressed (target ≈ 285 MB for 1M rows), zip ${mb(statSync(fullZip).size)};` +
        ` plain variant ${mb(await csvSize(plainZip))}; small file ${expectedRows(small).toLocaleString('en-US')} rows`,
    );

    await ensureDatabase(benchUrl.toString());
    database = createDatabase(benchUrl.toString(), { max: 2, applicationName: 'msads-bench' });
    await runMigrations(database.pool);
    // Built-in tables too are made at runtime now (migration 0009): make this one whatever the report.
    await syncCustomTables(database.pool as unknown as pg.ClientBase, [reportTableSpec(report, 'Daily')]);
    for (const table of ['bench_reference', 'bench_naive']) {
      await database.pool.query(`CREATE TABLE ${table} (LIKE ${target} INCLUDING ALL)`);
    }
    const settings = await database.pool.query<{ name: string; value: string }>(
      `SELECT name, current_setting(name) AS value FROM unnest(ARRAY['server_version', 'shared_buffers', 'max_wal_size',
         'synchronous_commit', 'temp_buffers', 'wal_compression']) AS name`,
    );
    console.log(`  Postgres: ${settings.rows.map((r) => `${r.name}=${r.value.replace(/ \(.*\)$/, '')}`).join(', ')}`);
    const checkpoint = () => database?.pool.query('CHECKPOINT').catch(() => undefined);

    console.log('\npeak RSS of the load path (child process per size):');
    const smallRun = await runChild(benchUrl.toString(), smallZip, SMALL_ACCOUNT, small.from, small.to);
    console.log(`  ${smallRun.rows.toLocaleString('en-US')} rows: peak ${Math.round(smallRun.maxRssKb / 1024)} MB (start ${Math.round(smallRun.startRssKb / 1024)} MB), ${rate(smallRun.rows, smallRun.ms)}`);

    const real: ChildResult[] = [];
    const reference: number[] = [];
    const bare: number[] = [];
    console.log(`\n(1) load path vs (2) psql reference vs (C) bare COPY, ${REPEAT} runs each, alternating, empty indexed tables, CHECKPOINT before each:`);
    for (let i = 1; i <= REPEAT; i++) {
      await database.pool.query(`TRUNCATE ${target}, bench_reference`);
      await database.pool.query('DROP TABLE IF EXISTS bench_bare_copy');
      await checkpoint();
      const run = await runChild(benchUrl.toString(), fullZip, ACCOUNT, large.from, large.to);
      real.push(run);
      console.log(`  (1) run ${i}: ${(run.ms / 1000).toFixed(2)} s, ${rate(run.rows, run.ms)}, peak RSS ${Math.round(run.maxRssKb / 1024)} MB`);
      await checkpoint();
      t = performance.now();
      await psqlReference(benchUrl.toString(), shapeOf('bench_reference'), plainZip, large);
      const ms = performance.now() - t;
      reference.push(ms);
      console.log(`  (2) run ${i}: ${(ms / 1000).toFixed(2)} s, ${rate(rows, ms)}`);
      await checkpoint();
      const copyMs = await bareCopy(benchUrl.toString(), shapeOf('bench_bare_copy'), plainZip);
      bare.push(copyMs);
      console.log(`  (C) run ${i}: ${(copyMs / 1000).toFixed(2)} s, ${rate(rows, copyMs)}`);
    }
    await database.pool.query('DROP TABLE IF EXISTS bench_bare_copy');
    const loaded = [await countRows(database, target, ACCOUNT), await countRows(database, 'bench_reference', ACCOUNT)];
    if (loaded.some((n) => n !== rows)) console.log(`  ROW COUNT MISMATCH: expected ${rows}, tables hold ${loaded.join(' and ')}`);

    // Re-loads of the loaded window with the same file. "3 % changed": the table's rows are made to
    // differ from the file in one metric for 3 % of them (chosen at random), so the re-load
    // must write those back; the file itself is the same. Dead tuples vacuumed and a CHECKPOINT before
    // each, so every run starts alike; WAL is pg_current_wal_lsn() before and after the child's load.
    const pool = database.pool;
    const metric = reportTableSpec(report, 'Daily').columns.find((c) => c.role === 'metric' && c.sqlType === 'bigint');
    if (!metric) throw new Error(`report ${report.name} has no bigint metric to change`);
    const change = async (percent: number) => {
      if (percent === 0) return 0;
      const m = pg.escapeIdentifier(metric.sqlName);
      const { rowCount } = await pool.query(
        `UPDATE ${target} t SET ${m} = coalesce(${m}, 0) + 1 WHERE account_id = $1 AND random() < $2`,
        [ACCOUNT, percent / 100],
      );
      return rowCount ?? 0;
    };
    const walLsn = async () => (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn as string;
    const walSince = async (lsn: string) =>
      Number((await pool.query<{ bytes: string }>('SELECT pg_current_wal_lsn() - $1::pg_lsn AS bytes', [lsn])).rows[0]?.bytes);
    // The LSN difference counts every database's WAL on the server (another process's too); the load's
    // own records (its transaction and subtransaction ids, blocks of this database or none, full-page
    // images included) are read back with pg_walinspect where it is installed, unless a checkpoint
    // recycled them first (then n/a).
    const walinspect = await pool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect').then(() => true, () => false);
    const ownWal = async (lsn: string, [first, end]: [string, string]): Promise<number | undefined> => {
      if (!walinspect) return undefined;
      return pool
        .query<{ bytes: string }>(
          `SELECT coalesce(sum(record_length), 0)::bigint AS bytes FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_lsn())
           WHERE xid::text::bigint >= $2::bigint AND xid::text::bigint < $3::bigint
             AND (block_ref IS NULL OR block_ref LIKE '%/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%')`,
          [lsn, first, end],
        )
        .then((r) => Number(r.rows[0]?.bytes), () => undefined);
    };
    const ownMb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : mb(bytes));
    interface ReloadRun { ms: number; rows: number; wal: number; own: number | undefined; touched: number; changed: number }
    const reloads = new Map<string, ReloadRun>();
    console.log(`\n(R) re-load of the same ${rows.toLocaleString('en-US')}-row window: merge vs delete + insert, VACUUM and CHECKPOINT before each:`);
    for (const percent of [0, 3]) {
      for (const mode of ['merge', 'replace'] as const) {
        const changed = await change(percent);
        await database.pool.query(`VACUUM (ANALYZE) ${target}`);
        await checkpoint();
        const lsn = await walLsn();
        const run = await runChild(benchUrl.toString(), fullZip, ACCOUNT, large.from, large.to, mode);
        const wal = await walSince(lsn);
        const own = await ownWal(lsn, run.xids);
        const touched = run.written.inserted + run.written.updated + run.written.deleted;
        reloads.set(`${mode} ${percent}`, { ms: run.ms, rows: run.rows, wal, own, touched, changed });
        console.log(
          `  ${percent} % changed (${changed.toLocaleString('en-US')} rows), ${mode === 'merge' ? 'merge          ' : 'delete + insert'}: ` +
            `${(run.ms / 1000).toFixed(2)} s, ${rate(run.rows, run.ms)}, WAL ${mb(wal)} (the load's own ${ownMb(own)}), touched ${touched.toLocaleString('en-US')} ` +
            `(${run.written.inserted.toLocaleString('en-US')} inserted, ${run.written.updated.toLocaleString('en-US')} updated, ` +
            `${run.written.deleted.toLocaleString('en-US')} deleted), peak RSS ${Math.round(run.maxRssKb / 1024)} MB`,
        );
      }
    }

    t = performance.now();
    const parsed = await parseOnly(plainZip);
    console.log(`\n(0) csv-parse alone (columns: true, no database, unzip included): ${rate(parsed, performance.now() - t)}`);

    let naiveMs: number | undefined;
    if (!args['skip-naive']) {
      await checkpoint();
      t = performance.now();
      const naiveRows = await naiveLoad(database.pool, report, 'bench_naive', plainZip, { timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon', runId: 1 });
      naiveMs = performance.now() - t;
      console.log(`(3) naive: csv-parse columns:true + 1,000-row INSERT … ON CONFLICT DO UPDATE: ${(naiveMs / 1000).toFixed(2)} s, ${rate(naiveRows, naiveMs)}`);
    }

    const realMs = median(real.map((r) => r.ms));
    const refMs = median(reference);
    const bareMs = median(bare);
    const peak = Math.max(...real.map((r) => r.maxRssKb));
    console.log('\nsummary (medians):');
    console.log(`  (1) load path       ${rate(rows, realMs)}`);
    console.log(`  (2) psql reference  ${rate(rows, refMs)}`);
    if (naiveMs !== undefined) console.log(`  (3) naive           ${rate(rows, naiveMs)}`);
    console.log(`  (C) bare COPY       ${rate(rows, bareMs)}`);
    console.log(`  (1)/(2) = ${(refMs / realMs).toFixed(2)}  (target ≥ 0.8)`);
    console.log(`  (1)/(C) = ${(bareMs / realMs).toFixed(2)}  (goal ≥ 0.35)`);
    for (const percent of [0, 3]) {
      const merge = reloads.get(`merge ${percent}`) as ReloadRun;
      const replace = reloads.get(`replace ${percent}`) as ReloadRun;
      console.log(
        `  (R) ${percent} % changed: merge ${rate(merge.rows, merge.ms)} vs delete + insert ${rate(replace.rows, replace.ms)} = ` +
          `${(replace.ms / merge.ms).toFixed(2)}× (goal ≥ 2); WAL ${mb(merge.wal)} vs ${mb(replace.wal)} = ` +
          `${((merge.wal / replace.wal) * 100).toFixed(1)} %${percent === 3 ? ' (goal ≤ 20 %)' : ''}` +
          (merge.own !== undefined && replace.own !== undefined
            ? ` (the loads' own: ${mb(merge.own)} vs ${mb(replace.own)} = ${((merge.own / replace.own) * 100).toFixed(1)} %)`
            : '') +
          `; touched ${merge.touched.toLocaleString('en-US')} vs ${replace.touched.toLocaleString('en-US')}`,
      );
    }
    if (naiveMs !== undefined) console.log(`  (1)/(3) = ${(naiveMs / realMs).toFixed(1)}  (target ≥ 5)`);
    console.log(
      `  peak RSS: ${Math.round(smallRun.maxRssKb / 1024)} MB at ${smallRun.rows.toLocaleString('en-US')} rows, ` +
        `${Math.round(peak / 1024)} MB at ${rows.toLocaleString('en-US')} rows ` +
        `(+${(((peak - smallRun.maxRssKb) / smallRun.maxRssKb) * 100).toFixed(0)}%; targets < 200 MB, within 30%)`,
    );
  } finally {
    await database?.close();
    const adminUrl = new URL(serverUrl);
    adminUrl.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(benchUrl.pathname.slice(1))} WITH (FORCE)`).finally(() => admin.end());
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
