import { Option, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { connectionKnown, listRunHistory, type RunHistoryFilter } from '../db/runHistory.js';
import { runStatuses, type RunStatus } from '../db/schema.js';
import { aggregationSlug, aggregations, parseAggregation } from '../reports/aggregations.js';
import { addDays, isIsoDay } from '../schedule/dates.js';
import { stdoutPaint, toneOfState } from './colour.js';
import { UsageError } from './output.js';
import { formatAge, formatDuration, renderTable, truncate } from './table.js';

/** `runs`: the run history of the ledger (report_runs and their attempts), newest first, filtered. */

interface RunsOptions {
  connection?: string;
  account?: string;
  report?: string;
  aggregation?: string;
  status?: string;
  since?: string;
  until?: string;
  limit: string;
  attempts?: boolean;
  json?: boolean;
}

const STATUS_CHOICES = [...runStatuses, 'unfinished'] as const;

export const RUNS_HELP = `
--since and --until are days (YYYY-MM-DD, UTC, both inclusive) or ISO instants, compared with when a run
was created. --status unfinished means any of submitting, waiting, pending, loading, retrying.

Exit codes:
  0  the runs were listed (none matching is not an error)
  1  the ledger cannot be read (Postgres unreachable)
  2  usage error (unknown option or --connection, bad date, status or limit)

Examples:
  $ msads-etl runs
  $ msads-etl runs --status failed --since 2026-03-01 --attempts
  $ msads-etl runs --connection acme-prod --account 150123456 --report campaign_performance --limit 20
  $ msads-etl runs --status failed --json | jq '.runs[] | {id, errorClass, errorMessage, trackingId}'
`;

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('run history from the ledger: every run with its status, rows, bytes, polls, duration, API and error; newest first')
    .option('--connection <id>', 'only this connection')
    .option('--account <id>', 'only this account id')
    .option('--report <name>', 'only this report (e.g. campaign_performance)')
    .option('--aggregation <name>', `only this aggregation (${aggregations.map(aggregationSlug).join(', ')})`)
    .addOption(new Option('--status <status>', 'only runs in this status').choices(STATUS_CHOICES))
    .option('--since <date>', 'runs created on or after this day (YYYY-MM-DD, UTC) or instant (ISO 8601)')
    .option('--until <date>', 'runs created on or before this day (inclusive) or before this instant')
    .option('--limit <n>', 'at most this many runs (1–10000)', '50')
    .option('--attempts', 'list each run’s attempts under it (always in --json)')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', RUNS_HELP)
    .action(async (options: RunsOptions) => {
      const filter = runFilter(options);
      const config = loadConfig();
      await ensureDatabase(config.databaseUrl);
      const database = createDatabase(config.databaseUrl, { max: 2, applicationName: 'msads-etl runs' });
      try {
        await runMigrations(database.pool);
        if (filter.connectionId !== undefined && !(await connectionKnown(database.db, filter.connectionId))) {
          throw new UsageError(`--connection ${filter.connectionId}: no such connection in the ledger`);
        }
        const runs = await listRunHistory(database.db, filter);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ filter, count: runs.length, runs }, null, 2)}\n`);
          return;
        }
        if (runs.length === 0) {
          process.stdout.write('no runs match\n');
          return;
        }
        const paint = stdoutPaint();
        const now = new Date();
        const rows: string[][] = [];
        for (const r of runs) {
          rows.push([
            String(r.id),
            r.createdAt.toISOString().slice(0, 19).replace('T', ' '),
            r.connectionId,
            r.accountId,
            `${r.report} ${slugOf(r.aggregation)}`,
            `${r.from}..${r.to}`,
            paint(r.status, toneOfState(r.status)),
            String(r.attempts.length),
            r.rows === null ? '-' : String(r.rows),
            r.bytes === null ? '-' : String(r.bytes),
            String(r.polls),
            formatDuration(r.durationMs),
            r.api,
            r.errorClass || r.errorMessage ? truncate(`[${r.errorClass ?? '?'}${r.errorCode === null ? '' : ` ${r.errorCode}`}] ${r.errorMessage ?? ''}${r.trackingId ? ` (TrackingId ${r.trackingId})` : ''}`, 140) : '-',
          ]);
          if (options.attempts) {
            for (const a of r.attempts) {
              const outcome = a.outcome ?? 'running';
              rows.push([
                '',
                `  attempt ${a.attempt}`,
                formatAge(a.startedAt, now),
                '',
                '',
                '',
                paint(outcome, toneOfState(outcome)),
                '',
                a.rows === null ? '-' : String(a.rows),
                '',
                '',
                a.endedAt ? formatDuration(a.endedAt.getTime() - a.startedAt.getTime()) : '-',
                '',
                a.errorClass || a.errorMessage ? truncate(`[${a.errorClass ?? '?'}] ${a.errorMessage ?? ''}${a.trackingId ? ` (TrackingId ${a.trackingId})` : ''}`, 140) : '-',
              ]);
            }
          }
        }
        process.stdout.write(
          `${renderTable(['RUN', 'CREATED (UTC)', 'CONNECTION', 'ACCOUNT', 'REPORT', 'WINDOW', 'STATUS', 'ATTEMPTS', 'ROWS', 'BYTES', 'POLLS', 'DURATION', 'API', 'ERROR'], rows)}\n` +
            `${runs.length} run(s)${runs.length === filter.limit ? ` (the newest ${filter.limit}; --limit shows more)` : ''}\n`,
        );
      } finally {
        await database.close();
      }
    });
}

const slugOf = (aggregation: string) => {
  const parsed = parseAggregation(aggregation);
  return parsed ? aggregationSlug(parsed) : aggregation;
};

/** Turns the options into a ledger filter; every bad value is a UsageError naming its option. */
export function runFilter(options: RunsOptions): RunHistoryFilter {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError(`--limit "${options.limit}" is not a whole number between 1 and 10000`);
  if (options.account !== undefined && !/^\d{1,19}$/.test(options.account)) throw new UsageError(`--account "${options.account}" is not a numeric account id`);
  let aggregation: string | undefined;
  if (options.aggregation !== undefined) {
    aggregation = parseAggregation(options.aggregation);
    if (aggregation === undefined) throw new UsageError(`--aggregation "${options.aggregation}" is not one of ${aggregations.map(aggregationSlug).join(', ')}`);
  }
  const since = options.since === undefined ? undefined : instantOf('--since', options.since, false);
  const until = options.until === undefined ? undefined : instantOf('--until', options.until, true);
  if (since && until && since >= until) throw new UsageError(`--since ${options.since} is not before --until ${options.until}`);
  return {
    connectionId: options.connection,
    accountId: options.account,
    report: options.report,
    aggregation,
    status: options.status as RunStatus | 'unfinished' | undefined,
    since,
    until,
    limit,
  };
}

/** A day is its UTC midnight (for --until, the next one, so the day is included); an instant is itself. */
function instantOf(flag: string, value: string, endOfDay: boolean): Date {
  if (isIsoDay(value)) return new Date(`${endOfDay ? addDays(value, 1) : value}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw new UsageError(`${flag} "${value}" is not a day (YYYY-MM-DD) or an ISO 8601 instant`);
}
