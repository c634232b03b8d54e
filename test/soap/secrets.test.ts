import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { Secret } from '../../src/secret.js';
import { setupHints } from '../../src/setupHints.js';
import { createReportingService, type ReportingCallAuth, type ReportingService } from '../../src/soap/reportingClient.js';
import type { ReportRequestSpec } from '../../src/soap/reportRequest.js';
import { adApiFault, startSoapStub, type SoapStub, type StubHandler } from '../helpers/soapStub.js';

/**
 * The request envelope carries both tokens, and axios errors/responses carry the request. Whatever goes
 * wrong, no error we throw (message, stack, own properties, cause chain) may contain either token, even
 * when the server echoes them back.
 */

const ACCESS = 'EwBAccess-7f3e9c1d-SECRET-token';
const DEVELOPER = 'DevTok-b71e55-SECRET';
const auth: ReportingCallAuth = {
  accessToken: new Secret(ACCESS),
  developerToken: new Secret(DEVELOPER),
  customerId: '7000123',
  accountId: '180012345',
};
const request: ReportRequestSpec = {
  requestType: 'CampaignPerformanceReportRequest',
  aggregation: 'Daily',
  columns: ['TimePeriod', 'AccountId', 'Spend'],
  accountId: '180012345',
  from: '2024-02-01',
  to: '2024-02-07',
  timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
  reportName: 'secrets',
};

/** Every way an error becomes text: inspect (incl. hidden props and causes), JSON, String, stack. */
function dump(err: unknown): string {
  return [
    inspect(err, { depth: 20, showHidden: true, getters: true }),
    JSON.stringify(err),
    JSON.stringify(deepOwn(err)),
    String(err),
    err instanceof Error ? err.stack : '',
  ].join('\n');
}

function deepOwn(value: unknown, seen = new Set<unknown>()): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(value)) out[key] = deepOwn((value as Record<string, unknown>)[key], seen);
  return out;
}

function tokenIn(text: string): string[] {
  return [ACCESS, DEVELOPER, 'EwBAccess', 'DevTok-b71e55'].filter((t) => text.includes(t));
}

/** The text of every header element the stub received, i.e. the tokens as the server saw them. */
const headerValues = (body: string): string => [...body.matchAll(/<(?:AuthenticationToken|DeveloperToken)[^>]*>([^<]*)</g)].map((m) => m[1]).join(' ');

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const scenarios: [string, StubHandler][] = [
  ['timeout (axios error holds the request)', () => ({ hang: true })],
  ['connection reset', () => ({ destroy: true })],
  ['429 echoing the request', (r) => ({ status: 429, headers: { 'retry-after': '5', 'content-type': 'text/plain' }, body: r.body })],
  ['HTML 500 echoing the tokens in its title and body', (r) => ({ status: 500, body: `<html><head><title>Bad token ${ACCESS} / ${DEVELOPER}</title></head><body>${escapeXml(r.body)}</body></html>` })],
  [
    'plain-text 200 echoing the received header values first',
    (r) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `rejected ${headerValues(r.body)}` }),
  ],
  ['XML 400 echoing the request envelope', (r) => ({ status: 400, body: r.body })],
  [
    'fault whose message and details echo the tokens',
    () => ({
      status: 500,
      body: adApiFault([{ code: 105, errorCode: 'InvalidCredentials', message: `token ${ACCESS} rejected`, details: `developer token ${DEVELOPER}` }]),
    }),
  ],
];

describe('no token in any error', () => {
  let stub: SoapStub;
  let service: ReportingService;

  beforeAll(async () => {
    stub = await startSoapStub();
    service = await createReportingService({ wsdl: bundledReportingWsdl, endpoint: stub.url, timeoutMs: 300 });
  });
  afterAll(async () => {
    await stub.close();
  });

  for (const [name, handler] of scenarios) {
    it(name, async () => {
      stub.setHandler(handler);
      for (const call of [() => service.submit(auth, request), () => service.poll(auth, 'rr-1')]) {
        const err = await call().then(() => expect.fail('call should fail'), (e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(tokenIn(dump(err))).toEqual([]);
      }
    });
  }

  it('the tokens really were sent (so the checks above are meaningful)', () => {
    const sent = stub.requests.map((r) => r.body).join('\n');
    expect(tokenIn(sent)).toEqual([ACCESS, DEVELOPER, 'EwBAccess', 'DevTok-b71e55']);
  });

  it('a fault that echoes a token is still readable, with the token redacted', async () => {
    stub.setHandler(scenarios[6]![1]);
    const err = (await service.submit(auth, request).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(`SubmitGenerateReport failed: 105 InvalidCredentials: token [redacted] rejected (developer token [redacted]) [TrackingId trk-fault] ${setupHints.invalidCredentials}`);
  });

  it('an aborted call keeps only the caller’s reason as cause', async () => {
    stub.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await service.poll(auth, 'rr-1', controller.signal).catch((e: unknown) => e);
    expect(tokenIn(dump(err))).toEqual([]);
  });

  it('the service object itself prints no secret', () => {
    expect(tokenIn(inspect(service, { depth: 10, showHidden: true }))).toEqual([]);
    expect(inspect(auth)).not.toContain(ACCESS);
  });
});
