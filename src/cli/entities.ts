import type { Command } from 'commander';
import { createRunDeps } from '../app/runDeps.js';
import { loadConfig } from '../config.js';
import { runMigrations } from '../db/migrate.js';
import { entityRunDeps, runEntitiesInForeground } from '../entities/runEntitiesInForeground.js';
import { createRestBulkApi } from '../rest/bulkClient.js';
import { cliLogger } from './output.js';
import { metadataIds } from './targetOptions.js';

interface EntitiesOptions {
  connection: string;
  customer?: string;
  account?: string[];
  full?: boolean;
}

/** `msads-etl entities`: the entity run of each account now, in the foreground, like run-once. */
export function registerEntities(program: Command): void {
  program
    .command('entities')
    .description('download the entities of each account from the Bulk service (full or changes since the last file) and load them now, in the foreground')
    .requiredOption('--connection <id>', 'Nango connection id')
    .option('--customer <id>', 'Microsoft CustomerId (default: the connection metadata key customer_id)')
    .option('--account <id...>', 'Microsoft account id(s) (default: the connection metadata key account_ids)')
    .option('--full', 'a full download even when a delta would do (entities missing from it are marked deleted)')
    .action(async (options: EntitiesOptions) => {
      const config = loadConfig();
      if (config.entities.enabled.length === 0) throw new Error('ENTITIES is empty: entity loads are turned off');
      const logger = cliLogger(config.logLevel);
      const { deps, close } = await createRunDeps(config, logger);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runMigrations(deps.database.pool, { reports: deps.reports, enabled: config.reports });
        let customer = options.customer;
        let accounts = options.account ?? [];
        if (!customer || accounts.length === 0) {
          const metadata = await deps.tokens.getConnectionMetadata(options.connection);
          customer ??= metadataIds(metadata['customer_id'])[0];
          if (accounts.length === 0) accounts = metadataIds(metadata['account_ids']);
        }
        if (!customer) throw new Error(`no --customer given and connection "${options.connection}" has no customer_id in its Nango metadata`);
        if (accounts.length === 0) throw new Error(`no --account given and connection "${options.connection}" has no account_ids in its Nango metadata`);
        const bulk = createRestBulkApi({ baseUrl: config.msads.bulkRestUrl, timeoutMs: config.http.timeoutMs });
        const entityDeps = entityRunDeps(deps, bulk, {
          pollIntervalMs: config.entities.pollIntervalMs,
          throttleWaitMs: config.entities.throttleWaitMs,
          attempts: config.worker.attempts,
          backoffMs: config.worker.backoffMs,
        });
        let failed = 0;
        for (const accountId of accounts) {
          process.stdout.write(`entities ${config.entities.enabled.join(',')} account ${accountId}\n`);
          const result = await runEntitiesInForeground(
            entityDeps,
            { connectionId: options.connection, customerId: customer, accountId, entities: config.entities.enabled, full: options.full === true },
            {
              signal: abort.signal,
              onWait: (w) => process.stdout.write(`  ${w.reason === 'pending' ? 'Microsoft is preparing the file' : `waiting (${w.reason})`}: ${Math.round((w.untilMs - Date.now()) / 1000)} s\n`),
            },
          );
          if (result.kind === 'failed') {
            failed += 1;
            process.stdout.write(`  run ${result.runId}: failed (${result.errorClass}): ${result.error.message}\n`);
            continue;
          }
          const o = result.outcome;
          process.stdout.write(`  run ${result.runId}: succeeded (${result.mode}), ${result.bytes} bytes${o ? `, Sync Time ${o.syncTime.toISOString()}` : ''}\n`);
          for (const [table, c] of Object.entries(o?.tables ?? {})) {
            process.stdout.write(`  ${table}: ${c.inFile} in the file, ${c.changed} changed, ${c.deleted} deleted\n`);
          }
          for (const w of o?.warnings ?? []) process.stdout.write(`  warning: ${w}\n`);
        }
        if (failed > 0) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await close();
      }
    });
}
