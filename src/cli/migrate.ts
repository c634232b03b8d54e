import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { createReportRegistry } from '../reports/registry.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create the database if missing and apply pending migrations')
    .action(async () => {
      const config = loadConfig();
      const created = await ensureDatabase(config.databaseUrl);
      const database = createDatabase(config.databaseUrl, { max: 1 });
      try {
        const { customTables } = await runMigrations(database.pool, { reports: createReportRegistry(config.customReports), enabled: config.reports });
        // Custom report tables changed by this run, e.g. "created x_daily", "added x_daily.city".
        for (const action of customTables) process.stdout.write(`${action}\n`);
      } finally {
        await database.close();
      }
      process.stdout.write(`${created ? 'created database and ' : ''}migrations applied\n`);
    });
}
