import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsAdsFaultError, ProtocolError, TransportError } from '../../src/errors.js';
import type { ReportingApi, ReportingCallAuth } from '../../src/ports/reportingApi.js';
import type { ReportRequestSpec } from '../../src/ports/reportRequestSpec.js';
import { createRestCustomerApi } from '../../src/rest/customerClient.js';
import { parseRestFault } from '../../src/rest/faults.js';
import { parseRetryAfter } from '../../src/httpText.js';
import { createRestReportingApi } from '../../src/rest/reportingClient.js';
import { Secret } from '../../src/secret.js';
import { setupHints } from '../../src/setupHints.js';
import { startRestStub, type RestStub, type RestStubReply } from '../helpers/restStub.js';

/** Every way a REST answer can fail, through the real clients against a local HTTP server. */

const ACCESS = 'faults-access-token-abc';
const DEVELOPER = 'faults-developer-token-xyz';
const auth: ReportingCallAuth = { accessToken: new Secret(ACCESS), developerToken: new Secret(DEVELOPER), customerId: '7000123', accountId: '180012345' };
const spec: ReportRequestSpec = {
  requestType: 'AccountPerformanceReportRequest',
  aggregation: 'Daily',
  columns: ['TimePeriod', 'AccountId', 'Clicks'],
  accountId: '180012345',
  from: '2024-02-01',
  to: '2024-02-07',
  timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
  reportName: 'faults',
};

let stub: RestStub;
let api: ReportingApi;
beforeAll(async () => {
  stub = await startRestStub();
  api = createRestReportingApi({ baseUrl: `${stub.origin}/Reporting/v13/`, timeoutMs: 2_000 });
});
afterAll(async () => {
  await stub.close();
});

function answer(reply: RestStubReply): void {
  stub.setHandler(() => reply);
}
async function submitError(signal?: AbortSignal): Promise<Error> {
  return api.submit(auth, spec, signal).then(
    () => expect.fail('submit should have failed'),
    (e: unknown) => e as Error,
  );
}
function noSecrets(err: Error): void {
  const all = `${err.message} ${String(err.stack)} ${JSON.stringify(err)} ${String((err as { cause?: unknown }).cause ?? '')}`;
  expect(all).not.toContain(ACCESS);
  expect(all).not.toContain(DEVELOPER);
}

const adApi = (code: number, errorCode: string, message: string, trackingId = 'trk-1') => ({
  Type: 'AdApiFaultDetail',
  TrackingId: trackingId,
  Errors: [{ Code: code, ErrorCode: errorCode, Message: message, Detail: null }],
});

