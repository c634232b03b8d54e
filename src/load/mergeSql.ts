import pg from 'pg';
import { keyHashSql, type TableColumn } from '../db/reportTableSpec.js';
import { castColumnsSql, STAGE_TABLE, windowPredicateSql, type LoadShape } from './loadSql.js';

/**
 * The SQL of a re-load that writes only what changed (mergeLoad.ts). The staged text is cast once into
 * a temp table of the report table's own shape, each row with its key hash (the md5 the unique index
 * holds). Each file row then finds its table row through that index (one probe, the hash computed
 * once per file row, never for the table's rows), which gives the pairs file row ↔ table row and
 * whether any value differs. From those pairs: changed rows are updated, unmatched file rows
 * inserted, unmatched table rows of the window deleted. Identical rows are not written at all: no new
 * tuple version, no dead tuple for autovacuum, no WAL. Parameters as in loadSql.ts ($1..$6).
 */

export const TYPED_TABLE = 'msads_typed';
export const MATCHED_TABLE = 'msads_matched';
const FILE_ORDER = 'msads_file_order';
const KEY = 'msads_key';

const ident = (name: string) => pg.escapeIdentifier(name);

function ordinalColumn(shape: LoadShape): TableColumn {
  return shape.columns.find((c) => c.source.kind === 'ordinal') as TableColumn;
}

/** The key hash over the columns of `alias` (keyHashSql writes bare quoted column names). */
function keyHashOf(shape: LoadShape, alias: string): string {
  return keyHashSql(shape.key.hashed).replace(/"((?:[^"]|"")+)"/g, (_, name: string) => `${ident(alias)}."${name}"`);
}

/**
 * The temp table of the report table's own shape (NOT NULLs and defaults included, so a row without
 * account or period fails here as it would in the table), plus file order and key hash.
 * Session-local, no WAL, dropped at COMMIT or ROLLBACK.
 */
export function createTypedSql(shape: LoadShape): string {
  return `CREATE TEMP TABLE ${TYPED_TABLE} (LIKE ${ident(shape.name)} INCLUDING DEFAULTS, ${FILE_ORDER} tid, ${KEY} uuid) ON COMMIT DROP`;
}

/** The run's values, typed once: the statement then uses every parameter whatever the report's columns. */
const RUN = `(SELECT $1::bigint AS account_id, $2::date AS window_start, $3::date AS window_end, $4::text AS time_zone, $5::bigint AS run_id, $6::text AS file_time_zone) AS run`;

/** Every row of the file, cast and keyed; row_ordinal 1 (numbered only if the file repeats rows). */
export function fillTypedSql(shape: LoadShape): string {
  const { targets, values } = castColumnsSql(shape, {
    accountId: 'run.account_id',
    windowStart: 'run.window_start',
    windowEnd: 'run.window_end',
    timeZone: 'run.time_zone',
    runId: 'run.run_id',
    fileTimeZone: 'run.file_time_zone',
  });
  const ordinal = ident(ordinalColumn(shape).sqlName);
  const columns = [...targets, ordinal, FILE_ORDER];
  return [
    `INSERT INTO ${TYPED_TABLE} (${[...columns, KEY].join(', ')})`,
    `SELECT ${columns.map((c) => `x.${c}`).join(', ')}, ${keyHashOf(shape, 'x')}`,
    `FROM (SELECT ${[...values, '1::smallint', 's.ctid'].join(', ')} FROM ${STAGE_TABLE} s, ${RUN} OFFSET 0) AS x (${columns.join(', ')})`,
  ].join('\n');
}

/** How many typed rows lie outside the account and window (any: the file strays, as insertFromStage checks). */
export function typedOutsideSql(shape: LoadShape): string {
  return `SELECT count(*) FILTER (WHERE (${windowPredicateSql(shape)}) IS FALSE)::int AS outside FROM ${TYPED_TABLE}`;
}

/** Whether the table holds any row of the window: a first load takes the plain insert instead. */
export function windowHasRowsSql(shape: LoadShape): string {
  return `SELECT EXISTS (SELECT 1 FROM ${ident(shape.name)} WHERE ${windowPredicateSql(shape)}) AS has_rows`;
}

/**
 * Whether the table keeps columns the report no longer has ($1 the table's quoted name, $2 the spec's
 * column names). customTables.ts keeps such a column in the key, which the merge's join (over the spec's
 * key) does not cover: a file row would match every old row differing only there. Such a table is
 * re-loaded by delete + insert.
 */
