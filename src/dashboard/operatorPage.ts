import type { OperatorConnection, OperatorTarget, RunFailure } from '../db/operatorQueries.js';
import type { ProvisionalRun } from '../db/provisional.js';
import { aggregationSlug, aggregations, parseAggregation } from '../reports/aggregations.js';
import { badge, formatCount, formatTime, href, html, type Html } from './html.js';

/**
 * The operator page's overview (`/`): connections with their health, pause state and accounts; then
 * every account × report × aggregation with its freshness, last good window, provisional windows and
 * last failure (reason and TrackingId), failing ones first; then the backfill form. Pure: data in,
 * markup out.
 */

export interface PageLinks {
  /** The job's page in Bull Board. */
  job(jobId: string): string;
}

export interface OverviewData {
  connections: readonly OperatorConnection[];
  targets: readonly OperatorTarget[];
  provisional: readonly ProvisionalRun[];
  /** Enabled reports (REPORTS): a target of them with no run yet is shown as never loaded. */
  enabled: readonly { report: string; aggregation: string }[];
  /** Report names offered by the backfill form (built-in and custom). */
  reportNames: readonly string[];
  maxLagDays: number;
  today: string;
  links: PageLinks;
}

export type TargetState = 'failing' | 'never_loaded' | 'behind' | 'ok';

export interface TargetRow {
  connectionId: string;
  accountId: string;
  accountName: string | null;
  report: string;
  aggregation: string;
  state: TargetState;
  target: OperatorTarget | null;
  provisional: ProvisionalRun[];
}

/** Ledger targets plus the enabled targets of every current account that have no run yet. */
export function targetRows(data: Pick<OverviewData, 'connections' | 'targets' | 'provisional' | 'enabled' | 'maxLagDays'>): TargetRow[] {
  const key = (c: string, a: string, r: string, g: string) => `${c}|${a}|${r}|${g}`;
  const names = new Map<string, string | null>();
  for (const c of data.connections) for (const a of c.accounts) names.set(`${c.connectionId}|${a.accountId}`, a.accountName);
  const provisional = new Map<string, ProvisionalRun[]>();
  for (const p of data.provisional) {
    const k = key(p.connectionId, p.accountId, p.report, p.aggregation);
    provisional.set(k, [...(provisional.get(k) ?? []), p]);
  }
  const rows: TargetRow[] = data.targets.map((t) => ({
    connectionId: t.connectionId,
    accountId: t.accountId,
    accountName: names.get(`${t.connectionId}|${t.accountId}`) ?? null,
    report: t.report,
    aggregation: t.aggregation,
    state: stateOf(t, data.maxLagDays),
    target: t,
    provisional: provisional.get(key(t.connectionId, t.accountId, t.report, t.aggregation)) ?? [],
  }));
  const seen = new Set(rows.map((r) => key(r.connectionId, r.accountId, r.report, r.aggregation)));
  for (const c of data.connections) {
    for (const a of c.accounts) {
      if (a.removedAt) continue;
      for (const e of data.enabled) {
        if (seen.has(key(c.connectionId, a.accountId, e.report, e.aggregation))) continue;
        rows.push({ connectionId: c.connectionId, accountId: a.accountId, accountName: a.accountName, report: e.report, aggregation: e.aggregation, state: 'never_loaded', target: null, provisional: [] });
      }
    }
  }
  const order: Record<TargetState, number> = { failing: 0, never_loaded: 1, behind: 2, ok: 3 };
  return rows.sort((x, y) => order[x.state] - order[y.state] || key(x.connectionId, x.accountId, x.report, x.aggregation).localeCompare(key(y.connectionId, y.accountId, y.report, y.aggregation)));
}

function stateOf(t: OperatorTarget, maxLagDays: number): TargetState {
  if (t.latestFinishedStatus === 'failed') return 'failing';
  if (!t.lastGood) return 'never_loaded';
  if (t.daysBehind !== null && t.daysBehind > maxLagDays) return 'behind';
  return 'ok';
}

/** daily, weekly_starting_monday … as the CLI spells them; an unknown value as it is. */
export function aggregationText(aggregation: string): string {
  const a = parseAggregation(aggregation);
  return a ? aggregationSlug(a) : aggregation;
}

