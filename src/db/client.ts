import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;

/** A pool plus the drizzle handle over it. The pool is needed directly for COPY (drizzle cannot COPY). */
export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

// Postgres bigint and numeric arrive as strings by default; ids fit in a JS number (< 2^53), so parse
// int8 to number for ledger reads. numeric stays a string: money must not pass through a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'msads-etl',
    // A dead Postgres must surface as an error, not a hang.
    connectionTimeoutMillis: 10_000,
  });
  // A connection lost while idle (pool 'error') or while checked out (client 'error', e.g. Postgres
  // restarted mid-load) must not crash the process: the query in flight rejects, its transaction is
  // gone, and the attempt is retried; the pool opens a fresh connection next time.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema });
  let closed = false;
  return {
    pool,
    db,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
