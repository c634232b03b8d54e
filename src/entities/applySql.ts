import pg from 'pg';
import type { EntityColumn, EntitySpec } from './catalog.js';
import { STAGED } from './bulkToCopy.js';
import { historyTable } from './entityTables.js';

/**
 * The SQL of an entity run's apply step (loadEntities.ts), derived from the catalog. The run's values
 * (account id, run id, the file's Sync Time, the record types of the table) are written into each
 * statement as escaped literals by `bind` (they are ours: numbers, an ISO time, catalog names), so each
 * statement uses what it needs: A account id, R run id, S sync time, T record types.
 * Changed rows get run_id = R, which is how the cascade and the history find what this run changed.
 */

export interface ApplyContext {
  accountId: string;
  runId: number;
  /** ISO, UTC. */
  syncTime: string;
}

/** Replaces $1 (account), $2 (run), $3 (sync time), $4 (record types) with literals. */
export function bind(sql: string, ctx: ApplyContext, types: readonly string[] = []): string {
  if (!/^\d+$/.test(ctx.accountId)) throw new Error(`bad account id ${ctx.accountId}`);
  const literal = (v: string) => pg.escapeLiteral(v);
  const values: Record<string, string> = {
    '1': `${ctx.accountId}`,
    '2': `${Math.trunc(ctx.runId)}`,
    '3': literal(ctx.syncTime),
    '4': `ARRAY[${types.map(literal).join(', ')}]::text[]`,
  };
  return sql.replace(/\$([1-4])(?![0-9])/g, (_, n: string) => values[n] as string);
}

export const STAGE = 'msads_bulk_stage';
const ident = (name: string) => pg.escapeIdentifier(name);
const stagedColumn = (header: string) => `s${STAGED.indexOf(header)}`;

export function createStageSql(): string {
  return `CREATE TEMP TABLE ${STAGE} (ord bigint, record_type text, ${STAGED.map((h) => `${stagedColumn(h)} text`).join(', ')}) ON COMMIT DROP`;
}

export function copyStageSql(): string {
  return `COPY ${STAGE} (ord, record_type, ${STAGED.map(stagedColumn).join(', ')}) FROM STDIN`;
}

function valueSql(c: EntityColumn): string {
  if (typeof c.header === 'string') {
    const col = `s.${stagedColumn(c.header)}`;
    return c.type === 'text' ? col : `${col}::${c.type}`;
  }
  switch (c.header.derived) {
    case 'recordType':
      return 's.record_type';
    case 'labelledType':
      return `regexp_replace(s.record_type, ' Label$', '')`;
    case 'parentCampaign':
      return 'g.campaign_id';
    default:
      throw new Error(`unknown derived column ${JSON.stringify(c.header)}`);
  }
}

const needsAdGroup = (spec: EntitySpec) => spec.columns.some((c) => typeof c.header !== 'string' && c.header.derived === 'parentCampaign');

/** The table's rows of the file, typed, one per key (the last record wins), with their status. */
function typedRowsSql(spec: EntitySpec, deleted: boolean): string {
  const cols = spec.columns.map((c) => `${valueSql(c)} AS ${ident(c.name)}`);
  const join = needsAdGroup(spec) ? `LEFT JOIN ad_groups g ON g.account_id = $1 AND g.id = s.${stagedColumn('Parent Id')}::bigint` : '';
  const status = `s.${stagedColumn('Status')}`;
  const key = spec.key.map(ident).join(', ');
  return `SELECT DISTINCT ON (${key}) * FROM (
    SELECT ${cols.join(', ')}, s.ord FROM ${STAGE} s ${join}
     WHERE s.record_type = ANY($4::text[]) AND ${status} ${deleted ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM'} 'Deleted') x
   ORDER BY ${key}, x.ord DESC`;
}

