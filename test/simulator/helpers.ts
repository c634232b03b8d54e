import { DOMParser, type Element } from '@xmldom/xmldom';
import unzipper from 'unzipper';
import { NS } from '../../src/soap/namespaces.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';

/** Shared helpers for the simulator tests: hand-written envelopes (REPORTING-FACTS §12), raw fetch calls, fault parsing. */

export const SECRET = 'test-nango-secret';
export const DEV_TOKEN = 'test-developer-token';
export const CUSTOMER = '1000001';
export const ACCOUNT = '150000001';
export const OTHER_ACCOUNT = '150000002';
/** An account of another customer, reachable only through the "other" connection. */
export const FOREIGN_ACCOUNT = '260000001';

export type SimulatorOptionsOverride = Partial<SimulatorOptions>;

export function testOptions(overrides: SimulatorOptionsOverride = {}): SimulatorOptions {
  return {
    nangoSecretKey: SECRET,
    developerToken: DEV_TOKEN,
    generationMs: 50,
    connections: [
      { connectionId: 'conn-a', customerId: CUSTOMER, accountIds: [ACCOUNT, OTHER_ACCOUNT] },
      { connectionId: 'conn-b', customerId: '2000002', accountIds: [FOREIGN_ACCOUNT] },
    ],
    ...overrides,
  };
}

export interface Headers {
  token: string;
  accountId?: string;
  customerId?: string;
  developerToken?: string;
}

/** The header block of §12; pass `raw` to replace it entirely. */
export function headerXml(h: Headers): string {
  return (
    `<s:Header xmlns="${NS.reporting}">` +
    `<AuthenticationToken>${h.token}</AuthenticationToken>` +
    `<CustomerAccountId>${h.accountId ?? ACCOUNT}</CustomerAccountId>` +
    `<CustomerId>${h.customerId ?? CUSTOMER}</CustomerId>` +
    `<DeveloperToken>${h.developerToken ?? DEV_TOKEN}</DeveloperToken>` +
    `</s:Header>`
  );
}

export function envelope(header: string, body: string): string {
  return `<s:Envelope xmlns:s="${NS.soapEnvelope}" xmlns:i="${NS.xsi}">${header}<s:Body>${body}</s:Body></s:Envelope>`;
}

export const COLUMNS = ['TimePeriod', 'AccountId', 'CampaignId', 'Impressions', 'Clicks', 'Spend'];

export interface SubmitParts {
  type?: string;
  columns?: readonly string[];
  aggregation?: string;
  accountIds?: readonly string[];
  /** Inner XML of <Time>. */
  time?: string;
  excludeHeader?: boolean;
  excludeFooter?: boolean;
}

export const customRange = (from: string, to: string, zone = 'GreenwichMeanTimeDublinEdinburghLisbonLondon') => {
  const d = (day: string) => {
    const [y, m, dd] = day.split('-').map(Number);
    return `<Day>${dd}</Day><Month>${m}</Month><Year>${y}</Year>`;
  };
  return `<CustomDateRangeEnd>${d(to)}</CustomDateRangeEnd><CustomDateRangeStart>${d(from)}</CustomDateRangeStart><ReportTimeZone>${zone}</ReportTimeZone>`;
};

/** SubmitGenerateReportRequest exactly as §12 lays it out. */
export function submitBody(p: SubmitParts = {}): string {
  const type = p.type ?? 'CampaignPerformanceReportRequest';
  const item = type.replace(/Request$/, 'Column');
  return (
    `<SubmitGenerateReportRequest xmlns="${NS.reporting}">` +
    `<ReportRequest i:type="${type}">` +
    `<ExcludeColumnHeaders>false</ExcludeColumnHeaders>` +
    `<ExcludeReportFooter>${p.excludeFooter ?? true}</ExcludeReportFooter>` +
    `<ExcludeReportHeader>${p.excludeHeader ?? true}</ExcludeReportHeader>` +
    `<Format>Csv</Format><FormatVersion>2.0</FormatVersion><ReportName>daily-campaign</ReportName>` +
    `<ReturnOnlyCompleteData>false</ReturnOnlyCompleteData>` +
    `<Aggregation>${p.aggregation ?? 'Daily'}</Aggregation>` +
    `<Columns>${(p.columns ?? COLUMNS).map((c) => `<${item}>${c}</${item}>`).join('')}</Columns>` +
    `<Scope><AccountIds xmlns:a1="${NS.arrays}">${(p.accountIds ?? [ACCOUNT]).map((id) => `<a1:long>${id}</a1:long>`).join('')}</AccountIds></Scope>` +
    `<Time>${p.time ?? customRange('2026-11-01', '2026-11-03')}</Time>` +
    `</ReportRequest></SubmitGenerateReportRequest>`
  );
}

export const pollBody = (id: string) => `<PollGenerateReportRequest xmlns="${NS.reporting}"><ReportRequestId>${id}</ReportRequestId></PollGenerateReportRequest>`;

