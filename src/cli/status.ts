import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { connectionKnown, knownConnectionIds } from '../db/runHistory.js';
import { aggregationSlug, parseAggregation } from '../reports/aggregations.js';
import { stdoutPaint, toneOfState, type Paint } from './colour.js';
import { UsageError } from './output.js';
import { describeQueue, readQueueState, type QueueReading } from './queueState.js';
import { buildStatusReport, type StatusReport, type StatusTarget } from './statusReport.js';
import { targetProblems } from './statusVerdict.js';
import { listEntityStatus, type EntityStatus } from './entityStatus.js';
import { formatAge, renderTable, truncate } from './table.js';

/**
 * `status`: per connection, account and report the last successful window, its freshness, the last
 * failure, and whether anything needs attention (statusVerdict.ts), then the queue and the runs in
 * flight. Its exit code is a monitoring check: 0 only when every enabled target is loaded and fresh.
 */

export const STATUS_HELP = `
Exit codes:
  0  every target is ok (paused connections are shown but do not count)
  1  a target or connection needs attention, there is no target at all (nothing is loaded), or
     the ledger cannot be read (Postgres unreachable).
     Target states: ${targetProblems.join(', ')}.
     Connection states: NEEDS_REAUTH, DISCOVERY_FAILED (discovery fails and no account is known).
     Entity states (per account, when ENTITIES is set): FAILING, NEVER_LOADED, STALE.
  2  usage or configuration error (unknown option, unknown --connection, invalid variable)

A target is an enabled report × aggregation (REPORTS) of a discovered account the account filters keep.
BEHIND: the last loaded day is more than FRESHNESS_MAX_LAG_DAYS days before yesterday.
PROVISIONAL_EXPIRED: a provisional window's last day is older than today − LOOKBACK_DAYS.
The queue line needs Redis; when Redis is unreachable it says so, and the exit code is the
ledger's alone.

Examples:
  $ msads-etl status
  $ msads-etl status --connection acme-prod
  $ msads-etl status --json | jq '.targets[] | select(.state != "ok")'
  $ msads-etl status >/dev/null || echo "msads-etl needs attention"   # cron / monitoring check
`;

const slug = (aggregation: string): string => {
  const parsed = parseAggregation(aggregation);
  return parsed ? aggregationSlug(parsed) : aggregation.toLowerCase();
};

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('freshness, last failure and state of every enabled report target, the queue and runs in flight; exit 1 when anything needs attention')
    .option('--connection <id>', 'only this connection (an id the ledger does not know is an error)')
    .option('--json', 'print JSON instead of tables')
    .addHelpText('after', STATUS_HELP)
    .action(async (options: { connection?: string; json?: boolean }) => {
      const config = loadConfig();
      await ensureDatabase(config.databaseUrl);
      const database = createDatabase(config.databaseUrl, { max: 2, applicationName: 'msads-etl status' });
      try {
        await runMigrations(database.pool);
        if (options.connection !== undefined && !(await connectionKnown(database.db, options.connection))) {
          const known = await knownConnectionIds(database.db);
          throw new UsageError(`--connection ${options.connection}: no such connection (known: ${known.length > 0 ? known.join(', ') : 'none yet; run `msads-etl connections --refresh` or the scheduler'})`);
        }
        const now = new Date();
        const [report, queue] = await Promise.all([buildStatusReport(database.db, config, { connectionId: options.connection, now }), readQueueState(config)]);
        const entities = config.entities.enabled.length === 0 ? [] : await listEntityStatus(database.db, entityAccounts(report), now, report.policy.freshnessMaxLagDays);
        const entitiesBad = entities.filter((e) => e.state !== 'ok' && e.state !== 'paused');
        if (options.json) {
          const json = {
            today: report.today,
            api: config.msads.api,
            exitCode: report.exitCode,
            failing: report.exitCode !== 0,
            policy: report.policy,
            summary: summaryCounts(report),
            provisionalTargets: report.targets.filter((t) => t.provisional !== null).length,
            unscheduledTargets: report.unscheduledTargets,
            inFlight: report.inFlight,
            queue: queue.ok ? queue.state : null,
            ...(queue.ok ? {} : { queueError: queue.error }),
            connections: report.connections,
            targets: report.targets,
            entities,
          };
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else {
          process.stdout.write(renderStatus(report, queue, config.msads, now, stdoutPaint()));
          if (entities.length > 0) process.stdout.write(renderEntities(entities, entitiesBad.length, now, stdoutPaint()));
        }
        process.exitCode = entitiesBad.length > 0 ? 1 : report.exitCode;
      } finally {
        await database.close();
      }
    });
}

