import type { Command } from 'commander';
import { accountFilter, createDiscovery, listWantedConnections } from '../app/discovery.js';
import { loadConfig } from '../config.js';
import { listAccountRows } from '../db/accounts.js';
import { createDatabase } from '../db/client.js';
import { listConnectionRows, recordConnectionsSeen } from '../db/connections.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { accountFilterReason } from '../discovery/filters.js';
import { refreshConnections } from '../discovery/refresh.js';
import { connectionKnown, knownConnectionIds } from '../db/runHistory.js';
import { cliLogger, UsageError } from './output.js';
import { formatAge, renderTable, truncate } from './table.js';

/**
 * `connections`: the connections and their accounts as last discovered, with health, and whether the
 * account filters let each account be loaded. `--refresh` lists Nango and discovers first (which also
 * lifts a needs_reauth mark once Nango holds a working credential).
 */
export function registerConnections(program: Command): void {
  program
    .command('connections')
    .description('list connections and their accounts as discovered, with health')
    .option('--connection <id>', 'only this connection')
    .option('--refresh', 'list Nango connections and discover their accounts now (needs NANGO_SECRET_KEY and MSADS_DEVELOPER_TOKEN)')
    .option('--json', 'print JSON instead of tables')
    .action(async (options: { connection?: string; refresh?: boolean; json?: boolean }) => {
      const config = loadConfig();
      await ensureDatabase(config.databaseUrl);
      const database = createDatabase(config.databaseUrl, { max: 2, applicationName: 'msads-etl connections' });
      try {
        await runMigrations(database.pool);
        if (options.refresh) {
          const { lister, discovery } = await createDiscovery(config, cliLogger(config.logLevel === 'info' ? 'warn' : config.logLevel));
          const wanted = await listWantedConnections(config, lister);
          if (options.connection && !(await lister.listConnections()).some((c) => c.connectionId === options.connection)) {
            throw new Error(`--connection ${options.connection}: Nango has no such connection in integration "${config.nango.integrationId}"`);
          }
          const ids = options.connection ? [options.connection] : wanted;
          await recordConnectionsSeen(database.db, ids);
          await refreshConnections({ db: database.db, discovery }, ids);
        }
        if (options.connection && !options.refresh && !(await connectionKnown(database.db, options.connection))) {
          throw new UsageError(`--connection ${options.connection}: no such connection (known: ${(await knownConnectionIds(database.db)).join(', ') || 'none yet; try --refresh'})`);
        }
        const now = new Date();
        const connections = await listConnectionRows(database.db, options.connection ? [options.connection] : undefined);
        const accounts = await listAccountRows(database.db, options.connection);
        const filter = accountFilter(config);
        const loadedAs = (a: (typeof accounts)[number]) =>
          a.removedAt !== null ? 'no (gone)' : (accountFilterReason({ accountId: String(a.accountId), accountName: a.accountName, lifecycleStatus: a.lifecycleStatus }, filter) ?? 'yes').replace(/^(?!yes)/, 'no: ');
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ connections, accounts: accounts.map((a) => ({ ...a, loaded: loadedAs(a) })) }, null, 2)}\n`);
          return;
        }
        const lines: string[] = [
          renderTable(
            ['CONNECTION', 'HEALTH', 'SINCE', 'USER', 'ACCOUNTS', 'LAST SEEN IN NANGO', 'LAST DISCOVERY', 'REASON'],
            connections.map((c) => [
              c.connectionId,
              c.health === 'ok' ? 'ok' : 'NEEDS REAUTH',
              c.healthSince ? c.healthSince.toISOString() : '-',
              c.userId === null ? '-' : String(c.userId),
              String(accounts.filter((a) => a.connectionId === c.connectionId && a.removedAt === null).length),
              formatAge(c.lastSeenAt, now),
              formatAge(c.lastDiscoveryAt, now),
              truncate(c.healthReason ?? c.lastDiscoveryError ?? '-', 120),
            ]),
          ),
        ];
        for (const c of connections) {
          const own = accounts.filter((a) => a.connectionId === c.connectionId);
          if (own.length === 0) continue;
          lines.push(
            '',
            `${c.connectionId}:`,
            renderTable(
              ['ACCOUNT', 'NUMBER', 'NAME', 'CUSTOMER', 'CURRENCY', 'TIME ZONE', 'STATUS', 'ACCESS', 'LOADED', 'FIRST SEEN', 'LAST SEEN'],
              own.map((a) => [
                String(a.accountId),
                a.accountNumber ?? '-',
                truncate(a.accountName ?? '-', 40),
                String(a.parentCustomerId),
                a.currencyCode ?? '-',
                a.timeZone ?? '-',
                a.lifecycleStatus ?? '-',
                // 106/2003 on this account: the user lost access to it (the connection itself is fine).
                a.access === 'ok' ? 'ok' : `NO ACCESS since ${a.accessSince?.toISOString() ?? '?'}: ${truncate(a.accessReason ?? '', 80)}`,
                loadedAs(a),
                a.firstSeenAt.toISOString().slice(0, 10),
                formatAge(a.lastSeenAt, now),
              ]),
            ),
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await database.close();
      }
    });
}
