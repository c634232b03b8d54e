import pg from 'pg';
import type { ReportTableSpec } from './reportTableSpec.js';
import { entityComments } from '../entities/entityDocs.js';
import { tableDocs } from './tableDocs.js';

/**
 * COMMENT ON TABLE / COLUMN for the report tables and the documented tables, so BI tools show what each
 * column means. Idempotent and cheap to repeat: the current comments are read first and only the ones
 * that differ are written, in one round trip.
 */

export interface Comment {
  table: string;
  /** null for the table's own comment. */
  column: string | null;
  text: string;
}

export function desiredComments(specs: readonly ReportTableSpec[]): Comment[] {
  const out: Comment[] = [];
  for (const spec of specs) {
    out.push({ table: spec.name, column: null, text: spec.description });
    for (const c of [...spec.columns, ...spec.retired]) out.push({ table: spec.name, column: c.sqlName, text: c.description });
  }
  out.push(...entityComments());
  for (const [table, doc] of Object.entries(tableDocs)) {
    out.push({ table, column: null, text: doc.description });
    for (const [column, text] of Object.entries(doc.columns)) out.push({ table, column, text });
  }
  return out;
}

/** Every column and table of `$1` that exists, with its current comment (NULL when none). */
const EXISTING_SQL = `
  SELECT c.relname AS table, a.attname AS column, col_description(c.oid, a.attnum) AS text
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1)
  UNION ALL
  SELECT c.relname, NULL, obj_description(c.oid, 'pg_class')
    FROM pg_class c
   WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1)`;

/** Writes the comments that are missing or differ; comments on tables or columns that do not exist are skipped. */
export async function applyComments(client: pg.ClientBase, comments: readonly Comment[]): Promise<number> {
  const tables = [...new Set(comments.map((c) => c.table))];
  const { rows } = await client.query<{ table: string; column: string | null; text: string | null }>(EXISTING_SQL, [tables]);
  const key = (table: string, column: string | null) => `${table}\u0000${column ?? ''}`;
  const existing = new Map(rows.map((r) => [key(r.table, r.column), r.text]));
  const statements: string[] = [];
  for (const c of comments) {
    const k = key(c.table, c.column);
    if (!existing.has(k) || existing.get(k) === c.text) continue;
    const target = c.column === null ? `TABLE ${pg.escapeIdentifier(c.table)}` : `COLUMN ${pg.escapeIdentifier(c.table)}.${pg.escapeIdentifier(c.column)}`;
    statements.push(`COMMENT ON ${target} IS ${pg.escapeLiteral(c.text)}`);
  }
  if (statements.length > 0) await client.query(statements.join(';\n'));
  return statements.length;
}
