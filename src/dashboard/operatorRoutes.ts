import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import express, { type Request, type Response } from 'express';
import { listAccounts } from '../db/accounts.js';
import type { Db } from '../db/client.js';
import { getConnectionHealth } from '../db/connections.js';
import { pauseConnection, resumeConnection } from '../db/connectionPause.js';
import { getRunDetail, listOperatorConnections, listOperatorTargets, listRunFilterValues, listRuns, type RunFilter } from '../db/operatorQueries.js';
import { listProvisionalWindows } from '../db/provisional.js';
import { runStatuses, type RunStatus } from '../db/schema.js';
import { filterAccounts, type AccountFilter } from '../discovery/filters.js';
import { coerceError } from '../errors.js';
import { reportTargetSchema, type ReportTarget } from '../jobs/reportJobData.js';
import { enqueueReport, PRIORITY, type EnqueueResult } from '../jobs/reportQueue.js';
import type { Logger } from '../logger.js';
import { aggregationSlug, parseAggregation } from '../reports/aggregations.js';
import type { ReportRegistry } from '../reports/registry.js';
import { isIsoDay, todayIn } from '../schedule/dates.js';
import { plannedReport } from '../schedule/enabledReports.js';
import { planBackfill, type PlannedReport } from '../schedule/planner.js';
import { html, layout, type Page } from './html.js';
import { aggregationText, renderOverview, type PageLinks } from './operatorPage.js';
import { renderRunDetail, renderRunHistory } from './runHistoryPage.js';

/**
 * The operator page's routes, mounted by the ops server behind the dashboard's credentials and after
 * its Host and Origin checks (so every POST here is same-origin or not from a browser at all):
 * - GET  /                              overview (connections, accounts, targets, backfill form)
 * - GET  /runs                          run history; query: connection, account, report, aggregation,
 *                                       status, date=window|finished, from, to, page
 * - GET  /runs/:id                      one run and its attempts
 * - POST /runs/:id/rerun                enqueue that run's window again (manual priority)
 * - POST /actions/backfill              plan and enqueue a range, as `msads-etl backfill --no-wait`
 * - POST /connections/:id/pause|resume  the scheduler skips a paused connection
 * Every POST answers 303 back to the page with a flash message (kept server-side, shown once).
 */

export interface OperatorDeps {
  db: Db;
  reportQueue: Queue;
  /** JOB_ATTEMPTS for enqueued jobs. */
  attempts: number;
  registry: ReportRegistry;
  /** REPORTS: what "all" means for a backfill, and the targets shown as never loaded. */
  enabled: readonly PlannedReport[];
  accountFilter: AccountFilter;
  /** IANA zone of the report time zone: "today" for planning. */
  timeZone: string;
  /** FRESHNESS_MAX_LAG_DAYS: a target further behind is shown as behind. */
  maxLagDays: number;
  logger: Logger;
  now: () => Date;
}

const PAGE_SIZE = 50;
const ENQUEUE_TIMEOUT_MS = 10_000;
const FLASH_TTL_MS = 5 * 60_000;
const FLASH_MAX = 500;

