import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { envelope, faultOf, headerXml, soapPost, submitBody, testOptions, tokenFor, unzipAll, type SimulatorOptionsOverride } from './helpers.js';
import {
  expectOfficial,
  getUserUrl,
  officialSchemas,
  restFaultOf,
  restHeaders,
  restPoll,
  restPollUntilDone,
  restPost,
  restSubmit,
  searchAccountsUrl,
  submitJson,
  submitUrl,
} from './restHelpers.js';

/** Every fault switch acts over REST too, the REST way (faultSwitches.ts), and SOAP keeps its own answers. */

const schemas = officialSchemas();
let sim: Simulator;
let token: string;
async function start(overrides: SimulatorOptionsOverride = {}) {
  sim = await startSimulator(testOptions(overrides));
  token = await tokenFor(sim);
}
beforeEach(async () => start());
afterEach(async () => {
  await sim.close();
});

const submitAnswer = () => restPost(submitUrl(sim), submitJson(), restHeaders({ token }));
const getUser = (t = token) => restPost(getUserUrl(sim), { UserId: null }, restHeaders({ token: t }));

describe('Reporting call switches over REST', () => {
  it('throttleNext: HTTP 429, Retry-After 60, AdApiFaultDetail 117; then recovers', async () => {
    sim.faults.throttleNext = 2;
    for (let i = 0; i < 2; i++) {
      const answer = await submitAnswer();
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('60');
      expect(answer.headers.get('trackingid')).toMatch(/^[0-9a-f-]{36}$/);
      expectOfficial(schemas, 'ReportingFault', answer.json);
      expect(answer.json).toMatchObject({ Type: 'AdApiFaultDetail', Errors: [{ Code: 117, Detail: null, ErrorCode: 'CallRateExceeded' }] });
      expect((answer.json?.Errors as { Message: string }[])[0]?.Message).toContain('calls');
    }
    expect((await submitAnswer()).status).toBe(200);
    expect(sim.stats.faultsReturned['117']).toBe(2);
    expect(sim.stats.requestsRejected).toBe(0);
  });

  it('retryAfterSeconds sets the Retry-After of 429s', async () => {
    sim.faults.retryAfterSeconds = 7;
    sim.faults.throttleNext = 1;
    expect((await submitAnswer()).headers.get('retry-after')).toBe('7');
  });

  it('internalErrorNext: HTTP 500 with OperationError 0', async () => {
    sim.faults.internalErrorNext = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(500);
    expectOfficial(schemas, 'ReportingFault', answer.json);
    expect(restFaultOf(answer)).toMatchObject({ type: 'ApiFaultDetail', code: 0, errorCode: 'InternalError' });
  });

  it('unknownFaultCode: 99999 with HTTP 400', async () => {
    sim.faults.unknownFaultCode = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(400);
    expect(restFaultOf(answer).code).toBe(99999);
  });

  it('faultWithHttp200: REST faults come with HTTP 200 too', async () => {
    sim.faults.faultWithHttp200 = true;
    sim.faults.throttleNext = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(200);
    expect(restFaultOf(answer).code).toBe(117);
    const auth = await restPost(submitUrl(sim), submitJson(), restHeaders({ token: 'nope' }));
    expect(auth.status).toBe(200);
    expect(restFaultOf(auth).code).toBe(105);
  });

  it('htmlInsteadOfSoap: an HTML 503 page over REST, the 502 page over SOAP', async () => {
    sim.faults.htmlInsteadOfSoap = 2;
    const answer = await submitAnswer();
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toContain('503 Service Unavailable');
    const soap = await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()));
    expect(soap.status).toBe(502);
    expect((await submitAnswer()).status).toBe(200);
  });

  it('emptyBody: HTTP 200 with nothing in it', async () => {
    sim.faults.emptyBody = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
  });

  it('malformedJsonNext: HTTP 200 with a truncated JSON body, Reporting and Customer Management', async () => {
    sim.faults.malformedJsonNext = 2;
    for (const answer of [await submitAnswer(), await getUser()]) {
      expect(answer.status).toBe(200);
      expect(answer.text.length).toBeGreaterThan(0);
      expect(answer.json).toBeUndefined();
    }
    expect(sim.stats.submits).toBe(0);
    expect((await submitAnswer()).status).toBe(200);
  });

  it('unauthorizedNext: HTTP 401 with an empty body', async () => {
    sim.faults.unauthorizedNext = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(401);
    expect(answer.text).toBe('');
    expect((await submitAnswer()).status).toBe(200);
  });

  it('latencyMs delays REST answers', async () => {
    sim.faults.latencyMs = 150;
    const started = performance.now();
    await submitAnswer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('SOAP keeps its answers: throttleNext is still a SOAP 117 fault with HTTP 500', async () => {
    sim.faults.throttleNext = 1;
    const soap = await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()));
    expect(soap.status).toBe(500);
    expect(faultOf(soap).code).toBe(117);
  });
});

