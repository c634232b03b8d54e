import type pg from 'pg';
import { parse } from 'csv-parse';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { ReportFileError } from '../errors.js';
import { openReportCsv } from '../load/reportEntry.js';
import { entityCatalog, tableOfLabelledType, AD_TYPES, type EntityName } from './catalog.js';
import { BulkToCopy, type BulkFileFacts } from './bulkToCopy.js';
import {
  bind,
  cascadeLabelsSql,
  cascadeSql,
  closeHistorySql,
  copyStageSql,
  createStageSql,
  deleteListedSql,
  deleteMissingSql,
  openHistorySql,
  STAGE,
  upsertSql,
  type ApplyContext,
} from './applySql.js';

/**
 * Loads one Bulk download file of one account into the entity tables, in one transaction with the
 * caller's ledger write (`finish`), so a crash or a bad file leaves the previous state as it was:
 * 1. one pass over the file: csv-parse → BulkToCopy → COPY into a temp staging table (every record
 *    type in one table, typed values checked on the way);
 * 2. per table: upsert the file's live records (identical rows are not written), mark its Deleted
 *    records, and for a full file mark what it no longer lists;
 * 3. cascade deletions to the children of deleted campaigns, ad groups and labels (Microsoft sends
 *    only the parent's record), and to the label associations of deleted entities;
 * 4. history: close the open version of every row this run changed or deleted, open one for every
 *    live row it changed. A re-load of the same file changes nothing.
 */

export interface EntityLoadTarget {
  accountId: string;
  runId: number;
  /** full: entities the file does not list are deleted; delta: only what it lists changes. */
  mode: 'full' | 'delta';
  /** The tables the download asked for (a full file only speaks for those). */
  tables: readonly EntityName[];
}

export interface EntityTableCounts {
  /** The table's records in the file. */
  inFile: number;
  /** Rows inserted or updated (identical rows are not counted: they are not written). */
  changed: number;
  /** Rows marked deleted: listed as Deleted, cascaded from a parent, or missing from a full file. */
  deleted: number;
}

export interface EntityLoadOutcome {
  syncTime: Date;
  records: number;
  tables: Partial<Record<EntityName, EntityTableCounts>>;
  unknownTypes: Record<string, number>;
  unknownColumns: string[];
  warnings: string[];
}

export type EntityFinish = (client: pg.PoolClient, outcome: EntityLoadOutcome) => Promise<void>;

export async function loadBulkZip(
  pool: pg.Pool,
  target: EntityLoadTarget,
  zipPath: string,
  limits: { maxUncompressedBytes: number },
  finish: EntityFinish,
): Promise<EntityLoadOutcome> {
  const { stream } = await openReportCsv(zipPath, limits);
  return loadBulkCsv(pool, target, stream, finish);
}

export async function loadBulkCsv(pool: pg.Pool, target: EntityLoadTarget, csv: Readable, finish: EntityFinish): Promise<EntityLoadOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      // One entity load per account at a time (two would fight over the same rows and history).
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['msads-entities', target.accountId]);
      await client.query(createStageSql());
      const facts = await stage(client, csv);
      const outcome = await apply(client, target, facts);
      await finish(client, outcome);
      await client.query('COMMIT');
      return outcome;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    client.release();
  }
}

async function stage(client: pg.PoolClient, csv: Readable): Promise<BulkFileFacts> {
  const toCopy = new BulkToCopy();
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  try {
    await pipeline(csv, parser, toCopy, client.query(copyFrom(copyStageSql())));
  } catch (err) {
    if (err instanceof ReportFileError) throw err;
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw new ReportFileError('bad_csv', `the bulk file is malformed: ${(err as Error).message}`, err);
    }
    throw err;
  }
  const facts = toCopy.facts;
  if (facts.formatVersion === undefined) throw new ReportFileError('columns_mismatch', 'the bulk file has no Format Version record: not a Bulk download file');
  if (facts.syncTime === undefined) throw new ReportFileError('columns_mismatch', 'the bulk file has no Account record with a Sync Time: the next delta would have no start');
  await client.query(`ANALYZE ${STAGE}`);
  return facts;
}

