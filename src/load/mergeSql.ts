import pg from 'pg';
import { keyColumnsSql, keyHashSql, type TableColumn } from '../db/reportTableSpec.js';
import { castColumnsSql, STAGE_TABLE, windowPredicateSql, type LoadShape } from './loadSql.js';

/**
 * The SQL of a re-load that writes only what changed (mergeLoad.ts). The staged text is cast once into
 * a temp table of the report table's own shape; then, against the window's rows: rows no longer in the
 * file are deleted, and every file row is upserted on the table's unique key, with an update only where
 * a value differs. Identical rows are not written at all: no new tuple version, no dead tuple for
 * autovacuum, no WAL beyond the lookups. Parameters as in loadSql.ts ($1..$6).
 */

export const TYPED_TABLE = 'msads_typed';
const FILE_ORDER = 'msads_file_order';

const ident = (name: string) => pg.escapeIdentifier(name);

function ordinalColumn(shape: LoadShape): TableColumn {
  return shape.columns.find((c) => c.source.kind === 'ordinal') as TableColumn;
}

/**
 * The temp table of the report table's own shape (NOT NULLs and defaults included, so a row without
 * account or period fails here as it would in the table), plus the file order. Session-local, no WAL,
 * dropped at COMMIT or ROLLBACK.
 */
export function createTypedSql(shape: LoadShape): string {
  return `CREATE TEMP TABLE ${TYPED_TABLE} (LIKE ${ident(shape.name)} INCLUDING DEFAULTS, ${FILE_ORDER} tid) ON COMMIT DROP`;
}

/** The run's values, typed once: the statement then uses every parameter whatever the report's columns. */
const RUN = `(SELECT $1::bigint AS account_id, $2::date AS window_start, $3::date AS window_end, $4::text AS time_zone, $5::bigint AS run_id, $6::text AS file_time_zone) AS run`;

/** Every row of the file, cast; row_ordinal stays 1 (numbered only if the file repeats rows). */
export function fillTypedSql(shape: LoadShape): string {
  const { targets, values } = castColumnsSql(shape, {
    accountId: 'run.account_id',
    windowStart: 'run.window_start',
    windowEnd: 'run.window_end',
    timeZone: 'run.time_zone',
    runId: 'run.run_id',
    fileTimeZone: 'run.file_time_zone',
  });
  return `INSERT INTO ${TYPED_TABLE} (${[...targets, FILE_ORDER].join(', ')}) SELECT ${[...values, 's.ctid'].join(', ')} FROM ${STAGE_TABLE} s, ${RUN}`;
}

/** How many typed rows lie outside the account and window (any: the file strays, as insertFromStage checks). */
export function typedOutsideSql(shape: LoadShape): string {
  return `SELECT count(*) FILTER (WHERE (${windowPredicateSql(shape)}) IS FALSE)::int AS outside FROM ${TYPED_TABLE}`;
}

/** Whether the table holds any row of the window: a first load takes the plain insert instead. */
export function windowHasRowsSql(shape: LoadShape): string {
  return `SELECT EXISTS (SELECT 1 FROM ${ident(shape.name)} WHERE ${windowPredicateSql(shape)}) AS has_rows`;
}

/** The window's rows after the merge: must equal the file's (a check, not a guess). */
export function windowCountSql(shape: LoadShape): string {
  return `SELECT count(*)::int AS n FROM ${ident(shape.name)} WHERE ${windowPredicateSql(shape)}`;
}

/** Numbers rows that repeat every attribute (2, 3, … in file order); answers how many it numbered. */
export function numberTypedRepeatsSql(shape: LoadShape): string {
  const ordinal = ident(ordinalColumn(shape).sqlName);
  const groups = [...shape.key.lead, ...shape.key.hashed].filter((c) => c.source.kind !== 'ordinal').map((c) => ident(c.sqlName));
  return [
    `WITH numbered AS (`,
    `  SELECT ctid AS row_at, row_number() OVER (PARTITION BY ${groups.join(', ')} ORDER BY ${FILE_ORDER}) AS n FROM ${TYPED_TABLE})`,
    `UPDATE ${TYPED_TABLE} t SET ${ordinal} = numbered.n FROM numbered WHERE t.ctid = numbered.row_at AND numbered.n > 1`,
  ].join('\n');
}

