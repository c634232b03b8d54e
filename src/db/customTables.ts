import pg from 'pg';
import { keyColumnsSql, type KeyShape, type ReportTableSpec, type SqlType, type TableColumn } from './reportTableSpec.js';

/**
 * Report tables, built-in and custom alike, made and widened at runtime from reportTableSpec: by
 * `migrate` for the enabled reports and the tables that exist, and by a report's first load for any
 * other (migrate.ts). Built-in tables were drizzle-kit's until migration 0009, which left the existing
 * ones as they were (same columns, same key) and gave their keys the signature this module reads.
 * A column added to a report becomes an added table column: no reset, rows loaded before keep their
 * values and get NULL in the new column, and the key is rebuilt when an attribute joins it. A column
 * removed from a custom report's configuration stays in the table with its old values and stays in the
 * key, so old rows can never collide; a built-in's retired columns (ReportTableSpec.retired) stay too,
 * outside the key as they always were.
 */

const ident = (name: string) => pg.escapeIdentifier(name);

const DDL_TYPE: Record<SqlType, string> = {
  bigint: 'bigint',
  smallint: 'smallint',
  numeric: 'numeric',
  text: 'text',
  date: 'date',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
};

const DEFAULTS: Partial<Record<TableColumn['source']['kind'], string>> = { loadedAt: ' DEFAULT now()', ordinal: ' DEFAULT 1' };

const columnDdl = (c: TableColumn, required: boolean) =>
  `${ident(c.sqlName)} ${DDL_TYPE[c.sqlType]}${DEFAULTS[c.source.kind] ?? ''}${required ? ' NOT NULL' : ''}`;

/** The table as reportTableSpec describes it, retired columns included (as drizzle-kit made the built-ins before 0009). */
export function createTableSql(spec: Pick<ReportTableSpec, 'name' | 'columns'> & Partial<Pick<ReportTableSpec, 'retired'>>): string {
  const columns = [...spec.columns, ...(spec.retired ?? [])];
  return `CREATE TABLE ${ident(spec.name)} (${columns.map((c) => columnDdl(c, c.notNull)).join(', ')})`;
}

export function createKeySql(spec: KeyShape & { name: string }): string {
  return `CREATE UNIQUE INDEX ${ident(spec.key.name)} ON ${ident(spec.name)} (${keyColumnsSql(spec)})`;
}

/** What the key's index is over, kept as the index's comment so a change is seen without parsing indexdef. */
export const keySignature = (spec: KeyShape) => `msads-etl key: ${keyColumnsSql(spec)}`;

const SQL_TYPE_OF: Record<string, SqlType> = Object.fromEntries(Object.entries(DDL_TYPE).map(([k, v]) => [v, k as SqlType]));

/**
 * Creates or widens the table of each spec; returns what it did, for the log. Not safe against itself:
 * callers hold the migration lock (migrate.ts).
 */
export async function syncReportTables(client: pg.ClientBase, specs: readonly ReportTableSpec[]): Promise<string[]> {
  const done: string[] = [];
  for (const spec of specs) {
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
      [spec.name],
    );
    const existing = new Map(rows.map((r) => [r.column_name, r.data_type]));
    if (existing.size === 0) {
      await client.query(createTableSql(spec));
      done.push(`created ${spec.name}`);
    }
    for (const column of spec.columns) {
      const type = existing.get(column.sqlName);
      if (existing.size > 0 && type === undefined) {
        // Nullable whatever the spec says (rows loaded before have no value for it), unless a default gives them one.
        await client.query(`ALTER TABLE ${ident(spec.name)} ADD COLUMN ${columnDdl(column, column.notNull && DEFAULTS[column.source.kind] !== undefined)}`);
        done.push(`added ${spec.name}.${column.sqlName}`);
      } else if (type === DDL_TYPE.timestamptz && column.sqlType === 'timestamp' && column === spec.period) {
        // Hourly rows were stored as UTC instants of the file's date and hour; as delivered, that is
        // exactly the same wall-clock value read in UTC (the same conversion as migration 0006).
        await client.query(
          `ALTER TABLE ${ident(spec.name)} ALTER COLUMN ${ident(column.sqlName)} TYPE timestamp without time zone USING ${ident(column.sqlName)} AT TIME ZONE 'UTC'`,
        );
        done.push(`kept ${spec.name}.${column.sqlName} as delivered (was UTC)`);
      } else if (type !== undefined && type !== DDL_TYPE[column.sqlType]) {
        throw new Error(
          `report table ${spec.name}: column ${column.sqlName} is ${type} but the report now makes it ${DDL_TYPE[column.sqlType]}; ` +
            'rename or drop the column (or the table) yourself, then migrate again',
        );
      }
    }
    const inSpec = new Set([...spec.columns, ...spec.retired].map((c) => c.sqlName));
    // Every leftover joins the key (a wider key can only split rows, never merge them). Timestamps and
    // types we never create cannot be hashed immutably; they are never attributes here anyway.
    const leftovers = [...existing].flatMap(([sqlName, type]) => {
      const sqlType = SQL_TYPE_OF[type];
      return inSpec.has(sqlName) || sqlType === undefined || sqlType === 'timestamptz' || sqlType === 'timestamp' ? [] : [{ sqlName, sqlType }];
    });
    const keyed = { ...spec, key: { ...spec.key, hashed: [...spec.key.hashed, ...leftovers] } };
    const current = await client.query<{ signature: string | null }>(
      `SELECT obj_description(to_regclass($1), 'pg_class') AS signature`,
      [pg.escapeIdentifier(spec.key.name)],
    );
    if (current.rows[0]?.signature !== keySignature(keyed)) {
      await client.query(`DROP INDEX IF EXISTS ${ident(spec.key.name)}`);
      await client.query(createKeySql(keyed));
      await client.query(`COMMENT ON INDEX ${ident(spec.key.name)} IS ${pg.escapeLiteral(keySignature(keyed))}`);
      done.push(`keyed ${spec.name}`);
    }
  }
  return done;
}

/** The name the benchmark (src/bench/loadBench.ts) still imports. */
export const syncCustomTables = syncReportTables;
