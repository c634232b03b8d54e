import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsAdsFaultError, ProtocolError, TransportError } from '../../src/errors.js';
import { bundledReportingWsdl } from '../../src/paths.js';
import { Secret } from '../../src/secret.js';
import { setupHints } from '../../src/setupHints.js';
import { errorFromException, parseRetryAfter, parseSoapFault } from '../../src/soap/faults.js';
import { createReportingService, type ReportingCallAuth, type ReportingService } from '../../src/soap/reportingClient.js';
import type { ReportRequestSpec } from '../../src/soap/reportRequest.js';
import { adApiFault, apiFault, pollResponse, startSoapStub, submitResponse, type SoapStub, type StubReply } from '../helpers/soapStub.js';

const auth: ReportingCallAuth = {
  accessToken: new Secret('faults-access-token'),
  developerToken: new Secret('faults-developer-token'),
  customerId: '7000123',
  accountId: '180012345',
};
const request: ReportRequestSpec = {
  requestType: 'AccountPerformanceReportRequest',
  aggregation: 'Daily',
  columns: ['TimePeriod', 'AccountId', 'Clicks'],
  accountId: '180012345',
  from: '2024-02-01',
  to: '2024-02-07',
  timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
  reportName: 'faults',
};

let stub: SoapStub;
let service: ReportingService;

beforeAll(async () => {
  stub = await startSoapStub();
  service = await createReportingService({ wsdl: bundledReportingWsdl, endpoint: stub.url, timeoutMs: 500 });
});
afterAll(async () => {
  await stub.close();
});

function answer(reply: StubReply): void {
  stub.setHandler(() => reply);
}

async function submitError(): Promise<unknown> {
  return service.submit(auth, request).then(
    () => expect.fail('submit should have failed'),
    (e: unknown) => e,
  );
}

describe('SOAP faults', () => {
  it('reads a single AdApiError from an HTTP 500 fault', async () => {
    answer({
      status: 500,
      body: adApiFault([{ code: 105, errorCode: 'InvalidCredentials', message: 'Authentication failed.', details: null }], 'trk-105'),
    });
    const err = await submitError();
    expect(err).toBeInstanceOf(MsAdsFaultError);
    const f = err as MsAdsFaultError;
    expect(f).toMatchObject({ operation: 'SubmitGenerateReport', httpStatus: 500, trackingId: 'trk-105', code: 105, errorCode: 'InvalidCredentials' });
    expect(f.errors).toEqual([{ code: 105, errorCode: 'InvalidCredentials', message: 'Authentication failed.', details: undefined }]);
    expect(f.message).toBe(`SubmitGenerateReport failed: 105 InvalidCredentials: Authentication failed. [TrackingId trk-105] ${setupHints.invalidCredentials}`);
    expect(f.faultString).toMatch(/^Invalid client data/);
  });

  it('reads a fault delivered with HTTP 200', async () => {
    answer({ status: 200, body: adApiFault([{ code: 117, errorCode: 'CallRateExceeded', message: 'Too many calls.' }]) });
    const err = await submitError();
    expect(err).toBeInstanceOf(MsAdsFaultError);
    expect(err).toMatchObject({ httpStatus: 200, code: 117, errorCode: 'CallRateExceeded', trackingId: 'trk-fault' });
  });

  it('reads several errors of an ApiFaultDetail, operation errors first', async () => {
    answer({
      status: 500,
      body: apiFault(
        {
          operationErrors: [
            { code: 2015, errorCode: 'ReportingServiceRequiredColumnsNotSelected', message: 'Required columns missing.', details: 'TimePeriod' },
            { code: 2016, errorCode: 'ReportingServiceDuplicateColumns', message: 'Duplicate columns.', details: 'Clicks' },
          ],
          batchErrors: [{ code: 2035, errorCode: 'ReportingServiceInvalidAccountIds', message: 'Invalid ids.', details: '42', index: 0 }],
        },
        'trk-api',
      ),
    });
    const err = (await submitError()) as MsAdsFaultError;
    expect(err).toBeInstanceOf(MsAdsFaultError);
    expect(err.trackingId).toBe('trk-api');
    expect(err.errors.map((e) => [e.code, e.errorCode, e.details])).toEqual([
      [2015, 'ReportingServiceRequiredColumnsNotSelected', 'TimePeriod'],
      [2016, 'ReportingServiceDuplicateColumns', 'Clicks'],
      [2035, 'ReportingServiceInvalidAccountIds', '42'],
    ]);
    expect(err.message).toContain('2015 ReportingServiceRequiredColumnsNotSelected: Required columns missing. (TimePeriod)');
  });

  it('reads several AdApiErrors (array, not a single object)', () => {
    const fault = parseSoapFault(
      adApiFault([
        { code: 105, errorCode: 'InvalidCredentials', message: 'a' },
        { code: 106, errorCode: 'UserIsNotAuthorized', message: 'b', details: 'account 1' },
      ]),
    );
    expect(fault?.errors.map((e) => [e.code, e.details])).toEqual([
      [105, undefined],
      [106, 'account 1'],
    ]);
  });

  it('never surfaces a bare "Invalid client data" when the fault has no error list', async () => {
    answer({
      status: 500,
      body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>Invalid client data. Check the SOAP fault details for more information</faultstring></s:Fault></s:Body></s:Envelope>',
    });
    const err = (await submitError()) as MsAdsFaultError;
    expect(err).toBeInstanceOf(MsAdsFaultError);
    expect(err.message).toMatch(/Invalid client data.*faultcode s:Server, HTTP 500; the fault carried no AdApiError\/OperationError\/BatchError/);
  });

  it('keeps a non-numeric Code as undefined instead of NaN', () => {
    const fault = parseSoapFault(adApiFault([{ code: 'abc', errorCode: 'X' }]));
    expect(fault?.errors[0]?.code).toBeUndefined();
  });
});