export interface SoapAnswer {
  status: number;
  text: string;
  contentType: string | null;
}

export async function soapPost(sim: Simulator, action: string, xml: string, contentType = 'text/xml; charset=utf-8'): Promise<SoapAnswer> {
  const res = await fetch(sim.urls.reporting, { method: 'POST', headers: { 'Content-Type': contentType, SOAPAction: `"${action}"` }, body: xml });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

const parse = (text: string) => new DOMParser().parseFromString(text, 'text/xml');
const first = (el: Element | Document, ns: string, local: string): Element | undefined => el.getElementsByTagNameNS(ns, local)[0] ?? undefined;
type Document = ReturnType<typeof parse>;

export interface FaultInfo {
  detail: 'AdApiFaultDetail' | 'ApiFaultDetail';
  code: number;
  errorCode: string;
  message: string;
  details: string;
  trackingId: string;
  headerTrackingId: string;
}

/** Reads the one error of a Microsoft fault; throws if the answer is not a fault. */
export function faultOf(answer: SoapAnswer): FaultInfo {
  const doc = parse(answer.text);
  const headerTrackingId = first(doc, NS.reporting, 'TrackingId')?.textContent ?? '';
  const ad = first(doc, NS.adapi, 'AdApiFaultDetail');
  if (ad) {
    const err = first(ad, NS.adapi, 'AdApiError') as Element;
    const text = (local: string) => first(err, NS.adapi, local)?.textContent ?? '';
    return { detail: 'AdApiFaultDetail', code: Number(text('Code')), errorCode: text('ErrorCode'), message: text('Message'), details: text('Detail'), trackingId: first(ad, NS.adapi, 'TrackingId')?.textContent ?? '', headerTrackingId };
  }
  const api = first(doc, NS.reporting, 'ApiFaultDetail');
  if (!api) throw new Error(`not a Microsoft fault (HTTP ${answer.status}): ${answer.text.slice(0, 300)}`);
  const err = first(api, NS.reporting, 'OperationError') as Element;
  const text = (local: string) => first(err, NS.reporting, local)?.textContent ?? '';
  return { detail: 'ApiFaultDetail', code: Number(text('Code')), errorCode: text('ErrorCode'), message: text('Message'), details: text('Details'), trackingId: first(api, NS.adapi, 'TrackingId')?.textContent ?? '', headerTrackingId };
}

export function reportRequestIdOf(answer: SoapAnswer): string {
  const id = first(parse(answer.text), NS.reporting, 'ReportRequestId')?.textContent;
  if (answer.status !== 200 || !id) throw new Error(`Submit failed (HTTP ${answer.status}): ${answer.text.slice(0, 600)}`);
  return id;
}

export function statusOf(answer: SoapAnswer): { status: string; url: string | undefined } {
  if (answer.status !== 200) throw new Error(`Poll failed (HTTP ${answer.status}): ${answer.text.slice(0, 600)}`);
  const doc = parse(answer.text);
  const urlEl = first(doc, NS.reporting, 'ReportDownloadUrl');
  const nil = urlEl?.getAttributeNS(NS.xsi, 'nil') === 'true';
  return { status: first(doc, NS.reporting, 'Status')?.textContent ?? '', url: urlEl && !nil ? (urlEl.textContent ?? undefined) : undefined };
}

/** A token for a connection, straight from the simulator's Nango API. */
export async function tokenFor(sim: Simulator, connectionId = 'conn-a', forceRefresh = false): Promise<string> {
  const res = await fetch(`${sim.urls.nango}/connections/${connectionId}?provider_config_key=microsoft-ads&force_refresh=${forceRefresh}`, {
    headers: { Authorization: `Bearer ${SECRET}` },
  });
  const body = (await res.json()) as { credentials: { access_token: string } };
  return body.credentials.access_token;
}

export async function submit(sim: Simulator, token: string, parts: SubmitParts = {}, headers: Partial<Headers> = {}): Promise<string> {
  return reportRequestIdOf(await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token, ...headers }), submitBody(parts))));
}

export async function poll(sim: Simulator, token: string, id: string, headers: Partial<Headers> = {}) {
  return statusOf(await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token, ...headers }), pollBody(id))));
}

/** Polls until the report leaves Pending; the simulator's generationMs is short in tests. */
export async function pollUntilDone(sim: Simulator, token: string, id: string, headers: Partial<Headers> = {}) {
  for (let i = 0; i < 200; i++) {
    const s = await poll(sim, token, id, headers);
    if (s.status !== 'Pending') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`report ${id} still Pending`);
}

/** Every entry of a zip, name and text. */
export async function unzipAll(bytes: Buffer): Promise<{ path: string; text: string }[]> {
  const dir = await unzipper.Open.buffer(bytes);
  return Promise.all(dir.files.map(async (f) => ({ path: f.path, text: (await f.buffer()).toString('utf8') })));
}
