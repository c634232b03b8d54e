import type { Command } from 'commander';
import { accountFilter, reportTimeZoneIanaOf } from '../app/discovery.js';
import { loadConfig } from '../config.js';
import { listAccountRows } from '../db/accounts.js';
import { createDatabase } from '../db/client.js';
import { listConnectionRows } from '../db/connections.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { listTargetStatus, type TargetStatus } from '../db/runStatus.js';
import { accountFilterReason } from '../discovery/filters.js';
import { aggregationSlug, parseAggregation } from '../reports/aggregations.js';
import { addDays, daysBetween, todayIn } from '../schedule/dates.js';
import { enabledReports } from '../schedule/enabledReports.js';
import { formatAge, renderTable, truncate } from './table.js';

/**
 * `status`: per connection, account and report, the last successful window and how fresh it is, the
 * last failure with its reason, and the connections that need re-authorization. Exits 1 when anything
 * is failing (latest run failed, or a connection needs re-authorization) so cron or monitoring can alert.
 * Provisional windows (Microsoft may still change their last day) are shown, but do not fail status:
 * the nightly tick re-pulls them first, and they settle on their own.
 */

/** "WeeklyStartingMonday" → "weekly_starting_monday", as the CLI spells aggregations. */
const slug = (aggregation: string): string => {
  const parsed = parseAggregation(aggregation);
  return parsed ? aggregationSlug(parsed) : aggregation.toLowerCase();
};

type State = 'ok' | 'FAILING' | 'NEEDS_REAUTH' | 'NO_ACCESS' | 'running' | 'never loaded';

