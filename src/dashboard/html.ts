/**
 * Server-side HTML for the operator page: one escape function and a tagged template that applies it to
 * every interpolated value, so a value reaches the page escaped unless it is already `Html` (markup this
 * module or a renderer built). Connection ids, account names and Microsoft's error messages are data
 * the page does not control: none is ever written into markup unescaped.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text made safe for an element's content and for a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

/** Markup that is already safe (built by `html` or escaped). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(part);
}

/** Tagged template: literal markup as written, every value escaped (arrays joined, null/false omitted). */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A URL path plus query, with empty parameters left out. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:8px 20px;display:flex;gap:24px;align-items:center}
header a{color:#cfd8e6;text-decoration:none}header a:hover,header a[aria-current]{color:#fff;text-decoration:underline}
header strong{font-size:16px}
main{padding:12px 20px;max-width:1340px}
h1{font-size:20px;margin:8px 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e3e6eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nowrap{white-space:nowrap}
.msg{min-width:220px;max-width:360px;overflow-wrap:break-word}
.msg code{overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;font-weight:600;white-space:nowrap}
.ok,.succeeded,.empty{background:#dff3e4;color:#17622d}.failed,.needs_reauth,.no_access{background:#fbe1e1;color:#8c1d1d}
.paused,.retrying,.behind{background:#fff0cc;color:#7a5200}.submitting,.waiting,.pending,.loading,.provisional{background:#e1ecfb;color:#1d4a8c}
.flash{padding:8px 12px;margin:8px 0;border-radius:4px;background:#e1ecfb;border:1px solid #b5cdf0;white-space:pre-wrap}
.flash.error{background:#fbe1e1;border-color:#eab3b3}
form.inline{display:inline}
form.filters,form.action{display:flex;flex-wrap:wrap;gap:8px;align-items:end;background:#fff;padding:8px;border:1px solid #e3e6eb;margin:8px 0}
label{display:flex;flex-direction:column;font-size:12px;color:#4a5263}
input,select,button{font:inherit;font-size:13px;padding:3px 6px}select{max-width:200px}
button{cursor:pointer;border:1px solid #8a94a6;border-radius:3px;background:#fff}button.primary{background:#1d4a8c;color:#fff;border-color:#1d4a8c}
.muted{color:#6b7386}.pager{margin:8px 0;display:flex;gap:12px}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
`;

export interface Page {
  title: string;
  /** Which top link is the current page. */
  current: 'overview' | 'runs';
  boardPath: string;
  flash?: { text: string; error: boolean } | undefined;
  body: Html;
}

export function layout(page: Page): string {
  const nav = (name: Page['current'], path: string, label: string) =>
    page.current === name ? html`<a href="${path}" aria-current="page">${label}</a>` : html`<a href="${path}">${label}</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${page.title} · msads-etl</title><style>${new Html(CSS)}</style></head>
<body><header><strong>msads-etl</strong>${nav('overview', '/', 'Overview')}${nav('runs', '/runs', 'Run history')}<a href="${page.boardPath}">Bull Board</a><a href="/metrics">Metrics</a></header>
<main>${page.flash ? html`<div class="flash${page.flash.error ? ' error' : ''}" role="status">${page.flash.text}</div>` : ''}${page.body}</main></body></html>
`.value;
}

/** An instant as UTC to the minute ("2026-10-01 12:34Z"), or a dash. */
export function formatTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '–';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '–';
  if (ms < 1_000) return `${ms} ms`;
  const s = Math.round(ms / 1_000);
  if (s < 60) return `${(ms / 1_000).toFixed(1)} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n < 1_000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : n.toLocaleString('en-US');
}

export function badge(kind: string, text: string = kind): Html {
  return html`<span class="badge ${kind.replace(/[^a-z_]/gi, '')}">${text}</span>`;
}