/** No script, no foreign resources, forms only to this server, never framed. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function createOperatorRouter(deps: OperatorDeps, board: { path: string }): express.Router {
  const router = express.Router();
  const log = deps.logger.child({ component: 'operator-page' });
  const links: PageLinks = { job: (jobId) => `${board.path}/queue/${encodeURIComponent(deps.reportQueue.name)}/${encodeURIComponent(jobId)}` };
  const flashes = createFlashStore();
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));

  const send = (req: Request, res: Response, page: Omit<Page, 'boardPath' | 'flash'>, status = 200) => {
    res.status(status).set({ 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' });
    res.type('html').send(layout({ ...page, boardPath: board.path, flash: flashes.take(req.query['flash']) }));
  };
  // The ledger unreadable (Postgres away): say so, never the SQL or the driver's text.
  const failed = (req: Request, res: Response, current: Page['current'], err: unknown) => {
    log.warn({ err: coerceError(err), path: req.path }, 'operator page could not read the ledger');
    send(req, res, { title: 'Unavailable', current, body: html`<h1>Unavailable</h1><p>The run ledger (Postgres) did not answer; /readyz says which dependency is down. Reload in a moment.</p>` }, 503);
  };
  const back = (res: Response, to: string, text: string, error = false) => {
    const id = flashes.put(text, error);
    const [path, hash] = to.split('#', 2);
    res.redirect(303, `${path}${path?.includes('?') ? '&' : '?'}flash=${id}${hash ? `#${hash}` : ''}`);
  };

  router.get('/', async (req, res) => {
    try {
      const [connections, targets, provisional] = await Promise.all([listOperatorConnections(deps.db), listOperatorTargets(deps.db), listProvisionalWindows(deps.db)]);
      const body = renderOverview({
        connections,
        targets,
        provisional,
        enabled: deps.enabled,
        reportNames: deps.registry.all().map((r) => r.name),
        maxLagDays: deps.maxLagDays,
        today: todayIn(deps.timeZone, deps.now()),
        links,
      });
      send(req, res, { title: 'Overview', current: 'overview', body });
    } catch (err) {
      failed(req, res, 'overview', err);
    }
  });

  router.get('/runs', async (req, res) => {
    const filter = parseRunFilter(req.query);
    const page = Math.max(1, Math.min(100_000, Number.parseInt(String(req.query['page'] ?? '1'), 10) || 1));
    try {
      const [{ runs, total }, values] = await Promise.all([listRuns(deps.db, filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }), listRunFilterValues(deps.db)]);
      send(req, res, { title: 'Run history', current: 'runs', body: renderRunHistory({ filter, page, pageSize: PAGE_SIZE, total, runs, connections: values.connections, reports: values.reports, links }) });
    } catch (err) {
      failed(req, res, 'runs', err);
    }
  });

  router.get('/runs/:id', async (req, res) => {
    const id = runIdOf(req.params['id']);
    try {
      const detail = id === undefined ? undefined : await getRunDetail(deps.db, id);
      if (!detail) return send(req, res, { title: 'Not found', current: 'runs', body: html`<h1>No run ${req.params['id']}</h1><p><a href="/runs">Run history</a></p>` }, 404);
      send(req, res, { title: `Run #${detail.run.id}`, current: 'runs', body: renderRunDetail(detail.run, detail.attempts, links) });
    } catch (err) {
      failed(req, res, 'runs', err);
    }
  });

  router.post('/runs/:id/rerun', async (req, res) => {
    const to = backPath(req.body?.back, `/runs/${encodeURIComponent(String(req.params['id']))}`);
    try {
      const id = runIdOf(req.params['id']);
      const detail = id === undefined ? undefined : await getRunDetail(deps.db, id);
      if (!detail) return back(res, '/runs', `No run ${req.params['id']}: nothing enqueued.`, true);
      const r = detail.run;
      const parsed = reportTargetSchema.safeParse({ connectionId: r.connectionId, customerId: r.customerId, accountId: r.accountId, report: r.report, aggregation: r.aggregation, from: r.from, to: r.to });
      if (!parsed.success) return back(res, to, `Run #${r.id} does not name a window a job can load: ${parsed.error.issues.map((i) => i.message).join('; ')}`, true);
      const result = await withTimeout(enqueueReport(deps.reportQueue, parsed.data, { attempts: deps.attempts, priority: PRIORITY.manual }));
      log.info({ action: 'rerun', runId: r.id, jobId: result.jobId, outcome: result.outcome }, 'operator re-ran a window');
      const what = `${r.connectionId} / ${r.accountId} / ${r.report} ${aggregationText(r.aggregation)} ${r.from}..${r.to}`;
      const note = await connectionNote(deps.db, r.connectionId);
      back(res, to, result.outcome === 'already-queued' ? `${what} is already waiting or running (job ${result.jobId}); nothing added.` : `Re-run of ${what} enqueued as job ${result.jobId}.${note}`);
    } catch (err) {
      log.warn({ err: coerceError(err), action: 'rerun' }, 'operator re-run failed');
      back(res, to, `Could not enqueue: ${actionError(err)}`, true);
    }
  });

  router.post('/actions/backfill', async (req, res) => {
    try {
      const text = await backfill(deps, formOf(req.body));
      back(res, '/', text);
    } catch (err) {
      log.warn({ err: coerceError(err), action: 'backfill' }, 'operator backfill refused');
      back(res, '/#backfill', `Backfill not enqueued: ${actionError(err)}`, true);
    }
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/connections/:id/${action}`, async (req, res) => {
      const connectionId = String(req.params['id']);
      try {
        const reason = typeof req.body?.reason === 'string' ? req.body.reason : null;
        const found = action === 'pause' ? await pauseConnection(deps.db, connectionId, reason) : await resumeConnection(deps.db, connectionId);
        if (!found) return back(res, '/', `No connection ${connectionId} in the ledger.`, true);
        log.info({ action, connectionId, reason }, `operator ${action}d a connection`);
        back(res, '/', action === 'pause' ? `${connectionId} paused: the scheduler plans nothing for it until it is resumed (queued runs finish).` : `${connectionId} resumed: the next tick plans it again.`);
      } catch (err) {
        log.warn({ err: coerceError(err), action, connectionId }, 'operator action failed');
        back(res, '/', `Could not ${action} ${connectionId}: ${actionError(err)}`, true);
      }
    });
  }
  return router;
}

function runIdOf(value: unknown): number | undefined {
  const text = String(value ?? '');
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** Where a form may send the browser back to: a path of this server only (never //host or a URL). */
export function backPath(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s\\]*$/.test(value) && value.length < 500 ? value : fallback;
}

