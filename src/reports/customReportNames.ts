import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsFolder } from '../paths.js';
import { reports, tableName, type ReportDefinition } from './catalog.js';

/**
 * Names a custom report cannot take. `migrate` creates a custom report's tables (and their `_key`
 * indexes) in the schema that also holds the built-in catalog's tables, the project's own tables and
 * the BI views: a clash made migrate fail and no worker could start. The owned names are read from
 * what migrate itself runs (the migrations' CREATE statements, so a table or view added by a later
 * migration is covered) plus the catalog. drizzle's own table lives in its `drizzle` schema, and a
 * custom report's name cannot start with an underscore anyway.
 */

const CREATED =
  /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(?:MATERIALIZED\s+)?(TABLE|VIEW|INDEX|SEQUENCE)\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:"?public"?\.)?"?([A-Za-z_][A-Za-z0-9_$]*)"?/gi;
/** Primary key and unique constraints create an index of their name. */
const CONSTRAINED = /\bCONSTRAINT\s+"?([A-Za-z_][A-Za-z0-9_$]*)"?\s+(?:PRIMARY\s+KEY|UNIQUE)\b/gi;

let owned: Map<string, string> | undefined;

/** Every relation name the project owns, with what it is ("the BI view bi_freshness"). */
export function ownedRelationNames(): ReadonlyMap<string, string> {
  if (owned) return owned;
  const names = new Map<string, string>();
  for (const def of Object.values(reports)) {
    for (const aggregation of def.aggregations) {
      const table = tableName(def, aggregation);
      names.set(table, `the table of built-in report ${def.name} (${aggregation})`);
      names.set(`${table}_key`, `the key index of built-in report ${def.name} (${aggregation})`);
    }
  }
  for (const file of readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(migrationsFolder, file), 'utf8');
    for (const [, kind = '', name = ''] of sql.matchAll(CREATED)) {
      if (names.has(name)) continue;
      const what = kind.toUpperCase() === 'VIEW' && name.startsWith('bi_') ? 'BI view' : kind.toLowerCase();
      names.set(name, `the ${what} ${name}`);
    }
    for (const [, name = ''] of sql.matchAll(CONSTRAINED)) if (!names.has(name)) names.set(name, `the index ${name}`);
  }
  owned = names;
  return names;
}

/** Each name of the report, or of a table or key index it would create, that the project owns. */
export function customReportNameClashes(def: ReportDefinition): string[] {
  const taken = ownedRelationNames();
  const problems: string[] = [];
  const own = taken.get(def.name);
  if (own !== undefined) problems.push(`the name ${def.name} is taken by ${own}; choose another name`);
  for (const aggregation of def.aggregations) {
    const table = tableName(def, aggregation);
    for (const [kind, name] of [
      ['table', table],
      ['key index', `${table}_key`],
    ] as const) {
      const what = taken.get(name);
      if (what !== undefined && name !== def.name) problems.push(`${aggregation}: its ${kind} ${name} would take the name of ${what}; choose another name`);
    }
  }
  return problems;
}
