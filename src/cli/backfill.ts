import { QueueEvents } from 'bullmq';
import type { Command } from 'commander';
import { accountFilter, createDiscovery, listWantedConnections, reportTimeZoneIanaOf } from '../app/discovery.js';
import { createRedis } from '../app/redis.js';
import { loadConfig, type Config } from '../config.js';
import type { DiscoveredAccount } from '../db/accounts.js';
import { createDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { filterAccounts } from '../discovery/filters.js';
import { refreshConnections } from '../discovery/refresh.js';
import { reportJobId, type ReportTarget } from '../jobs/reportJobData.js';
import { createReportQueue, enqueueReport, PRIORITY } from '../jobs/reportQueue.js';
import { aggregationSlug, aggregations, parseAggregation } from '../reports/aggregations.js';
import { createReportRegistry } from '../reports/registry.js';
import { todayIn } from '../schedule/dates.js';
import { enabledReports, plannedReport } from '../schedule/enabledReports.js';
import { planBackfill, type PlannedReport } from '../schedule/planner.js';
import { watchJobs, type JobOutcome } from './jobWatch.js';
import { cliLogger, UsageError } from './output.js';
import { createProgressView, describeProgress } from './progressView.js';
import { renderTable, truncate } from './table.js';

interface BackfillOptions {
  connection: string;
  account?: string[];
  report: string;
  aggregation?: string;
  from: string;
  to: string;
  windowDays?: string;
  wait: boolean;
}

/** Exit codes (helpTexts.ts): 0 every window loaded; 1 a window failed or a connection was skipped; 2 usage; 130 stopped waiting (Ctrl-C). */
export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description('load a date range for connections, accounts and reports, split into windows, at backfill priority; shows progress until all finish')
    .requiredOption('--connection <id>', 'a Nango connection id, or "all" (every connection of the integration, CONNECTION_IDS applied)')
    .option('--account <id...>', 'only these account ids (default: every discovered account the account filters keep)')
    .requiredOption('--report <name>', 'a report name (built-in or a custom report of REPORTS_FILE) or "all" (every enabled report, REPORTS)')
    .option('--aggregation <name>', `aggregation (${aggregations.map(aggregationSlug).join(', ')}); default daily for a named report, every enabled one for "all"`)
    .requiredOption('--from <YYYY-MM-DD>', 'first day')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (inclusive)')
    .option('--window-days <n>', 'days per report window (default 31 for daily, 7 for hourly)')
    .option('--no-wait', 'enqueue and exit without waiting')
    .action(async (options: BackfillOptions) => {
      process.exitCode = await backfill(loadConfig(), options);
    });
}

function resolveReports(config: Config, options: BackfillOptions): PlannedReport[] {
  const aggregation = options.aggregation === undefined ? undefined : parseAggregation(options.aggregation);
  if (options.aggregation !== undefined && aggregation === undefined) {
    throw new UsageError(`--aggregation "${options.aggregation}" is not one of ${aggregations.map(aggregationSlug).join(', ')}`);
  }
  const registry = createReportRegistry(config.customReports);
  if (options.report === 'all') {
    const enabled = enabledReports(config, registry).filter((r) => aggregation === undefined || r.aggregation === aggregation);
    if (enabled.length === 0) throw new UsageError(`no enabled report has the ${options.aggregation} aggregation (REPORTS)`);
    return enabled;
  }
  const report = registry.find(options.report);
  if (!report) throw new UsageError(`--report "${options.report}" is not one of ${registry.all().map((r) => r.name).join(', ')}, all`);
  const agg = aggregation ?? 'Daily';
  if (!report.aggregations.includes(agg)) {
    throw new UsageError(`report ${report.name} has no ${aggregationSlug(agg)} table (it has: ${report.aggregations.map(aggregationSlug).join(', ')})`);
  }
  return [plannedReport(registry, report.name, agg)];
}

