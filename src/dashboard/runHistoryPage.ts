import type { RunAttempt, RunFilter, RunListItem } from '../db/operatorQueries.js';
import { runStatuses } from '../db/schema.js';
import { aggregationSlug, aggregations } from '../reports/aggregations.js';
import { badge, formatBytes, formatCount, formatDuration, formatTime, href, html, type Html } from './html.js';
import { aggregationText, type PageLinks } from './operatorPage.js';

/**
 * The run history (`/runs`, newest first, filtered by query parameters, paginated) and one run with
 * every attempt (`/runs/:id`). Each run links to its job in Bull Board and a finished one can be
 * re-run from here. Pure: data in, markup out.
 */

export interface RunHistoryData {
  filter: RunFilter;
  page: number;
  pageSize: number;
  total: number;
  runs: readonly RunListItem[];
  connections: readonly string[];
  reports: readonly string[];
  links: PageLinks;
}

/** The filter as query parameters (what the form submits and the pager repeats). */
export function filterQuery(f: RunFilter): Record<string, string | undefined> {
  return {
    connection: f.connection,
    account: f.account,
    report: f.report,
    aggregation: f.aggregation ? aggregationText(f.aggregation) : undefined,
    status: f.status,
    date: f.dateField === 'finished' ? 'finished' : undefined,
    from: f.from,
    to: f.to,
  };
}

const option = (value: string, label: string, selected: boolean) =>
  selected ? html`<option value="${value}" selected>${label}</option>` : html`<option value="${value}">${label}</option>`;

function renderFilters(d: RunHistoryData): Html {
  const f = d.filter;
  return html`<form class="filters" method="get" action="/runs">
<label>Connection<select name="connection">${option('', 'any', !f.connection)}${d.connections.map((c) => option(c, c, f.connection === c))}</select></label>
<label>Account id<input name="account" value="${f.account ?? ''}" size="14"></label>
<label>Report<select name="report">${option('', 'any', !f.report)}${d.reports.map((r) => option(r, r, f.report === r))}</select></label>
<label>Aggregation<select name="aggregation">${option('', 'any', !f.aggregation)}${aggregations.map((a) => option(aggregationSlug(a), aggregationSlug(a), f.aggregation === a))}</select></label>
<label>Status<select name="status">${option('', 'any', !f.status)}${runStatuses.map((s) => option(s, s, f.status === s))}</select></label>
<label>Dates of<select name="date">${option('', 'the window', f.dateField !== 'finished')}${option('finished', 'the finish', f.dateField === 'finished')}</select></label>
<label>From<input type="date" name="from" value="${f.from ?? ''}"></label>
<label>To<input type="date" name="to" value="${f.to ?? ''}"></label>
<button type="submit" class="primary">Filter</button> <a href="/runs">clear</a>
</form>`;
}

export function renderRunHistory(d: RunHistoryData): Html {
  const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
  const query = filterQuery(d.filter);
  const first = d.total === 0 ? 0 : (d.page - 1) * d.pageSize + 1;
  const pager = html`<div class="pager"><span>${first}–${Math.min(d.total, d.page * d.pageSize)} of ${d.total} run(s)</span>
${d.page > 1 ? html`<a href="${href('/runs', { ...query, page: d.page - 1 })}" rel="prev">← newer</a>` : ''}
${d.page < pages ? html`<a href="${href('/runs', { ...query, page: d.page + 1 })}" rel="next">older →</a>` : ''}</div>`;
  return html`<h1>Run history</h1>
${renderFilters(d)}
${pager}
${d.runs.length === 0
    ? html`<p class="muted">No run matches.</p>`
    : html`<table id="runs"><thead><tr><th>Run</th><th>Account</th><th>Report</th><th>Window</th><th>Status</th><th>Rows</th><th>Bytes</th><th>Polls</th><th>Att.</th><th>Duration</th><th>API</th><th>Finished</th><th>Reason</th><th></th></tr></thead><tbody>
${d.runs.map((r) => renderRunRow(r, d.links))}</tbody></table>`}
${pager}`;
}

