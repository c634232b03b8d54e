import pg from 'pg';
import { entityCatalog, type EntitySpec } from './catalog.js';

/**
 * The entity tables and their history tables, made from the catalog at migrate (idempotent: a column
 * the catalog gains is added to an existing table, nothing is ever dropped). Current table: one row
 * per (account_id, key); history: every version, the open one with valid_to NULL (one per key).
 */

const ident = (name: string) => pg.escapeIdentifier(name);

/** Columns every entity table has after the catalog's. */
export const BOOKKEEPING = [
  { name: 'is_deleted', sql: 'boolean NOT NULL DEFAULT false', description: 'Deleted at Microsoft (status Deleted, or its campaign / ad group was deleted, or a full download no longer lists it).' },
  { name: 'deleted_at', sql: 'timestamptz', description: 'When it was found deleted: the Sync Time of the Bulk file that said so (UTC).' },
  { name: 'loaded_at', sql: 'timestamptz NOT NULL DEFAULT now()', description: 'When this row last changed here.' },
  { name: 'run_id', sql: 'bigint', description: 'The entity run (entity_runs.id) that last changed this row.' },
] as const;

export const HISTORY_COLUMNS = [
  { name: 'valid_from', sql: 'timestamptz NOT NULL', description: 'Sync Time of the Bulk file that first showed this version (UTC).' },
  { name: 'valid_to', sql: 'timestamptz', description: 'Sync Time of the file that showed a change or the deletion; NULL: the open (current) version.' },
] as const;

export function historyTable(spec: EntitySpec): string {
  return `${spec.name}_history`;
}

function columnDefs(spec: EntitySpec): string[] {
  return [
    'account_id bigint NOT NULL',
    ...spec.columns.map((c) => `${ident(c.name)} ${c.type}${spec.key.includes(c.name) ? ' NOT NULL' : ''}`),
  ];
}

export function entityDdl(spec: EntitySpec): string[] {
  const key = ['account_id', ...spec.key].map(ident).join(', ');
  const history = historyTable(spec);
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${ident(spec.name)} (${[...columnDefs(spec), ...BOOKKEEPING.map((b) => `${b.name} ${b.sql}`), `PRIMARY KEY (${key})`].join(', ')})`,
    `CREATE TABLE IF NOT EXISTS ${ident(history)} (${[...columnDefs(spec), ...BOOKKEEPING.filter((b) => b.name !== 'loaded_at').map((b) => `${b.name} ${b.sql}`), ...HISTORY_COLUMNS.map((h) => `${h.name} ${h.sql}`)].join(', ')})`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${ident(`${history}_open_idx`)} ON ${ident(history)} (${key}) WHERE valid_to IS NULL`,
    `CREATE INDEX IF NOT EXISTS ${ident(`${history}_key_idx`)} ON ${ident(history)} (${key}, valid_from)`,
  ];
  for (const c of spec.columns) {
    statements.push(`ALTER TABLE ${ident(spec.name)} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${c.type}`);
    statements.push(`ALTER TABLE ${ident(history)} ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${c.type}`);
  }
  // Children are found by their parent when a deletion cascades.
  for (const p of spec.parents) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${ident(`${spec.name}_${p.column}_idx`)} ON ${ident(spec.name)} (account_id, ${ident(p.column)})`);
  }
  if (spec.name === 'label_associations') {
    statements.push(`CREATE INDEX IF NOT EXISTS label_associations_entity_idx ON label_associations (account_id, entity_type, entity_id)`);
  }
  return statements;
}

export async function syncEntityTables(client: pg.ClientBase): Promise<string[]> {
  const made: string[] = [];
  const existing = new Set(
    (await client.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'`)).rows.map((r) => r.relname),
  );
  for (const spec of entityCatalog) {
    for (const statement of entityDdl(spec)) await client.query(statement);
    if (!existing.has(spec.name)) made.push(spec.name, historyTable(spec));
  }
  return made;
}