async function backfill(config: Config, options: BackfillOptions): Promise<number> {
  const logger = cliLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const windowDays = options.windowDays === undefined ? undefined : Number(options.windowDays);
  if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 3_660)) {
    throw new UsageError(`--window-days "${options.windowDays}" is not a whole number of days between 1 and 3660`);
  }
  const planned = resolveReports(config, options);

  await ensureDatabase(config.databaseUrl);
  const database = createDatabase(config.databaseUrl, { max: 4, applicationName: 'msads-etl backfill' });
  const producer = createRedis(config.redisUrl, 'producer');
  const queue = createReportQueue(producer, config.queuePrefix, config.queues.reports);
  const eventsConnection = createRedis(config.redisUrl);
  const events = new QueueEvents(config.queues.reports, { connection: eventsConnection, prefix: config.queuePrefix });
  try {
    await runMigrations(database.pool);
    const { lister, discovery } = await createDiscovery(config, logger);
    const connectionIds = options.connection === 'all' ? await listWantedConnections(config, lister) : [options.connection];
    if (connectionIds.length === 0) throw new Error(`Nango lists no connection for integration "${config.nango.integrationId}"`);
    if (options.connection !== 'all' && !(await lister.listConnections()).some((c) => c.connectionId === options.connection)) {
      // A mistyped id must not be recorded as a connection needing re-authorization.
      throw new UsageError(`--connection ${options.connection}: Nango has no such connection in integration "${config.nango.integrationId}"`);
    }

    // Discovery first: it names each account's customer and tells a live connection from a dead one.
    const outcomes = await refreshConnections({ db: database.db, discovery }, connectionIds);
    let skipped = 0;
    const found: DiscoveredAccount[] = [];
    for (const o of outcomes) {
      if (o.status === 'needs_reauth') {
        skipped++;
        out(`${o.connectionId}: needs re-authorization, skipped: ${o.reason}`);
        continue;
      }
      if (o.status === 'discovery_failed') out(`${o.connectionId}: discovery failed (${truncate(o.reason, 200)}); using the ${o.accounts.length} accounts discovered before`);
      found.push(...o.accounts);
    }
    let accounts: DiscoveredAccount[];
    if (options.account && options.account.length > 0) {
      const wanted = new Set(options.account);
      accounts = found.filter((a) => wanted.has(a.accountId));
      const unknown = [...wanted].filter((id) => !accounts.some((a) => a.accountId === id));
      if (unknown.length > 0) throw new UsageError(`--account ${unknown.join(', ')}: not among the accounts of ${connectionIds.join(', ')}`);
    } else {
      accounts = filterAccounts(found, accountFilter(config)).kept;
    }

    const today = todayIn(reportTimeZoneIanaOf(config), new Date());
    const plan = planBackfill({
      today,
      from: options.from,
      to: options.to,
      ...(windowDays === undefined ? {} : { windowDays }),
      accounts: accounts.map((a) => ({ connectionId: a.connectionId, accountId: a.accountId, customerId: a.parentCustomerId })),
      reports: planned,
    });
    for (const w of plan.warnings) process.stderr.write(`warning: ${w.message}\n`);

    await events.waitUntilReady();
    // Listen for Ctrl-C before saying anything: a Ctrl-C right after the message only stops the waiting.
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    if (options.wait) process.once('SIGINT', onSigint);
    const counts = { added: 0, 'already-queued': 0, 're-added': 0 };
    for (const target of plan.jobs) {
      const { outcome } = await enqueueReport(queue, target, { attempts: config.worker.attempts, priority: PRIORITY.backfill });
      counts[outcome]++;
    }
    // Nothing loads without a worker: say so now rather than leave the progress bar standing still.
    const workers = plan.jobs.length === 0 ? null : await queue.getWorkersCount().catch(() => null);
    if (workers === 0) {
      process.stderr.write(
        `warning: no worker is consuming the queue ${config.queuePrefix}:${config.queues.reports}; the windows wait until one runs (\`msads-etl worker\`)${options.wait ? ', and this command waits with them (Ctrl-C stops the waiting, not the jobs)' : ''}\n`,
      );
    }
    out(
      `Enqueued ${plan.jobs.length} windows for ${new Set(plan.jobs.map((j) => `${j.connectionId}|${j.accountId}`)).size} accounts ` +
        `(${counts.added + counts['re-added']} new, ${counts['already-queued']} already waiting or running) at backfill priority.`,
    );
    if (!options.wait || plan.jobs.length === 0) {
      process.off('SIGINT', onSigint);
      out(exitReason({ failed: 0, skipped, interrupted: false, waited: false }));
      return skipped > 0 ? 1 : 0;
    }

    const startedAt = Date.now();
    const view = createProgressView(process.stderr, startedAt);
    let result;
    try {
      result = await watchJobs(queue, events, plan.jobs.map(reportJobId), { signal: abort.signal, onUpdate: (s) => view.update(s) });
    } finally {
      view.stop();
      process.off('SIGINT', onSigint);
    }
    out(summaryTable(plan.jobs, result.outcomes));
    const failed = [...result.outcomes.values()].filter((o) => o.state !== 'completed').length;
    if (result.interrupted) {
      const left = plan.jobs.length - result.outcomes.size;
      out(`Stopped waiting: ${left} windows are still queued or running in the workers (\`msads-etl status\` shows how they end).`);
      out(exitReason({ failed, skipped, interrupted: true, waited: true }));
      return 130;
    }
    const rows = [...result.outcomes.values()].reduce((n, o) => n + o.rows, 0);
    out(describeProgress({ total: plan.jobs.length, done: plan.jobs.length - failed, failed, rows }, Date.now() - startedAt));
    out(exitReason({ failed, skipped, interrupted: false, waited: true }));
    return failed > 0 || skipped > 0 ? 1 : 0;
  } finally {
    await events.close();
    eventsConnection.disconnect();
    await queue.close();
    producer.disconnect();
    await database.close();
  }
}