function renderRunRow(r: RunListItem, links: PageLinks): Html {
  return html`<tr data-run="${r.id}"><td class="nowrap"><a href="/runs/${r.id}">#${r.id}</a></td>
<td>${r.accountName ?? r.accountId}<br><span class="muted">${r.accountId} · ${r.connectionId}</span></td><td>${r.report}<br><span class="muted">${aggregationText(r.aggregation)}</span></td>
<td class="nowrap">${r.from}..${r.to}</td><td>${badge(r.status)}${r.potentialIncomplete ? html`<br>${badge('provisional')}` : ''}</td>
<td class="num">${formatCount(r.rows)}</td><td class="num">${formatBytes(r.bytes)}</td><td class="num">${r.polls}</td><td class="num">${r.attempts}</td>
<td class="num">${formatDuration(r.durationMs)}</td><td>${r.api}</td><td class="nowrap">${formatTime(r.finishedAt)}</td>
<td class="msg">${r.errorClass ? html`<strong>${r.errorClass}${r.errorName ? ` · ${r.errorName}` : ''}</strong>: ${r.errorMessage ?? ''}${r.trackingId ? html`<br><span class="muted">TrackingId</span> <code>${r.trackingId}</code>` : ''}` : ''}</td>
<td class="nowrap">${r.jobId ? html`<a href="${links.job(r.jobId)}">job</a>` : ''} ${rerunForm(r, `/runs/${r.id}`)}</td></tr>`;
}

/** A finished run's window can be enqueued again; an unfinished one is still in the queue. */
function rerunForm(r: RunListItem, back: string): Html | '' {
  if (r.status !== 'failed' && r.status !== 'succeeded' && r.status !== 'empty') return '';
  return html`<form class="inline" method="post" action="/runs/${r.id}/rerun"><input type="hidden" name="back" value="${back}"><button type="submit"${r.status === 'failed' ? html` class="primary"` : ''}>Re-run</button></form>`;
}

export function renderRunDetail(run: RunListItem, attempts: readonly RunAttempt[], links: PageLinks): Html {
  const field = (name: string, value: Html | string | number | null) => html`<tr><th>${name}</th><td>${value ?? '–'}</td></tr>`;
  return html`<h1>Run #${run.id} ${badge(run.status)}</h1>
<p>${rerunForm(run, `/runs/${run.id}`)} <a href="${href('/runs', { connection: run.connectionId, account: run.accountId, report: run.report, aggregation: aggregationText(run.aggregation) })}">runs of this target</a>
${run.jobId ? html` · <a href="${links.job(run.jobId)}">job in Bull Board</a>` : ''}</p>
<table><tbody>
${field('Connection', run.connectionId)}
${field('Account', html`${run.accountName ?? ''} ${run.accountId} <span class="muted">customer ${run.customerId}</span>`)}
${field('Report', `${run.report} (${aggregationText(run.aggregation)})`)}
${field('Window', `${run.from}..${run.to}`)}
${field('Status', html`${badge(run.status)}${run.potentialIncomplete ? html` ${badge('provisional')} the last day may still change` : ''}`)}
${field('Rows / bytes', `${formatCount(run.rows)} / ${formatBytes(run.bytes)}`)}
${field('Submits / polls', `${run.submits} / ${run.polls}`)}
${field('API', run.api)}
${field('Job id', run.jobId)}
${field('ReportRequestId', run.reportRequestId)}
${field('Created / finished', `${formatTime(run.createdAt)} / ${formatTime(run.finishedAt)} (${formatDuration(run.durationMs)})`)}
${run.retryOf ? field('Retries', html`<a href="/runs/${run.retryOf}">run #${run.retryOf}</a>`) : ''}
${run.errorClass ? field('Failure', html`<strong>${run.errorClass}${run.errorCode !== null ? ` ${run.errorCode}` : ''}${run.errorName ? ` · ${run.errorName}` : ''}</strong>: <span class="msg">${run.errorMessage ?? ''}</span>`) : ''}
${run.trackingId ? field('TrackingId', html`<code>${run.trackingId}</code>`) : ''}
</tbody></table>
<h2>Attempts</h2>
${attempts.length === 0
    ? html`<p class="muted">No attempt recorded.</p>`
    : html`<table><thead><tr><th>#</th><th>Started</th><th>Ended</th><th>Outcome</th><th>Rows</th><th>Reason</th><th>TrackingId</th></tr></thead><tbody>
${attempts.map(
  (a) => html`<tr><td>${a.attempt}</td><td class="nowrap">${formatTime(a.startedAt)}</td><td class="nowrap">${formatTime(a.endedAt)}</td><td>${a.outcome ? badge(a.outcome) : badge('loading', 'running')}</td>
<td class="num">${formatCount(a.rows)}</td><td class="msg">${a.errorClass ? html`<strong>${a.errorClass}${a.errorName ? ` · ${a.errorName}` : ''}</strong>: ${a.errorMessage ?? ''}` : ''}</td><td>${a.trackingId ? html`<code>${a.trackingId}</code>` : ''}</td></tr>`,
)}</tbody></table>`}`;
}