describe('answers that are not the expected SOAP response', () => {
  it('HTML page with HTTP 200 → ProtocolError with the page title', async () => {
    answer({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><head><title>Sign in</title></head><body><br></body></html>' });
    const err = await submitError();
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ httpStatus: 200 });
    expect((err as Error).message).toBe('SubmitGenerateReport: HTTP 200: expected <SubmitGenerateReportResponse>, got an HTML page: "Sign in"');
  });

  it('empty body with HTTP 200 → ProtocolError', async () => {
    answer({ status: 200, body: '' });
    const err = await submitError();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/HTTP 200: expected <SubmitGenerateReportResponse>, got an empty body/);
  });

  it('a SOAP envelope with another element → ProtocolError naming it', async () => {
    answer({ body: pollResponse({ status: 'Pending' }) });
    const err = await submitError();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/expected <SubmitGenerateReportResponse>, got <PollGenerateReportResponse>/);
  });

  it('a response without ReportRequestId → ProtocolError', async () => {
    answer({ body: submitResponse('') });
    await expect(service.submit(auth, request)).rejects.toThrow(/response has no ReportRequestId/);
  });

  it('HTML 502 from a gateway → TransportError (retryable) with the status', async () => {
    answer({ status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>' });
    const err = await submitError();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ httpStatus: 502 });
    expect((err as Error).message).toContain('502 Bad Gateway');
  });

  it('503 without a body → TransportError', async () => {
    answer({ status: 503, body: '', headers: { 'retry-after': '30' } });
    const err = await submitError();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ httpStatus: 503, retryAfterMs: 30_000 });
  });

  it('429 with Retry-After → TransportError with retryAfterMs', async () => {
    answer({ status: 429, body: 'Too many requests', headers: { 'retry-after': '7', 'content-type': 'text/plain' } });
    const err = await submitError();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ httpStatus: 429, retryAfterMs: 7000, code: 'HTTP_429' });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-02-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Feb 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Jan 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('transport failures', () => {
  it('timeout → TransportError ECONNABORTED', async () => {
    answer({ hang: true });
    const err = await submitError();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'ECONNABORTED', httpStatus: undefined });
    expect((err as Error).message).toBe('SubmitGenerateReport: no answer within 500 ms (ECONNABORTED)');
  });

  it('abort through the AbortSignal → TransportError ABORTED carrying the reason', async () => {
    answer({ hang: true });
    const controller = new AbortController();
    const pending = service.poll(auth, 'rr-1', controller.signal);
    setTimeout(() => controller.abort(new Error('worker shutting down')), 50);
    const err = await pending.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'ABORTED', operation: 'PollGenerateReport' });
    expect((err as Error).cause).toEqual(new Error('worker shutting down'));
  });

  it('connection reset → TransportError ECONNRESET', async () => {
    answer({ destroy: true });
    const err = await submitError();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'ECONNRESET' });
  });

  it('connection refused → TransportError ECONNREFUSED', async () => {
    // Reserve a port, then free it: nothing listens there afterwards.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const closed = await createReportingService({ wsdl: bundledReportingWsdl, endpoint: `http://127.0.0.1:${port}/svc`, timeoutMs: 500 });
    const err = await closed.poll(auth, 'rr-1').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('errors thrown before any answer', () => {
  const ctx = { operation: 'PollGenerateReport', secrets: ['s3cret-token'], timeoutMs: 100 };

  it('axios and socket errors are TransportErrors; our own defects are not', () => {
    expect(errorFromException({ isAxiosError: true, code: 'ERR_NETWORK', message: 'Network Error' }, ctx)).toBeInstanceOf(TransportError);
    expect(errorFromException(Object.assign(new Error('getaddrinfo EAI_AGAIN host'), { code: 'EAI_AGAIN' }), ctx)).toBeInstanceOf(TransportError);
    const defect = errorFromException(Object.assign(new Error('s3cret-token went wrong'), { code: 'ERR_ASSERTION' }), ctx);
    expect(defect).toBeInstanceOf(ProtocolError);
    expect(defect.message).toBe('PollGenerateReport: SOAP client failed before an answer was read: [redacted] went wrong');
    expect(errorFromException(new TypeError('x is undefined'), ctx)).toBeInstanceOf(ProtocolError);
  });
});

describe('PollGenerateReport results', () => {
  const cases: [string, string, unknown][] = [
    ['Pending', pollResponse({ status: 'Pending' }, 't1'), { status: 'Pending', trackingId: 't1' }],
    ['Success with a URL', pollResponse({ status: 'Success', url: 'https://dl.example/r.zip?sig=a&b=c' }, 't2'), { status: 'Success', downloadUrl: 'https://dl.example/r.zip?sig=a&b=c', trackingId: 't2' }],
    ['Success with a nil URL (no data)', pollResponse({ status: 'Success', url: null }, 't3'), { status: 'Success', downloadUrl: null, trackingId: 't3' }],
    ['Error', pollResponse({ status: 'Error' }, 't4'), { status: 'Error', trackingId: 't4' }],
  ];
  for (const [name, body, expected] of cases) {
    it(name, async () => {
      answer({ body });
      expect(await service.poll(auth, 'rr-1')).toEqual(expected);
    });
  }

  it('an unknown Status → ProtocolError', async () => {
    answer({ body: pollResponse({ status: 'Queued' }) });
    await expect(service.poll(auth, 'rr-1')).rejects.toThrow(/Status is "Queued", not Pending\/Success\/Error/);
  });

  it('omits trackingId when the response has no TrackingId header', async () => {
    answer({ body: pollResponse({ status: 'Pending' }, '') });
    const result = await service.poll(auth, 'rr-1');
    expect(result).toEqual({ status: 'Pending' });
    expect(Object.keys(result)).toEqual(['status']);
  });

  it('submit returns the ReportRequestId and the TrackingId header', async () => {
    answer({ body: submitResponse('rr-77', 'trk-77') });
    expect(await service.submit(auth, request)).toEqual({ reportRequestId: 'rr-77', trackingId: 'trk-77' });
  });
});