const names = (spec: EntitySpec) => spec.columns.map((c) => ident(c.name));
const keyMatch = (spec: EntitySpec, a: string, b: string) => spec.key.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`).join(' AND ');

/** Inserts new entities, updates changed ones (an identical row is not written), undeletes returning ones. */
export function upsertSql(spec: EntitySpec): string {
  const cols = names(spec);
  const t = ident(spec.name);
  const nonKey = spec.columns.filter((c) => !spec.key.includes(c.name)).map((c) => ident(c.name));
  return `INSERT INTO ${t} AS t (account_id, ${cols.join(', ')}, is_deleted, deleted_at, loaded_at, run_id)
    SELECT $1::bigint, ${cols.map((c) => `x.${c}`).join(', ')}, false, NULL, now(), $2::bigint FROM (${typedRowsSql(spec, false)}) x
    ON CONFLICT (account_id, ${spec.key.map(ident).join(', ')}) DO UPDATE SET
      ${[...nonKey.map((c) => `${c} = EXCLUDED.${c}`), 'is_deleted = false', 'deleted_at = NULL', 'loaded_at = now()', 'run_id = EXCLUDED.run_id'].join(', ')}
    WHERE (${[...nonKey.map((c) => `t.${c}`), 't.is_deleted'].join(', ')}) IS DISTINCT FROM (${[...nonKey.map((c) => `EXCLUDED.${c}`), 'false'].join(', ')})`;
}

const markDeleted = `status = 'Deleted', is_deleted = true, deleted_at = $3::timestamptz, loaded_at = now(), run_id = $2::bigint`;

/** The file's Deleted records: the row stays, marked (only ids and status are reliable in such a record). */
export function deleteListedSql(spec: EntitySpec): string {
  const t = ident(spec.name);
  return `UPDATE ${t} AS t SET ${markDeleted}
    FROM (${typedRowsSql(spec, true)}) d
   WHERE t.account_id = $1::bigint AND ${keyMatch(spec, 't', 'd')} AND NOT t.is_deleted`;
}

/** A full file lists every existing entity: what it no longer lists is gone. */
export function deleteMissingSql(spec: EntitySpec): string {
  const t = ident(spec.name);
  // Materialized once: inlined, the DISTINCT ON subquery ran once per table row (minutes at 25 k rows).
  return `WITH f AS MATERIALIZED (${typedRowsSql(spec, false)})
  UPDATE ${t} AS t SET ${markDeleted}
   WHERE t.account_id = $1::bigint AND NOT t.is_deleted
     AND NOT EXISTS (SELECT 1 FROM f WHERE ${keyMatch(spec, 'f', 't')})`;
}

/** Children of parents this run deleted are deleted with them: Microsoft sends only the deleted campaign's or ad group's own record. */
export function cascadeSql(spec: EntitySpec, parent: { table: string; column: string }): string {
  return `UPDATE ${ident(spec.name)} AS c SET ${markDeleted}
   WHERE c.account_id = $1::bigint AND NOT c.is_deleted
     AND c.${ident(parent.column)} IN (SELECT p.id FROM ${ident(parent.table)} p WHERE p.account_id = $1::bigint AND p.is_deleted AND p.run_id = $2::bigint)`;
}

/** Label associations of entities this run deleted. $4: the labelled types of `table`. */
export function cascadeLabelsSql(table: string): string {
  return `UPDATE label_associations AS c SET ${markDeleted}
   WHERE c.account_id = $1::bigint AND NOT c.is_deleted AND c.entity_type = ANY($4::text[])
     AND c.entity_id IN (SELECT p.id FROM ${ident(table)} p WHERE p.account_id = $1::bigint AND p.is_deleted AND p.run_id = $2::bigint)`;
}

/** Closes the open version of every row this run changed or deleted. */
export function closeHistorySql(spec: EntitySpec): string {
  const cols = names(spec);
  const h = ident(historyTable(spec));
  return `UPDATE ${h} AS h SET valid_to = $3::timestamptz
    FROM ${ident(spec.name)} c
   WHERE h.account_id = $1::bigint AND h.valid_to IS NULL
     AND c.account_id = $1::bigint AND ${keyMatch(spec, 'c', 'h')} AND c.run_id = $2::bigint
     AND (c.is_deleted OR (${cols.map((c) => `c.${c}`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `h.${c}`).join(', ')}))`;
}

/**
 * Opens a version for every live row this run changed that has no open version. The open keys are
 * read first into a materialized CTE: anti-joined in place, the planner (the history table's stats
 * say empty on a first load) scanned the growing history once per row, minutes at 25 k keywords.
 */
export function openHistorySql(spec: EntitySpec): string {
  const cols = names(spec);
  const h = ident(historyTable(spec));
  const key = spec.key.map(ident);
  return `WITH changed AS MATERIALIZED (
      SELECT c.* FROM ${ident(spec.name)} c WHERE c.account_id = $1::bigint AND c.run_id = $2::bigint AND NOT c.is_deleted),
    open AS MATERIALIZED (
      SELECT ${key.map((k) => `o.${k}`).join(', ')} FROM ${h} o JOIN changed c ON ${keyMatch(spec, 'o', 'c')}
       WHERE o.account_id = $1::bigint AND o.valid_to IS NULL)
    INSERT INTO ${h} (account_id, ${cols.join(', ')}, is_deleted, deleted_at, run_id, valid_from, valid_to)
    SELECT c.account_id, ${cols.map((c) => `c.${c}`).join(', ')}, false, NULL, c.run_id, $3::timestamptz, NULL
      FROM changed c
     WHERE NOT EXISTS (SELECT 1 FROM open o WHERE ${keyMatch(spec, 'o', 'c')})`;
}