async function hasUntouchedRows(client: pg.PoolClient, table: string, ctx: ApplyContext): Promise<boolean> {
  const { rows } = await client.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${table} WHERE account_id = $1 AND NOT is_deleted AND run_id IS DISTINCT FROM $2) AS any`,
    [ctx.accountId, ctx.runId],
  );
  return rows[0]?.any === true;
}

async function apply(client: pg.PoolClient, target: EntityLoadTarget, facts: BulkFileFacts): Promise<EntityLoadOutcome> {
  if (facts.accountId !== undefined && facts.accountId !== target.accountId) {
    throw new ReportFileError('columns_mismatch', `the bulk file is for account ${facts.accountId}, not ${target.accountId}`);
  }
  const ctx: ApplyContext = { accountId: target.accountId, runId: target.runId, syncTime: facts.syncTime as string };
  const run = async (sql: string, types: readonly string[] = []) => (await client.query(bind(sql, ctx, types))).rowCount ?? 0;
  const tables: Partial<Record<EntityName, EntityTableCounts>> = {};
  const counted = await client.query<{ record_type: string; n: string }>(`SELECT record_type, count(*) AS n FROM ${STAGE} GROUP BY 1`);
  const byType = new Map(counted.rows.map((r) => [r.record_type, Number(r.n)]));
  const wanted = new Set(target.tables);

  // Parents before children: keywords and ads take their campaign from the ad group table.
  for (const spec of entityCatalog) {
    const inFile = spec.recordTypes.reduce((n, t) => n + (byType.get(t) ?? 0), 0);
    if (inFile === 0 && !(target.mode === 'full' && wanted.has(spec.name))) continue;
    const types = spec.recordTypes;
    const counts: EntityTableCounts = { inFile, changed: 0, deleted: 0 };
    counts.changed = await run(upsertSql(spec), types);
    counts.deleted = await run(deleteListedSql(spec), types);
    // Only rows this run left alone can be missing from the file; a first load has none (the scan of a
    // million keys against the file cost 2.6 s for nothing).
    if (target.mode === 'full' && wanted.has(spec.name) && (await hasUntouchedRows(client, spec.name, ctx))) {
      counts.deleted += await run(deleteMissingSql(spec), types);
    }
    tables[spec.name] = counts;
  }
  // Cascade in catalog order, so a deleted campaign reaches its ad groups, then their keywords and ads.
  for (const spec of entityCatalog) {
    for (const parent of spec.parents) {
      const n = await run(cascadeSql(spec, parent));
      if (n > 0) (tables[spec.name] ??= { inFile: 0, changed: 0, deleted: 0 }).deleted += n;
    }
  }
  for (const [table, types] of [
    ['campaigns', ['Campaign']],
    ['ad_groups', ['Ad Group']],
    ['keywords', ['Keyword']],
    ['ads', [...AD_TYPES]],
  ] as const) {
    if (tableOfLabelledType(types[0]) !== table) throw new Error(`labelled type map disagrees for ${table}`);
    const n = await run(cascadeLabelsSql(table), types);
    if (n > 0) (tables.label_associations ??= { inFile: 0, changed: 0, deleted: 0 }).deleted += n;
  }
  for (const spec of entityCatalog) {
    await run(closeHistorySql(spec));
    await run(openHistorySql(spec));
  }
  const warnings: string[] = [];
  if (facts.unknownColumns.length > 0) warnings.push(`columns no table reads, ignored: ${facts.unknownColumns.slice(0, 20).join(', ')}${facts.unknownColumns.length > 20 ? ' …' : ''}`);
  const unknown = Object.entries(facts.unknownTypes);
  if (unknown.length > 0) warnings.push(`record types no table takes, skipped: ${unknown.map(([t, n]) => `${t} (${n})`).join(', ')}`);
  return {
    syncTime: new Date(facts.syncTime as string),
    records: facts.staged,
    tables,
    unknownTypes: facts.unknownTypes,
    unknownColumns: facts.unknownColumns,
    warnings,
  };
}