const STATE_TEXT: Record<TargetState, string> = { failing: 'failing', never_loaded: 'never loaded', behind: 'behind', ok: 'ok' };
const STATE_BADGE: Record<TargetState, string> = { failing: 'failed', never_loaded: 'paused', behind: 'behind', ok: 'ok' };

export function renderOverview(data: OverviewData): Html {
  const rows = targetRows(data);
  const count = (s: TargetState) => rows.filter((r) => r.state === s).length;
  const reauth = data.connections.filter((c) => c.health !== 'ok').length;
  const paused = data.connections.filter((c) => c.pausedAt).length;
  return html`<h1>Overview</h1>
<p>${data.connections.length} connection(s)${reauth ? html`, <strong>${reauth} need re-authorization</strong>` : ''}${paused ? `, ${paused} paused` : ''}.
${rows.length} target(s): <a href="#targets">${count('failing')} failing</a>, ${count('never_loaded')} never loaded, ${count('behind')} more than ${data.maxLagDays} day(s) behind, ${count('ok')} ok.
<a href="${href('/runs', { status: 'failed' })}">Failed runs</a></p>
<h2>Connections</h2>
${data.connections.length === 0 ? html`<p class="muted">No connection in the ledger yet: the scheduler or a backfill records them.</p>` : data.connections.map(renderConnection)}
<h2 id="targets">Accounts × reports</h2>
${renderTargets(rows, data)}
<h2 id="backfill">Backfill a range</h2>
${renderBackfillForm(data)}`;
}

function renderConnection(c: OperatorConnection): Html {
  const path = `/connections/${encodeURIComponent(c.connectionId)}`;
  const pause = c.pausedAt
    ? html`<form class="inline" method="post" action="${path}/resume"><button type="submit">Resume</button></form>`
    : html`<form class="inline" method="post" action="${path}/pause"><input name="reason" placeholder="reason (optional)" maxlength="500" aria-label="pause reason for ${c.connectionId}"> <button type="submit">Pause</button></form>`;
  return html`<details open><summary>${c.connectionId} ${badge(c.health)} ${c.pausedAt ? badge('paused') : ''}
 <span class="muted">${c.accounts.filter((a) => !a.removedAt).length} account(s)</span></summary>
<table><tbody>
<tr><th>Health</th><td>${badge(c.health)} ${c.healthReason ?? ''} ${c.healthSince ? html`<span class="muted">since ${formatTime(c.healthSince)}</span>` : ''}</td></tr>
<tr><th>Paused</th><td>${c.pausedAt ? html`${badge('paused', `paused since ${formatTime(c.pausedAt)}`)} ${c.pausedReason ?? ''} <span class="muted">(the scheduler plans nothing for it)</span>` : 'no'} ${pause}</td></tr>
<tr><th>Discovery</th><td>${formatTime(c.lastDiscoveryAt)} ${c.lastDiscoveryError ? html`<span class="badge failed">failed</span> <span class="msg">${c.lastDiscoveryError}</span>` : ''} <span class="muted">last listed by Nango ${formatTime(c.lastSeenAt)}</span></td></tr>
</tbody></table>
${c.accounts.length === 0
    ? html`<p class="muted">No account discovered.</p>`
    : html`<table><thead><tr><th>Account id</th><th>Number</th><th>Name</th><th>Currency</th><th>Access</th></tr></thead><tbody>
${c.accounts.map(
  (a) => html`<tr><td class="nowrap"><a href="${href('/runs', { connection: c.connectionId, account: a.accountId })}">${a.accountId}</a></td><td>${a.accountNumber ?? '–'}</td><td>${a.accountName ?? '–'}</td><td>${a.currencyCode ?? '–'}</td>
<td>${a.removedAt ? html`${badge('paused', 'removed')} <span class="muted">${formatTime(a.removedAt)}</span>` : html`${badge(a.access)} ${a.accessReason ?? ''}`}</td></tr>`,
)}</tbody></table>`}
</details>`;
}