interface StatusRow {
  connectionId: string;
  accountId: string;
  accountName: string | null;
  report: string;
  aggregation: string;
  state: State;
  lastOk: TargetStatus['lastOk'];
  /** Days the last successful window ends before yesterday (0 = up to date). */
  behindDays: number | null;
  lastFailure: TargetStatus['lastFailure'];
  /** API of the latest run (rest or soap); null before the first run. */
  api: string | null;
  provisional: TargetStatus['provisional'];
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('last successful window, freshness and last failure per connection, account and report; exit 1 when any is failing')
    .option('--connection <id>', 'only this connection')
    .option('--json', 'print JSON instead of tables')
    .action(async (options: { connection?: string; json?: boolean }) => {
      const config = loadConfig();
      await ensureDatabase(config.databaseUrl);
      const database = createDatabase(config.databaseUrl, { max: 2, applicationName: 'msads-etl status' });
      try {
        await runMigrations(database.pool);
        const now = new Date();
        const today = todayIn(reportTimeZoneIanaOf(config), now);
        const yesterday = addDays(today, -1);
        const connections = await listConnectionRows(database.db, options.connection ? [options.connection] : undefined);
        const health = new Map(connections.map((c) => [c.connectionId, c]));
        const accounts = (await listAccountRows(database.db, options.connection)).filter((a) => a.removedAt === null);
        const names = new Map(accounts.map((a) => [`${a.connectionId}|${a.accountId}`, a.accountName]));
        // Microsoft refused the account to the connection's user (106/2003): that account, not the connection.
        const noAccess = new Set(accounts.filter((a) => a.access === 'no_access').map((a) => `${a.connectionId}|${a.accountId}`));
        const targets = await listTargetStatus(database.db, options.connection);

        const rows: StatusRow[] = targets.map((t) => {
          const dead = health.get(t.connectionId)?.health === 'needs_reauth';
          // No finished run and not failing: its first run is still on its way.
          const blocked = noAccess.has(`${t.connectionId}|${t.accountId}`);
          const state: State = dead ? 'NEEDS_REAUTH' : blocked && t.failing ? 'NO_ACCESS' : t.failing ? 'FAILING' : t.lastOk ? 'ok' : 'running';
          return {
            connectionId: t.connectionId,
            accountId: t.accountId,
            accountName: names.get(`${t.connectionId}|${t.accountId}`) ?? null,
            report: t.report,
            aggregation: t.aggregation,
            state,
            lastOk: t.lastOk,
            behindDays: t.lastOk ? Math.max(0, daysBetween(t.lastOk.to, yesterday)) : null,
            lastFailure: t.lastFailure,
            api: t.api,
            provisional: t.provisional,
          };
        });
        // Accounts the nightly load covers that have no run yet.
        const seen = new Set(rows.map((r) => `${r.connectionId}|${r.accountId}|${r.report}|${r.aggregation}`));
        for (const a of accounts) {
          const account = { accountId: String(a.accountId), accountName: a.accountName, lifecycleStatus: a.lifecycleStatus };
          if (accountFilterReason(account, accountFilter(config)) !== undefined) continue;
          for (const r of enabledReports(config)) {
            if (seen.has(`${a.connectionId}|${a.accountId}|${r.report}|${r.aggregation}`)) continue;
            const dead = health.get(a.connectionId)?.health === 'needs_reauth';
            rows.push({ connectionId: a.connectionId, accountId: String(a.accountId), accountName: a.accountName, report: r.report, aggregation: r.aggregation, state: dead ? 'NEEDS_REAUTH' : 'never loaded', lastOk: null, behindDays: null, lastFailure: null, api: null, provisional: null });
          }
        }
        rows.sort((x, y) => x.connectionId.localeCompare(y.connectionId) || Number(x.accountId) - Number(y.accountId) || x.report.localeCompare(y.report));

        const deadConnections = connections.filter((c) => c.health === 'needs_reauth');
        const failingTargets = rows.filter((r) => r.state === 'FAILING' || r.state === 'NEEDS_REAUTH' || r.state === 'NO_ACCESS').length;
        const failing = failingTargets + deadConnections.length;
        const provisional = rows.filter((r) => r.provisional !== null);
        if (options.json) {
          const json = { today, api: config.msads.api, failing: failing > 0, provisionalTargets: provisional.length, connections, targets: rows };
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else {
          process.stdout.write(
            [
              `Today ${today} (${config.msads.reportTimeZone}); Microsoft API: ${config.msads.api} (MSADS_API)`,
              '',
              renderTable(
                ['CONNECTION', 'HEALTH', 'SINCE', 'ACCOUNTS', 'LAST DISCOVERY', 'REASON'],
                connections.map((c) => [
                  c.connectionId,
                  c.health === 'ok' ? 'ok' : 'NEEDS REAUTH',
                  c.healthSince ? c.healthSince.toISOString() : '-',
                  String(accounts.filter((a) => a.connectionId === c.connectionId).length),
                  formatAge(c.lastDiscoveryAt, now),
                  truncate(c.healthReason ?? c.lastDiscoveryError ?? '-', 120),
                ]),
              ),
              '',
              renderTable(
                ['CONNECTION', 'ACCOUNT', 'NAME', 'REPORT', 'LAST OK WINDOW', 'LOADED', 'FRESHNESS', 'STATE', 'PROVISIONAL', 'API', 'LAST FAILURE'],
                rows.map((r) => [
                  r.connectionId,
                  r.accountId,
                  truncate(r.accountName ?? '-', 30),
                  `${r.report} ${slug(r.aggregation)}`,
                  r.lastOk ? `${r.lastOk.from}..${r.lastOk.to}` : '-',
                  formatAge(r.lastOk?.finishedAt, now),
                  r.behindDays === null ? '-' : r.behindDays === 0 ? 'up to date' : `${r.behindDays}d behind`,
                  r.state,
                  provisionalCell(r.provisional),
                  r.api ?? '-',
                  r.lastFailure
                    ? truncate(`${r.lastFailure.from}..${r.lastFailure.to} ${formatAge(r.lastFailure.finishedAt, now)}: [${r.lastFailure.errorClass ?? '?'}] ${r.lastFailure.message ?? ''}`, 160)
                    : '-',
                ]),
              ),
              '',
              failing > 0
                ? `FAILING: ${failingTargets} report target(s) failing or blocked, ${deadConnections.length} connection(s) needing re-authorization, ${noAccess.size} account(s) without access`
                : 'all ok',
              provisionalLine(provisional),
              '',
            ].join('\n'),
          );
        }
        process.exitCode = failing > 0 ? 1 : 0;
      } finally {
        await database.close();
      }
    });
}

/** "2026-03-14" for one window, "2026-03-10 +1" when more: the earliest last day that may still change. */
function provisionalCell(p: StatusRow['provisional']): string {
  if (!p) return '-';
  return p.windows > 1 ? `${p.firstDay} +${p.windows - 1}` : p.firstDay;
}

function provisionalLine(rows: readonly StatusRow[]): string {
  if (rows.length === 0) return 'provisional: none';
  const windows = rows.reduce((n, r) => n + (r.provisional?.windows ?? 0), 0);
  const first = rows.map((r) => r.provisional?.firstDay ?? '9999-12-31').reduce((a, b) => (a <= b ? a : b));
  return `provisional: ${rows.length} report target(s) with ${windows} window(s) Microsoft may still change (earliest last day ${first}); the nightly tick re-pulls them first`;
}