const single = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export function parseRunFilter(q: Record<string, unknown>): RunFilter {
  const status = single(q['status']);
  const aggregation = single(q['aggregation']);
  const day = (v: unknown) => {
    const d = single(v);
    return d && isIsoDay(d) ? d : undefined;
  };
  return {
    connection: single(q['connection']),
    account: single(q['account']),
    report: single(q['report']),
    aggregation: aggregation ? (parseAggregation(aggregation) ?? aggregation) : undefined,
    status: status && (runStatuses as readonly string[]).includes(status) ? (status as RunStatus) : undefined,
    from: day(q['from']),
    to: day(q['to']),
    dateField: single(q['date']) === 'finished' ? 'finished' : 'window',
  };
}

function formOf(body: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) out[k] = single(v);
  return out;
}

/** The reports of a backfill request, as `msads-etl backfill --report/--aggregation` reads them. */
function backfillReports(deps: OperatorDeps, report: string, aggregationName: string | undefined): PlannedReport[] {
  const aggregation = aggregationName === undefined ? undefined : parseAggregation(aggregationName);
  if (aggregationName !== undefined && aggregation === undefined) throw new UserError(`aggregation "${aggregationName}" is not known`);
  if (report === 'all') {
    const enabled = deps.enabled.filter((r) => aggregation === undefined || r.aggregation === aggregation);
    if (enabled.length === 0) throw new UserError(`no enabled report has the ${aggregationName} aggregation (REPORTS)`);
    return [...enabled];
  }
  const def = deps.registry.find(report);
  if (!def) throw new UserError(`report "${report}" is not a built-in or configured custom report`);
  const agg = aggregation ?? 'Daily';
  if (!def.aggregations.includes(agg)) throw new UserError(`report ${def.name} has no ${aggregationSlug(agg)} table (it has: ${def.aggregations.map(aggregationSlug).join(', ')})`);
  return [plannedReport(deps.registry, def.name, agg)];
}