function renderTargets(rows: readonly TargetRow[], data: OverviewData): Html {
  if (rows.length === 0) return html`<p class="muted">Nothing loaded or planned yet.</p>`;
  return html`<table><thead><tr><th>Connection</th><th>Account</th><th>Report</th><th>Agg.</th><th>State</th><th>Loaded through</th><th>Days behind</th><th>Last good window</th><th>Provisional</th><th>Last failure</th></tr></thead><tbody>
${rows.map((r) => {
  const t = r.target;
  const runs = href('/runs', { connection: r.connectionId, account: r.accountId, report: r.report, aggregation: r.aggregation });
  return html`<tr><td>${r.connectionId}</td><td class="nowrap"><a href="${runs}" title="run history">${r.accountName ?? r.accountId}</a><br><span class="muted">${r.accountId}</span></td><td>${r.report}</td><td>${aggregationText(r.aggregation)}</td>
<td>${badge(STATE_BADGE[r.state], STATE_TEXT[r.state])}${t && t.runsInFlight > 0 ? html`<br>${badge('pending', `${t.runsInFlight} in flight`)}` : ''}</td>
<td class="nowrap">${t?.loadedThrough ?? '–'}</td><td class="num">${t?.daysBehind ?? '–'}</td>
<td class="nowrap">${t?.lastGood ? html`<a href="/runs/${t.lastGood.runId}">${t.lastGood.from}..${t.lastGood.to}</a><br><span class="muted">${formatCount(t.lastGood.rows)} rows, ${formatTime(t.lastGood.finishedAt)}</span>` : '–'}</td>
<td class="nowrap">${r.provisional.length === 0 ? '–' : html`${badge('provisional', `${r.provisional.length} window(s)`)}${r.provisional.slice(0, 3).map((p) => html`<br><a href="/runs/${p.runId}">${p.from}..${p.to}</a>`)}${r.provisional.length > 3 ? html`<br>+${r.provisional.length - 3} more` : ''}`}</td>
<td>${t?.lastFailure ? renderFailure(t.lastFailure, r.state === 'failing', data.links) : '–'}</td></tr>`;
})}</tbody></table>`;
}

export function renderFailure(f: RunFailure, current: boolean, links: PageLinks): Html {
  return html`<div class="msg"><a href="/runs/${f.runId}">${f.from}..${f.to}</a> <span class="muted">${formatTime(f.finishedAt)}${current ? '' : ' (since loaded again)'}</span><br>
<strong>${f.errorClass ?? 'failed'}${f.errorName ? ` · ${f.errorName}` : ''}</strong>: ${f.errorMessage ?? ''}
${f.trackingId ? html`<br><span class="muted">TrackingId</span> <code>${f.trackingId}</code>` : ''}
${f.jobId ? html`<br><a href="${links.job(f.jobId)}">job in Bull Board</a>` : ''}
${current ? html`<form class="inline" method="post" action="/runs/${f.runId}/rerun"><input type="hidden" name="back" value="/#targets"> <button type="submit" class="primary">Re-run ${f.from}..${f.to}</button></form>` : ''}</div>`;
}

function renderBackfillForm(data: OverviewData): Html {
  const defaultFrom = data.today.slice(0, 8) + '01';
  return html`<form class="action" method="post" action="/actions/backfill">
<label>Connection<select name="connection" required>${data.connections.map((c) => html`<option value="${c.connectionId}">${c.connectionId}</option>`)}</select></label>
<label>Account id<input name="account" placeholder="all (account filters)" size="14" pattern="\\d{1,19}"></label>
<label>Report<select name="report"><option value="all">all enabled</option>${data.reportNames.map((n) => html`<option value="${n}">${n}</option>`)}</select></label>
<label>Aggregation<select name="aggregation"><option value="">default</option>${aggregations.map((a) => html`<option value="${aggregationSlug(a)}">${aggregationSlug(a)}</option>`)}</select></label>
<label>From<input type="date" name="from" required value="${defaultFrom}"></label>
<label>To<input type="date" name="to" required value="${data.today}"></label>
<label>Days per window<input name="windowDays" type="number" min="1" max="3660" placeholder="default" size="6"></label>
<button type="submit" class="primary">Backfill</button>
<span class="muted">Same planning as <code>msads-etl backfill --no-wait</code>, at backfill priority; accounts as last discovered.</span>
</form>`;
}