/**
 * Deletes the window's rows that the file no longer has: an anti-join on the key. The file's side is
 * a subquery exposing only the lead columns and its hash, so the hash written unqualified after it
 * reads the table row's columns (a hashed column is never a lead one).
 */
export function deleteGoneSql(shape: LoadShape): string {
  const lead = shape.key.lead.map((c) => ident(c.sqlName));
  const hash = keyHashSql(shape.key.hashed);
  return [
    `DELETE FROM ${ident(shape.name)} AS t`,
    `WHERE ${windowPredicateSql(shape)}`,
    `  AND NOT EXISTS (SELECT 1 FROM (SELECT ${lead.join(', ')}, ${hash} AS msads_key FROM ${TYPED_TABLE}) AS n`,
    `                   WHERE ${[...lead.map((c) => `n.${c} = t.${c}`), `n.msads_key = ${hash}`].join(' AND ')})`,
  ].join('\n');
}

/**
 * Inserts new rows and updates changed ones. The guard compares every column a load writes apart from
 * the key (metrics, the zone columns, retired columns that a load leaves NULL); run_id and loaded_at
 * follow a real change only, so an identical row keeps the run that last changed it. Answers
 * inserted and updated counts (xmax = 0 marks a fresh insert). A file repeating a key raises 21000
 * ("cannot affect row a second time"): the caller numbers the repeats and tries again.
 */
export function upsertTypedSql(shape: LoadShape): string {
  const { targets } = castColumnsSql(shape);
  const ordinal = ident(ordinalColumn(shape).sqlName);
  const keyNames = new Set([...shape.key.lead, ...shape.key.hashed].map((c) => c.sqlName));
  const compared = shape.columns.filter((c) => !keyNames.has(c.sqlName) && c.source.kind !== 'loadedAt' && !(c.source.kind === 'run' && c.source.value === 'runId'));
  const run = shape.columns.find((c) => c.source.kind === 'run' && c.source.value === 'runId') as TableColumn;
  const sets = [
    ...compared.map((c) => `${ident(c.sqlName)} = EXCLUDED.${ident(c.sqlName)}`),
    ...shape.retired.map((c) => `${ident(c.sqlName)} = NULL`),
    `${ident(run.sqlName)} = EXCLUDED.${ident(run.sqlName)}`,
    `loaded_at = now()`,
  ];
  const before = [...compared.map((c) => `t.${ident(c.sqlName)}`), ...shape.retired.map((c) => `t.${ident(c.sqlName)}`)];
  const after = [...compared.map((c) => `EXCLUDED.${ident(c.sqlName)}`), ...shape.retired.map(() => 'NULL')];
  // A one-column ROW() compares like its value; an empty list cannot differ at all.
  const guard = before.length === 0 ? 'false' : `ROW(${before.join(', ')}) IS DISTINCT FROM ROW(${after.join(', ')})`;
  return [
    `WITH written AS (`,
    `INSERT INTO ${ident(shape.name)} AS t (${[...targets, ordinal].join(', ')})`,
    `SELECT ${[...targets, ordinal].join(', ')} FROM ${TYPED_TABLE}`,
    `ON CONFLICT (${keyColumnsSql(shape)}) DO UPDATE SET ${sets.join(', ')}`,
    `WHERE ${guard}`,
    `RETURNING (t.xmax = 0) AS inserted)`,
    `SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, (count(*) FILTER (WHERE NOT inserted))::int AS updated FROM written`,
  ].join('\n');
}
