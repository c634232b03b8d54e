import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, COLUMNS, CUSTOMER, DEV_TOKEN } from './helpers.js';

/**
 * Helpers for the simulator's REST tests: JSON bodies as Microsoft's clients send them (REST-FACTS §5-8),
 * plain fetch calls with the REST headers, and the official response/fault schemas (read from
 * MSADS_OFFICIAL_REST_SCHEMA_DIR; tests may use ajv, the simulator may not).
 */

export interface RestAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface RestCredentials {
  token: string;
  customerId?: string;
  accountId?: string;
  developerToken?: string;
}

/** The headers of §3; `override` replaces or (with undefined) removes single ones. */
export function restHeaders(c: RestCredentials, override: Record<string, string | undefined> = {}): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    Authorization: `Bearer ${c.token}`,
    DeveloperToken: c.developerToken ?? DEV_TOKEN,
    CustomerId: c.customerId ?? CUSTOMER,
    CustomerAccountId: c.accountId ?? ACCOUNT,
    ...override,
  };
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function restPost(url: string, body: unknown, headers: Record<string, string>): Promise<RestAnswer> {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const dateJson = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return { Day: d, Month: m, Year: y };
};

export const customRangeJson = (from: string, to: string, zone = 'GreenwichMeanTimeDublinEdinburghLisbonLondon') => ({
  CustomDateRangeStart: dateJson(from),
  CustomDateRangeEnd: dateJson(to),
  PredefinedTime: null,
  ReportTimeZone: zone,
});

export interface JsonSubmitParts {
  type?: string;
  columns?: readonly string[];
  aggregation?: string;
  accountIds?: readonly string[];
  time?: Record<string, unknown>;
  excludeHeader?: boolean;
  excludeFooter?: boolean;
}

/** The JSON twin of helpers.ts submitBody (REST-FACTS §5.1), with `Type` last as both SDKs write it. */
export function submitJson(p: JsonSubmitParts = {}): { ReportRequest: Record<string, unknown> } {
  return {
    ReportRequest: {
      ExcludeColumnHeaders: false,
      ExcludeReportFooter: p.excludeFooter ?? true,
      ExcludeReportHeader: p.excludeHeader ?? true,
      Format: 'Csv',
      FormatVersion: '2.0',
      ReportName: 'daily-campaign',
      ReturnOnlyCompleteData: false,
      Aggregation: p.aggregation ?? 'Daily',
      Columns: [...(p.columns ?? COLUMNS)],
      Scope: { AccountIds: [...(p.accountIds ?? [ACCOUNT])], Campaigns: null },
      Time: p.time ?? customRangeJson('2026-11-01', '2026-11-03'),
      Type: p.type ?? 'CampaignPerformanceReportRequest',
    },
  };
}

export const submitUrl = (sim: Simulator) => `${sim.urls.reportingRest}/GenerateReport/Submit`;
export const pollUrl = (sim: Simulator) => `${sim.urls.reportingRest}/GenerateReport/Poll`;
export const getUserUrl = (sim: Simulator) => `${sim.urls.customerRest}/User/Query`;
export const searchAccountsUrl = (sim: Simulator) => `${sim.urls.customerRest}/Accounts/Search`;

export async function restSubmit(sim: Simulator, c: RestCredentials, parts: JsonSubmitParts = {}): Promise<string> {
  const answer = await restPost(submitUrl(sim), submitJson(parts), restHeaders(c));
  const id = answer.json?.ReportRequestId;
  if (answer.status !== 200 || typeof id !== 'string') throw new Error(`REST Submit failed (HTTP ${answer.status}): ${answer.text.slice(0, 600)}`);
  return id;
}

export async function restPoll(sim: Simulator, c: RestCredentials, id: string): Promise<{ status: string; url: string | null }> {
  const answer = await restPost(pollUrl(sim), { ReportRequestId: id }, restHeaders(c));
  const s = answer.json?.ReportRequestStatus as { Status: string; ReportDownloadUrl: string | null } | undefined;
  if (answer.status !== 200 || !s) throw new Error(`REST Poll failed (HTTP ${answer.status}): ${answer.text.slice(0, 600)}`);
  return { status: s.Status, url: s.ReportDownloadUrl };
}

/** Polls until the report leaves Pending (generationMs is short in tests). */
export async function restPollUntilDone(sim: Simulator, c: RestCredentials, id: string) {
  for (let i = 0; i < 200; i++) {
    const s = await restPoll(sim, c, id);
    if (s.status !== 'Pending') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`report ${id} still Pending`);
}

/** The one error of a REST fault body, whatever its Type. */
export function restFaultOf(answer: RestAnswer): { type: string; code: number; errorCode: string | null | undefined; message: string; details: string | null; trackingId: string } {
  const body = answer.json;
  if (!body || typeof body.Type !== 'string') throw new Error(`not a REST fault (HTTP ${answer.status}): ${answer.text.slice(0, 300)}`);
  const list = (body.Type === 'AdApiFaultDetail' ? body.Errors : body.OperationErrors) as Record<string, unknown>[];
  const e = list[0] as Record<string, unknown>;
  return {
    type: body.Type,
    code: e.Code as number,
    errorCode: e.ErrorCode as string | null | undefined,
    message: e.Message as string,
    details: (body.Type === 'AdApiFaultDetail' ? e.Detail : e.Details) as string | null,
    trackingId: body.TrackingId as string,
  };
}

export type OfficialSchema =
  | 'SubmitGenerateReportRequest'
  | 'SubmitGenerateReportResponse'
  | 'PollGenerateReportRequest'
  | 'PollGenerateReportResponse'
  | 'GetUserRequest'
  | 'GetUserResponse'
  | 'SearchAccountsRequest'
  | 'SearchAccountsResponse'
  | 'ReportingFault'
  | 'CustomerFault';

export interface OfficialSchemas {
  /** Ajv's errors for `value` against the named official schema; [] when valid. */
  errors(name: OfficialSchema, value: unknown): string[];
}

/**
 * The official REST schemas, or undefined (with a warning) when MSADS_OFFICIAL_REST_SCHEMA_DIR is
 * unset; under CI an unset variable is an error, so the check is never skipped silently there.
 */
export function officialSchemas(): OfficialSchemas | undefined {
  const dir = process.env.MSADS_OFFICIAL_REST_SCHEMA_DIR;
  if (!dir) {
    if (process.env.CI) throw new Error('MSADS_OFFICIAL_REST_SCHEMA_DIR must be set under CI (e.g. ../shared/msads/rest)');
    console.warn('MSADS_OFFICIAL_REST_SCHEMA_DIR is not set: skipping the official REST schema checks');
    return undefined;
  }
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const ids = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    ids.set(file.replace(/\.schema\.json$/, ''), schema.$id);
  }
  return {
    errors(name, value) {
      const validate = ajv.getSchema(ids.get(name) ?? `missing:${name}`);
      if (!validate) throw new Error(`no ${name}.schema.json in ${dir}`);
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    },
  };
}

/** Asserts (when the schemas are available) that a body matches an official schema. */
export function expectOfficial(schemas: OfficialSchemas | undefined, name: OfficialSchema, value: unknown): void {
  if (!schemas) return;
  const errors = schemas.errors(name, value);
  if (errors.length > 0) throw new Error(`${name}: ${errors.join('; ')}\n${JSON.stringify(value).slice(0, 800)}`);
}