/** Plans with the backfill planner over the accounts last discovered, enqueues, and says what happened. */
async function backfill(deps: OperatorDeps, form: Record<string, string | undefined>): Promise<string> {
  const connectionId = form['connection'];
  if (!connectionId) throw new UserError('choose a connection');
  if (!(await getConnectionHealth(deps.db, connectionId))) throw new UserError(`no connection ${connectionId} in the ledger`);
  const reports = backfillReports(deps, form['report'] ?? 'all', form['aggregation']);
  const windowDays = form['windowDays'] === undefined ? undefined : Number(form['windowDays']);
  if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 3_660)) throw new UserError(`days per window "${form['windowDays']}" is not a whole number between 1 and 3660`);
  const found = await listAccounts(deps.db, { connectionId });
  const account = form['account'];
  const accounts = account === undefined ? filterAccounts(found, deps.accountFilter).kept : found.filter((a) => a.accountId === account);
  if (account !== undefined && accounts.length === 0) throw new UserError(`account ${account} is not among the accounts discovered for ${connectionId}`);
  if (accounts.length === 0) throw new UserError(`${connectionId} has no account to load (none discovered, or the account filters keep none)`);
  let plan: ReturnType<typeof planBackfill>;
  try {
    plan = planBackfill({
      today: todayIn(deps.timeZone, deps.now()),
      from: form['from'] ?? '',
      to: form['to'] ?? '',
      ...(windowDays === undefined ? {} : { windowDays }),
      accounts: accounts.map((a) => ({ connectionId: a.connectionId, accountId: a.accountId, customerId: a.parentCustomerId })),
      reports,
    });
  } catch (err) {
    // The planner's messages name the CLI's options (--from); the form's fields have the same names.
    throw new UserError(coerceError(err).message.replaceAll('--', ''));
  }
  const counts: Record<EnqueueResult['outcome'], number> = { added: 0, 'already-queued': 0, 're-added': 0 };
  for (const target of plan.jobs as ReportTarget[]) {
    const { outcome } = await withTimeout(enqueueReport(deps.reportQueue, target, { attempts: deps.attempts, priority: PRIORITY.backfill }));
    counts[outcome]++;
  }
  deps.logger.info({ action: 'backfill', connectionId, jobs: plan.jobs.length, ...counts }, 'operator enqueued a backfill');
  const warnings = plan.warnings.map((w) => `\nwarning: ${w.message}`).join('');
  return (
    `Backfill of ${connectionId}: enqueued ${plan.jobs.length} window(s) for ${accounts.length} account(s) ` +
    `(${counts.added + counts['re-added']} new, ${counts['already-queued']} already waiting or running) at backfill priority.` +
    (await connectionNote(deps.db, connectionId)) +
    warnings
  );
}

/** What an operator should know about enqueueing for this connection now. */
async function connectionNote(db: Db, connectionId: string): Promise<string> {
  const health = await getConnectionHealth(db, connectionId);
  if (health?.health === 'needs_reauth') return ` Note: ${connectionId} needs re-authorization; its jobs fail fast until it is re-connected in Nango.`;
  return '';
}

/** A refusal to show the operator as it is (their input was wrong), unlike an internal failure. */
class UserError extends Error {
  override name = 'UserError';
}

/** The message shown for a failed action: the operator's mistake as it is, anything else in general terms. */
function actionError(err: unknown): string {
  const e = coerceError(err);
  if (e instanceof UserError) return e.message;
  if (e.message.startsWith('enqueue timed out')) return e.message;
  return 'the queue or the ledger did not answer (see the dashboard log and /readyz).';
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue timed out: Redis did not answer within ${ENQUEUE_TIMEOUT_MS / 1_000} s (the job may still be added once it is back)`)), ENQUEUE_TIMEOUT_MS);
    }),
  ]);
}

/** One-shot messages for the page a POST redirects to, by a random id (no text in the URL to forge). */
function createFlashStore() {
  const store = new Map<string, { text: string; error: boolean; expires: number }>();
  return {
    put(text: string, error: boolean): string {
      const now = Date.now();
      for (const [k, v] of store) if (v.expires < now || store.size >= FLASH_MAX) store.delete(k);
      const id = randomBytes(9).toString('base64url');
      store.set(id, { text, error, expires: now + FLASH_TTL_MS });
      return id;
    },
    take(id: unknown): { text: string; error: boolean } | undefined {
      if (typeof id !== 'string') return undefined;
      const f = store.get(id);
      store.delete(id);
      return f && f.expires >= Date.now() ? { text: f.text, error: f.error } : undefined;
    },
  };
}