/** Each connection × account of the report targets, once (the entity loads are per account). */
function entityAccounts(report: StatusReport): { connectionId: string; accountId: string; paused: boolean }[] {
  const seen = new Map<string, { connectionId: string; accountId: string; paused: boolean }>();
  for (const t of report.targets) seen.set(`${t.connectionId}|${t.accountId}`, { connectionId: t.connectionId, accountId: t.accountId, paused: t.state === 'paused' });
  return [...seen.values()];
}

function renderEntities(entities: readonly EntityStatus[], bad: number, now: Date, paint: Paint): string {
  const table = renderTable(
    ['CONNECTION', 'ACCOUNT', 'ENTITIES', 'SYNC TIME', 'LAST RUN', 'LAST FAILURE'],
    entities.map((e) => [
      e.connectionId,
      e.accountId,
      paint(e.state, toneOfState(e.state)),
      e.lastSyncTime ? `${e.lastSyncTime.toISOString()} (${formatAge(e.lastSyncTime, now)})` : '-',
      e.lastRun ? `${e.lastRun.id} ${e.lastRun.status} ${e.lastRun.mode} ${formatAge(e.lastRun.finishedAt, now)}` : '-',
      e.lastRun?.status === 'failed' ? truncate(`[${e.lastRun.errorClass ?? '?'}] ${e.lastRun.message ?? ''}`, 160) : '-',
    ]),
  );
  const verdict = bad === 0 ? paint(`entities: all ok (${entities.filter((e) => e.state === 'ok').length} account(s))`, 'good') : paint(`ATTENTION (exit 1): ${bad} account(s) with entity loads that need attention (ENTITIES)`, 'bad');
  return ['', table, '', verdict, ''].join('\n');
}