/** Per connection, account and report: windows done and failed, rows; then each failed window with its reason. */
function summaryTable(jobs: readonly ReportTarget[], outcomes: ReadonlyMap<string, JobOutcome>): string {
  const groups = new Map<string, { key: string[]; done: number; failed: number; pending: number; rows: number }>();
  const failures: string[][] = [];
  for (const job of jobs) {
    const key = [job.connectionId, job.accountId, job.report, aggregationSlug(job.aggregation)];
    const g = groups.get(key.join('|')) ?? { key, done: 0, failed: 0, pending: 0, rows: 0 };
    const o = outcomes.get(reportJobId(job));
    if (!o) g.pending++;
    else if (o.state === 'completed') g.done++;
    else {
      g.failed++;
      failures.push([job.connectionId, job.accountId, job.report, `${job.from}..${job.to}`, truncate(o.reason ?? o.state, 160)]);
    }
    g.rows += o?.rows ?? 0;
    groups.set(key.join('|'), g);
  }
  const table = renderTable(
    ['CONNECTION', 'ACCOUNT', 'REPORT', 'AGGREGATION', 'WINDOWS', 'DONE', 'FAILED', 'PENDING', 'ROWS'],
    [...groups.values()].map((g) => [...g.key, String(g.done + g.failed + g.pending), String(g.done), String(g.failed), String(g.pending), String(g.rows)]),
  );
  if (failures.length === 0) return `\n${table}`;
  return `\n${table}\n\nFailed windows:\n${renderTable(['CONNECTION', 'ACCOUNT', 'REPORT', 'WINDOW', 'REASON'], failures)}`;
}

/** The summary's last line: the exit code and every reason for it. */
export function exitReason(r: { failed: number; skipped: number; interrupted: boolean; waited: boolean }): string {
  if (r.interrupted) return 'exit 130: stopped waiting (Ctrl-C); the windows go on in the workers';
  const reasons = [
    ...(r.failed > 0 ? [`${r.failed} window(s) failed (listed above; \`msads-etl runs --status failed\` has each reason)`] : []),
    ...(r.skipped > 0 ? [`${r.skipped} connection(s) skipped: they need re-authorization in Nango`] : []),
  ];
  if (reasons.length > 0) return `exit 1: ${reasons.join('; ')}`;
  return r.waited ? 'exit 0: every window loaded' : 'exit 0: every window enqueued (not waited for; `msads-etl status` or `msads-etl runs` show how they end)';
}
