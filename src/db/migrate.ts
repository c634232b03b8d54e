import { syncEntityTables } from '../entities/entityTables.js';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { migrationsFolder } from '../paths.js';
import { builtinRegistry, type ReportRegistry } from '../reports/registry.js';
import type { ReportSelection } from '../reports/reportConfig.js';
import { syncBiViews } from './biViews.js';
import { applyComments, desiredComments } from './comments.js';
import { syncReportTables } from './customTables.js';
import { reportTableSpec, type ReportTableSpec } from './reportTableSpec.js';

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

export interface MigrateResult {
  /** What was done to custom report tables ("created x_daily", "added x_daily.city"), for the log. */
  customTables: string[];
  /** Everything done to report tables and BI views, custom ones included. */
  tables: string[];
}

/**
 * Applies pending migrations under an advisory lock, so several workers starting at once do not race
 * (drizzle's migrator takes no lock of its own). Then, under the same lock and in one transaction, the
 * report tables are made or widened (customTables.ts) and the BI views over them (biViews.ts), and
 * every report table (and the documented ones) gets its COMMENTs.
 *
 * Which report tables: those of the `enabled` reports × aggregations, every custom report's (a custom
 * report is enabled in all its aggregations), and whichever exist already (widened, never dropped).
 * Any other is made by its first load (ensureReportTable), so a new database holds the tables of what
 * it loads, not 68 empty ones. Without `enabled`, migrate makes no built-in table.
 */
export async function runMigrations(
  pool: pg.Pool,
  options: { reports?: ReportRegistry; enabled?: readonly ReportSelection[] } = {},
): Promise<MigrateResult> {
  const reports = options.reports ?? builtinRegistry;
  const enabled = new Set((options.enabled ?? []).map((s) => `${s.report}\u0000${s.aggregation}`));
  const specs = reports.all().flatMap((def) => def.aggregations.map((agg) => reportTableSpec(def, agg)));
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
      await client.query('BEGIN');
      try {
        const existing = await existingTables(client, specs.map((s) => s.name));
        const wanted = specs.filter((s) => s.report.custom || enabled.has(`${s.report.name}\u0000${s.aggregation}`) || existing.has(s.name));
        const builtin = await syncReportTables(client, wanted.filter((s) => !s.report.custom));
        const customTables = await syncReportTables(client, wanted.filter((s) => s.report.custom));
        const views = await syncBiViews(client);
        const entities = await syncEntityTables(client);
        await applyComments(client, desiredComments(wanted));
        await client.query('COMMIT');
        return { tables: [...builtin, ...customTables, ...views, ...entities], customTables };
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

/**
 * Makes the report table of a first load (and the BI views it completes), unless it exists: in its
 * own short transaction under the migration lock, before the load's, so a load that then fails keeps
 * no lock and two first loads of one table make it once. Returns what it did (nothing, almost always).
 */
export async function ensureReportTable(client: pg.ClientBase, spec: ReportTableSpec): Promise<string[]> {
  if ((await existingTables(client, [spec.name])).size > 0) return [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const done = await syncReportTables(client, [spec]);
    done.push(...(await syncBiViews(client)));
    await applyComments(client, desiredComments([spec]));
    await client.query('COMMIT');
    return done;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

async function existingTables(client: pg.ClientBase, names: readonly string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND relname = ANY($1)`,
    [names],
  );
  return new Set(rows.map((r) => r.name));
}