function summaryCounts(report: StatusReport): Record<string, number> {
  const counts: Record<string, number> = { targets: report.targets.length };
  for (const t of report.targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

function renderStatus(report: StatusReport, queue: QueueReading, msads: { api: string; reportTimeZone: string }, now: Date, paint: Paint): string {
  const state = (s: string) => paint(s, toneOfState(s));
  const { policy } = report;
  const connections = renderTable(
    ['CONNECTION', 'HEALTH', 'SINCE', 'STATE', 'ACCOUNTS', 'LAST DISCOVERY', 'REASON'],
    report.connections.map((c) => [
      c.connectionId,
      c.health === 'ok' ? state('ok') : state('NEEDS REAUTH'),
      c.healthSince ? c.healthSince.toISOString() : '-',
      c.state === 'paused' ? paint(`paused ${formatAge(c.pausedAt, now)}`, 'warn') : state(c.state),
      String(c.accounts),
      formatAge(c.lastDiscoveryAt, now),
      truncate((c.state === 'paused' ? c.pausedReason : null) ?? c.healthReason ?? c.lastDiscoveryError ?? '-', 120),
    ]),
  );
  const targets = renderTable(
    ['CONNECTION', 'ACCOUNT', 'NAME', 'REPORT', 'LAST OK WINDOW', 'LOADED', 'FRESHNESS', 'STATE', 'PROVISIONAL', 'API', 'IN FLIGHT', 'LAST FAILURE'],
    report.targets.map((t) => [
      t.connectionId,
      t.accountId,
      truncate(t.accountName ?? '-', 30),
      `${t.report} ${slug(t.aggregation)}`,
      t.lastOk ? `${t.lastOk.from}..${t.lastOk.to}` : '-',
      formatAge(t.lastOk?.finishedAt, now),
      t.behindDays === null ? '-' : t.behindDays === 0 ? 'up to date' : paint(`${t.behindDays}d behind`, t.problems.includes('BEHIND') ? 'bad' : 'warn'),
      state(t.state),
      provisionalCell(t),
      t.api ?? '-',
      t.inFlight > 0 ? paint(String(t.inFlight), 'warn') : '-',
      t.lastFailure
        ? truncate(`${t.lastFailure.from}..${t.lastFailure.to} ${formatAge(t.lastFailure.finishedAt, now)}: [${t.lastFailure.errorClass ?? '?'}] ${t.lastFailure.message ?? ''}`, 160)
        : '-',
    ]),
  );
  const inFlight = Object.entries(report.inFlight);
  const inFlightTotal = inFlight.reduce((n, [, c]) => n + c, 0);
  return [
    `Today ${report.today} (${msads.reportTimeZone}); Microsoft API: ${msads.api} (MSADS_API)`,
    `BEHIND: last loaded day more than ${policy.freshnessMaxLagDays} day(s) before yesterday (FRESHNESS_MAX_LAG_DAYS); PROVISIONAL_EXPIRED: last day before ${policy.provisionalExpiresBefore} (LOOKBACK_DAYS ${policy.lookbackDays})`,
    '',
    connections,
    '',
    targets,
    '',
    describeQueue(queue),
    inFlightTotal === 0 ? 'in flight (ledger): none' : `in flight (ledger): ${inFlightTotal} run(s): ${inFlight.map(([s, n]) => `${n} ${s}`).join(', ')}`,
    ...(report.unscheduledTargets > 0 ? [`not shown: ${report.unscheduledTargets} ledger target(s) no longer planned (report not in REPORTS, account removed or filtered out)`] : []),
    provisionalLine(report.targets),
    verdictLine(report, paint),
    '',
  ].join('\n');
}

/** "2026-03-14" for one window, "2026-03-10 +1" when more: the earliest last day that may still change. */
function provisionalCell(t: StatusTarget): string {
  const p = t.provisional;
  if (!p) return '-';
  return p.windows > 1 ? `${p.firstDay} +${p.windows - 1}` : p.firstDay;
}

function provisionalLine(targets: readonly StatusTarget[]): string {
  const rows = targets.filter((t) => t.provisional !== null);
  if (rows.length === 0) return 'provisional: none';
  const windows = rows.reduce((n, r) => n + (r.provisional?.windows ?? 0), 0);
  const first = rows.map((r) => r.provisional?.firstDay ?? '9999-12-31').reduce((a, b) => (a <= b ? a : b));
  return `provisional: ${rows.length} report target(s) with ${windows} window(s) Microsoft may still change (earliest last day ${first}); the nightly tick re-pulls them first`;
}

/** The last line: why the exit code is what it is. */
function verdictLine(report: StatusReport, paint: Paint): string {
  const bad = report.targets.filter((t) => t.state !== 'ok' && t.state !== 'paused');
  const badConnections = report.connections.filter((c) => c.state !== 'ok' && c.state !== 'paused');
  const paused = report.targets.filter((t) => t.state === 'paused').length;
  const pausedNote = paused > 0 ? `; ${paused} target(s) of paused connections not counted` : '';
  if (report.targets.length === 0) {
    return paint('ATTENTION (exit 1): no report target: no connection has a discovered account the account filters keep, so nothing is loaded (`msads-etl connections --refresh`, `msads-etl scheduler --tick-now`)', 'bad');
  }
  if (bad.length === 0 && badConnections.length === 0) return paint(`all ok: ${report.targets.length - paused} report target(s) loaded and fresh${pausedNote}`, 'good');
  const byState = new Map<string, number>();
  for (const t of bad) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
  const parts = [`${bad.length} of ${report.targets.length} report target(s) need attention${bad.length > 0 ? ` (${[...byState].map(([s, n]) => `${n} ${s}`).join(', ')})` : ''}`];
  if (badConnections.length > 0) parts.push(`connection(s) ${badConnections.map((c) => `${c.connectionId} ${c.state}`).join(', ')}`);
  return paint(`ATTENTION (exit 1): ${parts.join('; ')}${pausedNote}`, 'bad');
}