export function tableHasLeftoversSql(): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attname <> ALL($2::text[])) AS leftovers`;
}

/** The window's rows after the merge: must equal the file's (a check, not a guess). */
export function windowCountSql(shape: LoadShape): string {
  return `SELECT count(*)::int AS n FROM ${ident(shape.name)} WHERE ${windowPredicateSql(shape)}`;
}

const leadOf = (shape: LoadShape) => shape.key.lead.map((c) => ident(c.sqlName));

/** Statistics of the typed rows' key columns only (all the repeats check and the joins read of them). */
export function analyzeTypedSql(shape: LoadShape): string {
  return `ANALYZE ${TYPED_TABLE} (${[...leadOf(shape), KEY].join(', ')})`;
}

/** Whether the file repeats a key (a hash aggregate over the stored hashes: cheap). */
export function typedHasRepeatsSql(shape: LoadShape): string {
  return `SELECT EXISTS (SELECT 1 FROM ${TYPED_TABLE} GROUP BY ${[...leadOf(shape), KEY].join(', ')} HAVING count(*) > 1) AS repeats`;
}

/** Numbers rows that repeat every attribute (2, 3, … in file order); answers how many it numbered. */
export function numberTypedRepeatsSql(shape: LoadShape): string {
  const ordinal = ident(ordinalColumn(shape).sqlName);
  return [
    `WITH numbered AS (`,
    `  SELECT ctid AS row_at, row_number() OVER (PARTITION BY ${[...leadOf(shape), KEY].join(', ')} ORDER BY ${FILE_ORDER}) AS n FROM ${TYPED_TABLE})`,
    `UPDATE ${TYPED_TABLE} t SET ${ordinal} = numbered.n FROM numbered WHERE t.ctid = numbered.row_at AND numbered.n > 1`,
  ].join('\n');
}

/** The numbered rows' key hash again (it covers row_ordinal). */
export function rekeyRepeatsSql(shape: LoadShape): string {
  return `UPDATE ${TYPED_TABLE} x SET ${KEY} = ${keyHashOf(shape, 'x')} WHERE x.${ident(ordinalColumn(shape).sqlName)} > 1`;
}

/** Columns a re-load may change in a row with the same key: all a load writes but the key, run_id and loaded_at. */
function comparedColumns(shape: LoadShape): TableColumn[] {
  const keyNames = new Set([...shape.key.lead, ...shape.key.hashed].map((c) => c.sqlName));
  return shape.columns.filter((c) => !keyNames.has(c.sqlName) && c.source.kind !== 'loadedAt' && !(c.source.kind === 'run' && c.source.value === 'runId'));
}

/**
 * File row ↔ table row, through the unique index: the lead columns and the index's own expression
 * compared with the file row's stored hash. `changed` compares every column a load writes besides
 * the key (retired ones, which a load leaves NULL, included). Run with hash and merge joins off, so
 * that the planner probes the index rather than hashing every table row again (it does not know
 * what an md5 over thirty columns costs).
 */
export function createMatchedSql(shape: LoadShape): string {
  const compared = comparedColumns(shape);
  const before = [...compared, ...shape.retired].map((c) => `t.${ident(c.sqlName)}`);
  const after = [...compared.map((c) => `n.${ident(c.sqlName)}`), ...shape.retired.map(() => 'NULL')];
  const changed = before.length === 0 ? 'false' : `ROW(${before.join(', ')}) IS DISTINCT FROM ROW(${after.join(', ')})`;
  const same = [...leadOf(shape).map((c) => `t.${c} = n.${c}`), `${keyHashOf(shape, 't')} = n.${KEY}`];
  return [
    `CREATE TEMP TABLE ${MATCHED_TABLE} ON COMMIT DROP AS`,
    `SELECT n.ctid AS file_at, t.ctid AS table_at, ${changed} AS changed`,
    `FROM ${TYPED_TABLE} n JOIN ${ident(shape.name)} t ON ${same.join(' AND ')}`,
  ].join('\n');
}

/** Deletes the window's rows no file row matched. */
export function deleteUnmatchedSql(shape: LoadShape): string {
  return [
    `DELETE FROM ${ident(shape.name)} AS t`,
    `WHERE ${windowPredicateSql(shape)}`,
    `  AND NOT EXISTS (SELECT 1 FROM ${MATCHED_TABLE} m WHERE m.table_at = t.ctid)`,
  ].join('\n');
}

/** Updates the matched rows whose values changed; run_id and loaded_at follow a real change only. */
export function updateChangedSql(shape: LoadShape): string {
  const run = shape.columns.find((c) => c.source.kind === 'run' && c.source.value === 'runId') as TableColumn;
  const sets = [
    ...comparedColumns(shape).map((c) => `${ident(c.sqlName)} = n.${ident(c.sqlName)}`),
    ...shape.retired.map((c) => `${ident(c.sqlName)} = NULL`),
    `${ident(run.sqlName)} = n.${ident(run.sqlName)}`,
    `loaded_at = now()`,
  ];
  return [
    `UPDATE ${ident(shape.name)} AS t SET ${sets.join(', ')}`,
    `FROM ${MATCHED_TABLE} m JOIN ${TYPED_TABLE} n ON n.ctid = m.file_at`,
    `WHERE m.changed AND t.ctid = m.table_at`,
  ].join('\n');
}

/** Inserts the file rows no table row matched. */
export function insertUnmatchedSql(shape: LoadShape): string {
  const { targets } = castColumnsSql(shape);
  const columns = [...targets, ident(ordinalColumn(shape).sqlName)];
  return [
    `INSERT INTO ${ident(shape.name)} (${columns.join(', ')})`,
    `SELECT ${columns.map((c) => `n.${c}`).join(', ')} FROM ${TYPED_TABLE} n`,
    `WHERE NOT EXISTS (SELECT 1 FROM ${MATCHED_TABLE} m WHERE m.file_at = n.ctid)`,
  ].join('\n');
}