describe('REST faults become the typed errors SOAP gives', () => {
  it('AdApiFaultDetail: code, ErrorCode, message, TrackingId from the body, hint for 105', async () => {
    answer({ status: 401, body: adApi(105, 'InvalidCredentials', 'Authentication failed.', 'trk-105'), headers: { TrackingId: 'header-trk' } });
    const err = await submitError();
    expect(err).toBeInstanceOf(MsAdsFaultError);
    expect(err).toMatchObject({ operation: 'SubmitGenerateReport', httpStatus: 401, trackingId: 'trk-105', code: 105, errorCode: 'InvalidCredentials' });
    expect((err as MsAdsFaultError).errors).toEqual([{ code: 105, errorCode: 'InvalidCredentials', message: 'Authentication failed.', details: undefined }]);
    expect(err.message).toBe(`SubmitGenerateReport failed: 105 InvalidCredentials: Authentication failed. [TrackingId trk-105] ${setupHints.invalidCredentials}`);
  });

  it('ApiFaultDetail: operation errors before batch errors, Details read', async () => {
    answer({
      status: 400,
      body: {
        Type: 'ApiFaultDetail',
        TrackingId: 'trk-2008',
        BatchErrors: [{ Code: 2015, ErrorCode: 'B', Message: 'batch', Details: null, Index: 0 }],
        OperationErrors: [{ Code: 2008, ErrorCode: 'ReportingServiceInvalidReportTimeSelection', Message: 'Bad time.', Details: 'Time' }],
      },
    });
    const err = (await submitError()) as MsAdsFaultError;
    expect(err.errors.map((e) => e.code)).toEqual([2008, 2015]);
    expect(err.errors[0]).toEqual({ code: 2008, errorCode: 'ReportingServiceInvalidReportTimeSelection', message: 'Bad time.', details: 'Time' });
    expect(err.httpStatus).toBe(400);
  });

  it('ApiFault of Customer Management: no ErrorCode; TrackingId falls back to the header', async () => {
    const cm = createRestCustomerApi({ baseUrl: `${stub.origin}/CustomerManagement/v13`, timeoutMs: 2_000 });
    answer({ status: 400, headers: { TrackingId: 'hdr-474' }, body: { Type: 'ApiFault', TrackingId: null, OperationErrors: [{ Code: 474, Message: 'Required search predicate is missing.', Details: null }] } });
    const err = await cm.searchAccountsByUser(auth, { userId: '42', pageIndex: 0, pageSize: 10 }).catch((e: unknown) => e as MsAdsFaultError);
    expect(err).toBeInstanceOf(MsAdsFaultError);
    expect(err).toMatchObject({ operation: 'SearchAccounts', code: 474, errorCode: undefined, trackingId: 'hdr-474', httpStatus: 400 });
  });

  it('a fault wrapped as {"ApplicationFault": …} and a fault sent with HTTP 200', async () => {
    answer({ status: 500, body: { ApplicationFault: adApi(0, 'InternalError', 'An internal error has occurred.') } });
    expect(await submitError()).toMatchObject({ name: 'MsAdsFaultError', code: 0, httpStatus: 500 });
    answer({ status: 200, body: adApi(117, 'CallRateExceeded', 'Too many calls.') });
    expect(await submitError()).toMatchObject({ name: 'MsAdsFaultError', code: 117, errorCode: 'CallRateExceeded', httpStatus: 200 });
  });

  it('a fault on 429 keeps its code and carries Retry-After', async () => {
    answer({ status: 429, headers: { 'Retry-After': '30' }, body: adApi(117, 'CallRateExceeded', 'Too many calls.') });
    expect(await submitError()).toMatchObject({ name: 'MsAdsFaultError', code: 117, retryAfterMs: 30_000 });
  });

  it('a fault without error items says so', async () => {
    answer({ status: 500, body: { Type: 'AdApiFaultDetail', TrackingId: 't', Errors: null } });
    const err = (await submitError()) as MsAdsFaultError;
    expect(err.errors).toEqual([]);
    expect(err.message).toMatch(/AdApiFaultDetail \(HTTP 500; the fault carried no AdApiError/);
  });

  it('HTTP 429 without a fault body: TransportError HTTP_429 with Retry-After in seconds or as a date', async () => {
    answer({ status: 429, headers: { 'Retry-After': '12' }, body: '' });
    expect(await submitError()).toMatchObject({ name: 'TransportError', httpStatus: 429, code: 'HTTP_429', retryAfterMs: 12_000 });
    const at = new Date(Date.now() + 90_000).toUTCString();
    answer({ status: 429, headers: { 'Retry-After': at }, body: 'slow down' });
    const err = (await submitError()) as TransportError;
    expect(err.retryAfterMs).toBeGreaterThan(80_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(90_000);
    expect(parseRetryAfter(at, Date.parse(at) - 5_000)).toBe(5_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('HTTP 401 without a fault body: TransportError 401 (the job layer refreshes the token once)', async () => {
    answer({ status: 401, body: '' });
    expect(await submitError()).toMatchObject({ name: 'TransportError', httpStatus: 401, code: 'HTTP_401' });
  });

  it('HTML 503 and empty 502: TransportError quoting the page title', async () => {
    answer({ status: 503, headers: { 'content-type': 'text/html' }, body: '<html><head><title>503 Service Unavailable</title></head><body>x</body></html>' });
    const err = await submitError();
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toBe('SubmitGenerateReport: HTTP 503 with an HTML page: "503 Service Unavailable"');
    answer({ status: 502, body: '' });
    expect((await submitError()).message).toBe('SubmitGenerateReport: HTTP 502 with an empty body');
    answer({ status: 408, body: 'timeout' });
    expect(await submitError()).toMatchObject({ name: 'TransportError', httpStatus: 408 });
  });

  it('HTTP 200 with an empty body, malformed JSON or the wrong shape: ProtocolError quoting the first bytes', async () => {
    answer({ status: 200, body: '' });
    expect(await submitError()).toMatchObject({ name: 'ProtocolError', message: 'SubmitGenerateReport: HTTP 200 with an empty body' });
    answer({ status: 200, body: `{"ReportRequestId": "rr-1", ${'x'.repeat(300)}` });
    const bad = await submitError();
    expect(bad).toBeInstanceOf(ProtocolError);
    expect(bad.message).toMatch(/^SubmitGenerateReport: HTTP 200: the body is not JSON: "\{"ReportRequestId": "rr-1", x+…"$/);
    expect(bad.message.length).toBeLessThan(260);
    answer({ status: 200, body: { SomethingElse: 1 } });
    expect((await submitError()).message).toBe('SubmitGenerateReport: response has no ReportRequestId; got "{"SomethingElse":1}"');
    answer({ status: 200, body: '[1,2]' });
    expect((await submitError()).message).toBe('SubmitGenerateReport: HTTP 200: expected a JSON object, got "[1,2]"');
    answer({ status: 404, body: '' });
    expect(await submitError()).toMatchObject({ name: 'ProtocolError', httpStatus: 404, message: expect.stringMatching(/check the base URL/) });
  });

  it('a timeout: TransportError ETIMEDOUT "no answer within N ms"', async () => {
    const quick = createRestReportingApi({ baseUrl: `${stub.origin}/Reporting/v13`, timeoutMs: 150 });
    answer({ hang: true });
    const err = await quick.submit(auth, spec).catch((e: unknown) => e as TransportError);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', message: 'SubmitGenerateReport: no answer within 150 ms (ETIMEDOUT)' });
  });

  it("the caller's abort: TransportError ABORTED, distinct from the timeout", async () => {
    answer({ hang: true });
    const controller = new AbortController();
    const arrived = stub.nextRequest();
    const pending = submitError(controller.signal);
    await arrived;
    controller.abort();
    expect(await pending).toMatchObject({ name: 'TransportError', code: 'ABORTED', message: 'SubmitGenerateReport: call aborted by the caller' });
  });

  it('a reset connection and a refused one: TransportError network error', async () => {
    answer({ destroy: true });
    expect(await submitError()).toMatchObject({ name: 'TransportError', message: expect.stringMatching(/network error/) });
    const closed = await startRestStub();
    const url = closed.origin;
    await closed.close();
    const nowhere = createRestReportingApi({ baseUrl: `${url}/Reporting/v13`, timeoutMs: 2_000 });
    expect(await nowhere.poll(auth, 'rr').catch((e: unknown) => e)).toMatchObject({ name: 'TransportError', code: 'ECONNREFUSED' });
  });

  it('never lets a token into a message, even when the server echoes it', async () => {
    const echoes: RestStubReply[] = [
      { status: 200, body: adApi(105, 'InvalidCredentials', `token ${ACCESS} is bad`) },
      { status: 503, body: `<title>${DEVELOPER}</title>` },
      { status: 200, body: `not json ${ACCESS} ${DEVELOPER}` },
      { status: 200, body: { Echo: `Bearer ${ACCESS}` } },
      { status: 401, body: `${ACCESS}` },
    ];
    for (const reply of echoes) {
      answer(reply);
      const err = await submitError();
      noSecrets(err);
      expect(err.message).toMatch(/\[redacted\]/);
    }
    const badToken = { ...auth, accessToken: new Secret(`${ACCESS}\u0000x`) };
    const err = await api.submit(badToken, spec).then(
      () => expect.fail('an invalid header value must fail'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(ProtocolError);
    noSecrets(err);
  });
});

describe('parseRestFault', () => {
  it('reads the three shapes and the wrapped one, and refuses success bodies', () => {
    expect(parseRestFault(adApi(109, 'AuthenticationTokenExpired', 'expired'))?.errors[0]?.code).toBe(109);
    expect(parseRestFault({ Type: 'ApiFault', TrackingId: 't', OperationErrors: [{ Code: '3030', Message: 'm', Details: null }, null] })?.errors).toEqual([
      { code: 3030, errorCode: undefined, message: 'm', details: undefined },
    ]);
    expect(parseRestFault({ ApplicationFault: { Type: 'ApiFaultDetail', OperationErrors: [], BatchErrors: [] } })?.type).toBe('ApiFaultDetail');
    expect(parseRestFault({ ReportRequestId: 'x' })).toBeUndefined();
    expect(parseRestFault({ ReportRequestStatus: { Status: 'Success', ReportDownloadUrl: null } })).toBeUndefined();
    expect(parseRestFault('AdApiFaultDetail')).toBeUndefined();
    expect(parseRestFault(null)).toBeUndefined();
  });
});
