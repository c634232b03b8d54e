import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError, RequestValidationError } from '../../src/errors.js';
import type { ReportingCallAuth } from '../../src/ports/reportingApi.js';
import type { ReportRequestSpec } from '../../src/ports/reportRequestSpec.js';
import { createRestReportingApi } from '../../src/rest/reportingClient.js';
import { Secret } from '../../src/secret.js';
import { startRestStub, type RestStub, type RestStubReply } from '../helpers/restStub.js';

const auth: ReportingCallAuth = { accessToken: new Secret('rest-access-token'), developerToken: new Secret('rest-dev-token'), customerId: '7000123', accountId: '180012345' };
const spec: ReportRequestSpec = {
  requestType: 'AccountPerformanceReportRequest',
  aggregation: 'Daily',
  columns: ['TimePeriod', 'AccountId', 'Clicks'],
  accountId: '180012345',
  from: '2024-02-01',
  to: '2024-02-07',
  timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
  reportName: 'rest',
};

let stub: RestStub;
beforeAll(async () => {
  stub = await startRestStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
});
const api = () => createRestReportingApi({ baseUrl: `${stub.origin}/Reporting/v13/`, timeoutMs: 2_000 });
const pollWith = (reply: RestStubReply) => {
  stub.setHandler(() => reply);
  return api().poll(auth, 'rr-9');
};

describe('REST reporting client', () => {
  it('POSTs Submit with the five headers, JSON content type and a User-Agent, and reads the id and TrackingId', async () => {
    stub.setHandler(() => ({ body: { ReportRequestId: ' rr-42 ' }, headers: { TrackingId: 'trk-s' } }));
    const result = await api().submit(auth, spec);
    expect(result).toEqual({ reportRequestId: 'rr-42', trackingId: 'trk-s' });
    const [req] = stub.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/Reporting/v13/GenerateReport/Submit' });
    expect(req!.headers).toMatchObject({
      authorization: 'Bearer rest-access-token',
      developertoken: 'rest-dev-token',
      customerid: '7000123',
      customeraccountid: '180012345',
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': expect.stringMatching(/^msads-etl\/\d+\.\d+\.\d+ RestApi$/),
    });
    expect(String(req!.headers['accept-encoding'])).toMatch(/gzip/);
    expect(req!.headers).not.toHaveProperty('authenticationtoken');
    expect(JSON.parse(req!.body)).toMatchObject({ ReportRequest: { Type: 'AccountPerformanceReportRequest', Scope: { AccountIds: ['180012345'] } } });
  });

  it('polls: Pending, Error, Success with a URL, Success with null or absent URL = empty report; gzip answers are read', async () => {
    expect(await pollWith({ body: { ReportRequestStatus: { Status: 'Pending', ReportDownloadUrl: null } } })).toEqual({ status: 'Pending' });
    expect(await pollWith({ body: { ReportRequestStatus: { Status: 'Error', ReportDownloadUrl: null } } })).toEqual({ status: 'Error' });
    expect(await pollWith({ gzip: true, headers: { TrackingId: 't' }, body: { ReportRequestStatus: { Status: 'Success', ReportDownloadUrl: 'https://dl/x.zip' } } })).toEqual({
      status: 'Success',
      downloadUrl: 'https://dl/x.zip',
      trackingId: 't',
    });
    expect(await pollWith({ body: { ReportRequestStatus: { Status: 'Success', ReportDownloadUrl: null } } })).toEqual({ status: 'Success', downloadUrl: null });
    expect(await pollWith({ body: { ReportRequestStatus: { Status: 'Success' } } })).toEqual({ status: 'Success', downloadUrl: null });
    expect(JSON.parse(stub.requests[0]!.body)).toEqual({ ReportRequestId: 'rr-9' });
    expect(stub.requests[0]!.path).toBe('/Reporting/v13/GenerateReport/Poll');
  });

  it('refuses an unknown Status, a missing ReportRequestStatus or a non-string URL as ProtocolError', async () => {
    await expect(pollWith({ body: { ReportRequestStatus: { Status: 'Queued', ReportDownloadUrl: null } } })).rejects.toThrow(
      'PollGenerateReport: ReportRequestStatus.Status is "Queued", not Pending/Success/Error',
    );
    await expect(pollWith({ body: { ReportRequestStatus: { ReportDownloadUrl: null } } })).rejects.toThrow(/"\(missing\)"/);
    await expect(pollWith({ body: { Other: 1 } })).rejects.toThrow(ProtocolError);
    await expect(pollWith({ body: { ReportRequestStatus: { Status: 'Success', ReportDownloadUrl: 5 } } })).rejects.toThrow(/ReportDownloadUrl is not a string/);
  });

  it('checks input before sending anything', async () => {
    await expect(api().submit({ ...auth, customerId: 'abc' }, spec)).rejects.toThrow(RequestValidationError);
    await expect(api().submit({ ...auth, accountId: '' }, spec)).rejects.toThrow(/accountId "" is not a numeric id/);
    await expect(api().submit(auth, { ...spec, columns: [] })).rejects.toThrow(RequestValidationError);
    await expect(api().poll(auth, '  ')).rejects.toThrow('PollGenerateReport needs a ReportRequestId');
    expect(stub.requests).toHaveLength(0);
    expect(api().api).toBe('rest');
  });
});