describe('report generation switches over REST', () => {
  it('concurrentLimit: 207 ConcurrentRequestOverLimit (HTTP 400) beyond the Pending limit', async () => {
    await sim.close();
    await start({ generationMs: 400 });
    sim.faults.concurrentLimit = 1;
    const first = await restSubmit(sim, { token });
    const answer = await submitAnswer();
    expect(answer.status).toBe(400);
    expect(restFaultOf(answer)).toMatchObject({ code: 207, errorCode: 'ConcurrentRequestOverLimit' });
    expect(sim.stats.requestsRejected).toBe(0);
    await restPollUntilDone(sim, { token }, first);
    await restSubmit(sim, { token });
  });

  it('statusErrorNext: Status Error with a null URL', async () => {
    sim.faults.statusErrorNext = 1;
    expect(await restPollUntilDone(sim, { token }, await restSubmit(sim, { token }))).toEqual({ status: 'Error', url: null });
    expect((await restPollUntilDone(sim, { token }, await restSubmit(sim, { token }))).status).toBe('Success');
  });

  it('emptyReport: Success with "ReportDownloadUrl": null', async () => {
    sim.faults.emptyReport = true;
    expect(await restPollUntilDone(sim, { token }, await restSubmit(sim, { token }))).toEqual({ status: 'Success', url: null });
  });
});

describe('download switches act on REST reports (same download host)', () => {
  it('expireDownloadUrls: 403 on the URL; a fresh REST Poll gives a working one', async () => {
    sim.faults.expireDownloadUrls = 1;
    const id = await restSubmit(sim, { token });
    const done = await restPollUntilDone(sim, { token }, id);
    expect((await fetch(done.url as string)).status).toBe(403);
    const again = await restPoll(sim, { token }, id);
    expect((await fetch(again.url as string)).status).toBe(200);
  });

  it('file switches shape REST reports too (corruptZip, zipWithNoEntry, columnsMismatch)', async () => {
    const download = async () => Buffer.from(await (await fetch((await restPollUntilDone(sim, { token }, await restSubmit(sim, { token }))).url as string)).arrayBuffer());
    sim.faults.corruptZip = true;
    await expect(unzipAll(await download())).rejects.toThrow();
    sim.faults.corruptZip = false;
    sim.faults.zipWithNoEntry = true;
    expect(await unzipAll(await download())).toEqual([]);
    sim.faults.zipWithNoEntry = false;
    sim.faults.columnsMismatch = true;
    const [entry] = await unzipAll(await download());
    expect(entry?.text.split('\r\n')[0]).toMatch(/"SpendX"$/);
  });
});

describe('credential switches over REST', () => {
  it('expireTokens: 401 with 109, then a Nango-refreshed token works', async () => {
    sim.expireTokens();
    const answer = await submitAnswer();
    expect(answer.status).toBe(401);
    expect(restFaultOf(answer)).toMatchObject({ code: 109, errorCode: 'AuthenticationTokenExpired' });
    expect((await getUser()).status).toBe(401);
    token = await tokenFor(sim);
    expect((await submitAnswer()).status).toBe(200);
  });

  it.each([['invalidCredentialConnections'], ['wrongEnvironmentConnections'], ['missingScopeConnections']] as const)('%s: 401 with 105 on both services', async (name) => {
    sim.faults[name].add('conn-a');
    for (const answer of [await submitAnswer(), await getUser()]) {
      expect(answer.status).toBe(401);
      expect(restFaultOf(answer)).toMatchObject({ type: 'AdApiFaultDetail', code: 105 });
    }
  });

  it('customerInternalErrorNext: Customer Management 500 with ApiFault code 0; Reporting unaffected', async () => {
    sim.faults.customerInternalErrorNext = 1;
    expect((await submitAnswer()).status).toBe(200);
    const answer = await restPost(searchAccountsUrl(sim), { Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '900000001' }], PageInfo: { Index: 0, Size: 10 } }, restHeaders({ token }));
    expect(answer.status).toBe(500);
    expectOfficial(schemas, 'CustomerFault', answer.json);
    expect(answer.json).toMatchObject({ Type: 'ApiFault', OperationErrors: [{ Code: 0, Details: null }] });
    expect((await getUser()).status).toBe(200);
  });
});
