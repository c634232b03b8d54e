import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/client.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { loadReportConfig, type ReportConfig, type ReportSelection } from '../../src/reports/reportConfig.js';

/** What REPORTS unset enables: DEFAULT_REPORTS. */
const defaultSelections = (loadReportConfig(undefined, undefined) as ReportConfig).reports;

export const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  database: Database;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated (unless told not to) database of its own for one test file; drop() removes it.
 * Migrated as a default install is: with the tables of DEFAULT_REPORTS (any other report's table is
 * made by its first load, as in production).
 */
export async function createTestDatabase(
  label = 'test',
  options: { migrate?: boolean; enabled?: readonly ReportSelection[] } = {},
): Promise<TestDatabase> {
  const name = `msads_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  const database = createDatabase(url.toString(), { max: 5 });
  if (options.migrate !== false) await runMigrations(database.pool, { enabled: options.enabled ?? defaultSelections });
  return {
    url: url.toString(),
    name,
    database,
    async drop() {
      await database.close();
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
