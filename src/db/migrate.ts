import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { migrationsFolder } from '../paths.js';
import { builtinRegistry, type ReportRegistry } from '../reports/registry.js';
import { applyComments, desiredComments } from './comments.js';
import { syncCustomTables } from './customTables.js';
import { reportTableSpec } from './reportTableSpec.js';

// Any fixed 64-bit key works; every process that migrates must use the same one.
const MIGRATION_LOCK_KEY = 7_215_330_118_402_611n;

/** Creates the database named in the URL if it does not exist (connecting to the `postgres` database). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } catch (err) {
      // Another process created it between our check and our CREATE: 42P04, or 23505 when both CREATEs
      // ran at once (pg_database's unique index catches the second), e.g. scheduler and worker at boot.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations under an advisory lock, so several workers starting at once do not race
 * (drizzle's migrator takes no lock of its own). Then, under the same lock and in one transaction, the
 * tables of the registry's custom reports are created or widened and every report table (and the
 * documented ones) gets its COMMENTs.
 */
export async function runMigrations(pool: pg.Pool, options: { reports?: ReportRegistry } = {}): Promise<{ customTables: string[] }> {
  const reports = options.reports ?? builtinRegistry;
  const specs = reports.all().flatMap((def) => def.aggregations.map((agg) => reportTableSpec(def, agg)));
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
      await client.query('BEGIN');
      try {
        const customTables = await syncCustomTables(client, specs.filter((s) => s.report.custom));
        await applyComments(client, desiredComments(specs));
        await client.query('COMMIT');
        return { customTables };
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    client.release();
  }
}
