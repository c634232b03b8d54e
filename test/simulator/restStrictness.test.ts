import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, FOREIGN_ACCOUNT, OTHER_ACCOUNT, testOptions, tokenFor } from './helpers.js';
import { customRangeJson, expectOfficial, officialSchemas, pollUrl, restFaultOf, restHeaders, restPost, submitJson, submitUrl, type RestAnswer } from './restHelpers.js';

/**
 * The REST endpoints are as strict as Microsoft's (rest/SOURCE.md "How strict the schemas are"): every
 * refusal comes with the right HTTP status, JSON fault shape (checked against the official fault
 * schema) and code; semantic rules are the SOAP ones.
 */

const schemas = officialSchemas();
let sim: Simulator;
let token: string;
beforeEach(async () => {
  sim = await startSimulator(testOptions());
  token = await tokenFor(sim);
});
afterEach(async () => {
  await sim.close();
});

type Request = Record<string, unknown>;
const submitWith = (edit: (r: Request) => void, headers = restHeaders({ token })) => {
  const body = submitJson();
  edit(body.ReportRequest);
  return restPost(submitUrl(sim), body, headers);
};

/** Asserts a Reporting fault: status, official shape, header TrackingId = body TrackingId; returns its error. */
function reportingFault(answer: RestAnswer, status: number) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expectOfficial(schemas, 'ReportingFault', answer.json);
  const fault = restFaultOf(answer);
  expect(fault.trackingId).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.headers.get('trackingid')).toBe(fault.trackingId);
  return fault;
}

describe('fault bodies', () => {
  it('request errors are ApiFaultDetail with every member; auth errors AdApiFaultDetail', async () => {
    const bad = await submitWith((r) => (r.Aggregation = 'daily'));
    expect(Object.keys(bad.json ?? {}).sort()).toEqual(['BatchErrors', 'OperationErrors', 'TrackingId', 'Type']);
    expect(bad.json?.BatchErrors).toEqual([]);
    expect(Object.keys((bad.json?.OperationErrors as object[])[0] ?? {}).sort()).toEqual(['Code', 'Details', 'ErrorCode', 'Message']);
    const auth = await submitWith(() => undefined, restHeaders({ token: 'not-a-token' }));
    expect(reportingFault(auth, 401)).toMatchObject({ type: 'AdApiFaultDetail', code: 105, errorCode: 'InvalidCredentials' });
    expect(Object.keys((auth.json?.Errors as object[])[0] ?? {}).sort()).toEqual(['Code', 'Detail', 'ErrorCode', 'Message']);
  });
});

describe('request type', () => {
  it.each([
    ['missing Type', (r: Request) => delete r.Type],
    ['null Type', (r: Request) => (r.Type = null)],
    ['unknown Type', (r: Request) => (r.Type = 'CampaignReportRequest')],
    ['Type in the wrong case', (r: Request) => (r.Type = 'campaignPerformanceReportRequest')],
    ['the abstract base ReportRequest', (r: Request) => (r.Type = 'ReportRequest')],
  ])('2002 for %s', async (_name, edit) => {
    const fault = reportingFault(await submitWith(edit), 400);
    expect(fault).toMatchObject({ type: 'ApiFaultDetail', code: 2002, errorCode: 'ReportingServiceUnknownReportType', details: '$.ReportRequest.Type' });
  });

  it('2001 when ReportRequest is null or left out', async () => {
    expect(reportingFault(await restPost(submitUrl(sim), { ReportRequest: null }, restHeaders({ token })), 400).code).toBe(2001);
    expect(reportingFault(await restPost(submitUrl(sim), {}, restHeaders({ token })), 400).code).toBe(2001);
  });
});

describe('JSON encoding of the SOAP types (201, with the path of the value)', () => {
  it.each([
    ['an unknown column', (r: Request) => (r.Columns = ['TimePeriod', 'AccountId', 'Keyword']), '$.ReportRequest.Columns[2]', "'Keyword' is not a CampaignPerformanceReportColumn"],
    ['an enum in the wrong case', (r: Request) => (r.Aggregation = 'daily'), '$.ReportRequest.Aggregation', "did you mean 'Daily'"],
    ['a number where an id string is expected', (r: Request) => (r.Scope = { AccountIds: [Number(ACCOUNT)] }), '$.ReportRequest.Scope.AccountIds[0]', 'string of decimal digits'],
    ['a non-digit id string', (r: Request) => (r.Scope = { AccountIds: ['12a'] }), '$.ReportRequest.Scope.AccountIds[0]', 'not a decimal Int64'],
    ['SOAP array shapes', (r: Request) => (r.Scope = { AccountIds: { long: [ACCOUNT] } }), '$.ReportRequest.Scope.AccountIds', 'JSON array'],
    ['a string where an int is expected', (r: Request) => (r.Time = { ...customRangeJson('2026-11-01', '2026-11-03'), CustomDateRangeEnd: { Day: '3', Month: 11, Year: 2026 } }), '$.ReportRequest.Time.CustomDateRangeEnd.Day', 'JSON integer'],
    ['a string where a boolean is expected', (r: Request) => (r.ExcludeReportHeader = 'true'), '$.ReportRequest.ExcludeReportHeader', 'JSON boolean'],
    ['an unknown member', (r: Request) => (r.Colums = ['TimePeriod']), '$.ReportRequest.Colums', "'Colums' is not a member of CampaignPerformanceReportRequest"],
    ['a member in the wrong case', (r: Request) => (r.reportName = 'x'), '$.ReportRequest.reportName', "did you mean 'ReportName'"],
    ['a member of another report type', (r: Request) => (r.MaxRows = null), '$.ReportRequest.MaxRows', 'not a member'],
    ['null where the WSDL is not nillable', (r: Request) => (r.Aggregation = null), '$.ReportRequest.Aggregation', 'not nillable'],
    ['a null column item', (r: Request) => (r.Columns = ['TimePeriod', null]), '$.ReportRequest.Columns[1]', 'not nillable'],
    ['a Date day that is null', (r: Request) => (r.Time = { CustomDateRangeStart: { Day: null, Month: 11, Year: 2026 }, CustomDateRangeEnd: { Day: 3, Month: 11, Year: 2026 } }), '$.ReportRequest.Time.CustomDateRangeStart.Day', 'not nillable'],
    ['a Date as an ISO string', (r: Request) => (r.Time = { CustomDateRangeStart: '2026-11-01', CustomDateRangeEnd: '2026-11-03' }), '$.ReportRequest.Time.CustomDateRangeStart', 'JSON object'],
    ['a Type member on a non-polymorphic object', (r: Request) => (r.Scope = { AccountIds: [ACCOUNT], Type: 'AccountReportScope' }), '$.ReportRequest.Scope.Type', 'not a member'],
  ])('refuses %s', async (_name, edit, path, text) => {
    const fault = reportingFault(await submitWith(edit), 400);
    expect(fault).toMatchObject({ code: 201, errorCode: 'ApiInputValidationError', details: path });
    expect(fault.message).toContain(text);
  });

  it('refuses a non-null Filter as a simulator limit, accepts a null one', async () => {
    const fault = reportingFault(await submitWith((r) => (r.Filter = { DeviceType: 'Computer' })), 400);
    expect(fault.code).toBe(201);
    expect(fault.message).toContain('msads-etl simulator: Filter is not served');
    expect((await submitWith((r) => (r.Filter = null))).status).toBe(200);
  });

  it('an int64 above the Int64 range', async () => {
    expect(reportingFault(await submitWith((r) => (r.Scope = { AccountIds: ['99999999999999999999'] })), 400).code).toBe(201);
  });

  it('Poll refuses a number as ReportRequestId and unknown members', async () => {
    expect(reportingFault(await restPost(pollUrl(sim), { ReportRequestId: 5 }, restHeaders({ token })), 400)).toMatchObject({ code: 201, details: '$.ReportRequestId' });
    expect(reportingFault(await restPost(pollUrl(sim), { ReportRequestId: 'x', Extra: 1 }, restHeaders({ token })), 400)).toMatchObject({ code: 201, details: '$.Extra' });
  });
});

describe('transport', () => {
  it('malformed JSON → 400 201', async () => {
    const fault = reportingFault(await restPost(submitUrl(sim), '{"ReportRequest": {', restHeaders({ token })), 400);
    expect(fault).toMatchObject({ code: 201, message: 'The request body is not valid JSON.' });
  });

  it('a body that is not an object → 400', async () => {
    expect(reportingFault(await restPost(submitUrl(sim), '[]', restHeaders({ token })), 400).code).toBe(201);
    expect(reportingFault(await restPost(submitUrl(sim), 'null', restHeaders({ token })), 400).code).toBe(201);
  });

  it.each([['text/plain;charset=UTF-8'], ['text/xml; charset=utf-8'], ['application/jsonp']])('Content-Type %s → 400 100', async (contentType) => {
    const fault = reportingFault(await restPost(submitUrl(sim), submitJson(), restHeaders({ token }, { 'Content-Type': contentType })), 400);
    expect(fault.code).toBe(100);
    expect(fault.details).toContain('application/json');
  });

  it('a fetch without Content-Type (text/plain by default) is refused', async () => {
    const res = await fetch(submitUrl(sim), { method: 'POST', headers: restHeaders({ token }, { 'Content-Type': undefined }), body: JSON.stringify(submitJson()) });
    expect(res.status).toBe(400);
  });

  it('GET → 405', async () => {
    expect((await fetch(submitUrl(sim))).status).toBe(405);
  });

  it('paths are case-insensitive; unknown operations 404', async () => {
    expect((await restPost(`${sim.urls.base}/reporting/v13/generatereport/submit`, submitJson(), restHeaders({ token }))).status).toBe(200);
    expect((await restPost(`${sim.urls.reportingRest}/GenerateReport/Cancel`, {}, restHeaders({ token }))).status).toBe(404);
  });
});

describe('headers and credentials', () => {
  it.each([['Authorization'], ['DeveloperToken'], ['CustomerId'], ['CustomerAccountId']])('116 RequestMissingHeaders without %s', async (name) => {
    const fault = reportingFault(await submitWith(() => undefined, restHeaders({ token }, { [name]: undefined })), 400);
    expect(fault).toMatchObject({ type: 'AdApiFaultDetail', code: 116, errorCode: 'RequestMissingHeaders' });
    expect(fault.details).toContain(name);
  });

  it('a SOAP-style AuthenticationToken header is not auth: 116, naming the REST form', async () => {
    const fault = reportingFault(await submitWith(() => undefined, restHeaders({ token }, { Authorization: undefined, AuthenticationToken: token })), 400);
    expect(fault.code).toBe(116);
    expect(fault.details).toContain('Bearer');
  });

  it.each([['the token alone', (t: string) => t], ['lower-case bearer', (t: string) => `bearer ${t}`], ['Bearer with nothing', () => 'Bearer ']])('105 for Authorization with %s', async (_name, value) => {
    const fault = reportingFault(await submitWith(() => undefined, restHeaders({ token }, { Authorization: value(token) })), 401);
    expect(fault).toMatchObject({ type: 'AdApiFaultDetail', code: 105 });
  });

  it.each([['CustomerId', 'abc'], ['CustomerAccountId', '15000-0001'], ['CustomerId', 'None']])('400 for a malformed %s header (%s)', async (name, value) => {
    const fault = reportingFault(await submitWith(() => undefined, restHeaders({ token }, { [name]: value })), 400);
    expect(fault.code).toBe(201);
    expect(fault.details).toContain(name);
  });

  it('105 for a wrong developer token or an unknown token; 109 for an expired one', async () => {
    expect(reportingFault(await submitWith(() => undefined, restHeaders({ token, developerToken: 'nope' })), 401).code).toBe(105);
    sim.expireTokens();
    expect(reportingFault(await submitWith(() => undefined), 401)).toMatchObject({ code: 109, errorCode: 'AuthenticationTokenExpired' });
    expect((await submitWith(() => undefined, restHeaders({ token: await tokenFor(sim) }))).status).toBe(200);
  });

  it('403 for 106 (customer or account not accessible) and 2003 (scope outside the customer)', async () => {
    expect(reportingFault(await submitWith(() => undefined, restHeaders({ token, customerId: '2000002' })), 403)).toMatchObject({ code: 106, type: 'AdApiFaultDetail' });
    expect(reportingFault(await submitWith(() => undefined, restHeaders({ token, accountId: FOREIGN_ACCOUNT })), 403).code).toBe(106);
    expect(reportingFault(await submitWith((r) => (r.Scope = { AccountIds: [ACCOUNT, FOREIGN_ACCOUNT] })), 403)).toMatchObject({ code: 2003, type: 'ApiFaultDetail', details: FOREIGN_ACCOUNT });
    expect(reportingFault(await submitWith((r) => (r.Scope = { AccountIds: [OTHER_ACCOUNT] })), 403).code).toBe(2003);
  });
});

describe('request semantics (the SOAP rules)', () => {
  const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const cases: [string, (r: Request) => unknown, number][] = [
    ['2008 PredefinedTime with a custom range', (r: Request) => (r.Time = { ...customRangeJson('2026-11-01', '2026-11-02'), PredefinedTime: 'Yesterday' }), 2008],
    ['2008 only one bound', (r: Request) => (r.Time = { CustomDateRangeEnd: { Day: 3, Month: 11, Year: 2026 } }), 2008],
    ['2008 Time null', (r: Request) => (r.Time = null), 2008],
    ['2011 start after end', (r: Request) => (r.Time = customRangeJson('2026-11-05', '2026-11-01')), 2011],
    ['2010 end after today', (r: Request) => (r.Time = customRangeJson('2026-11-01', future)), 2010],
    ['113 no such date', (r: Request) => (r.Time = customRangeJson('2026-02-30', '2026-03-01')), 113],
    ['113 a Date without Day', (r: Request) => (r.Time = { CustomDateRangeStart: { Month: 11, Year: 2026 }, CustomDateRangeEnd: { Day: 3, Month: 11, Year: 2026 } }), 113],
    ['2034 TimePeriod with Summary', (r: Request) => (r.Aggregation = 'Summary'), 2034],
    ['2034 TimePeriod with Aggregation left out (Summary is the default)', (r: Request) => delete r.Aggregation, 2034],
    ['2016 duplicate columns', (r: Request) => (r.Columns = ['TimePeriod', 'Clicks', 'Clicks']), 2016],
    ['2014 no columns', (r: Request) => (r.Columns = []), 2014],
    ['2014 Columns null', (r: Request) => (r.Columns = null), 2014],
    ['2026 Scope null', (r: Request) => (r.Scope = null), 2026],
    ['2026 no account ids', (r: Request) => (r.Scope = { AccountIds: [] }), 2026],
    ['2007 Hourly for LastMonth', (r: Request) => Object.assign(r, { Aggregation: 'Hourly', Time: { PredefinedTime: 'LastMonth' } }), 2007],
    ['2059 unsupported aggregation', (r: Request) => Object.assign(r, { Type: 'ShareOfVoiceReportRequest', Aggregation: 'Hourly', Columns: ['TimePeriod', 'AccountId', 'Impressions'], Scope: { AccountIds: [ACCOUNT] } }), 2059],
    ['2015 required column left out', (r: Request) => Object.assign(r, { Type: 'SearchQueryPerformanceReportRequest', Columns: ['TimePeriod', 'AccountId', 'Clicks'], Scope: { AccountIds: [ACCOUNT] } }), 2015],
    ['2052 quality score by week', (r: Request) => Object.assign(r, { Aggregation: 'Weekly', Columns: ['TimePeriod', 'CampaignId', 'Clicks', 'QualityScore'] }), 2052],
    ['2054 historical quality score by month', (r: Request) => Object.assign(r, { Aggregation: 'Monthly', Columns: ['TimePeriod', 'CampaignId', 'Clicks', 'HistoricalQualityScore'] }), 2054],
    ['2005 complete data for today', (r: Request) => Object.assign(r, { ReturnOnlyCompleteData: true, Time: { PredefinedTime: 'Today' } }), 2005],
  ];
  it.each(cases)('%s', async (_name, edit, code) => {
    expect(reportingFault(await submitWith(edit), 400).code).toBe(code);
  });

  it('2029 over 1,000 accounts', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => String(300000000 + i));
    expect(reportingFault(await submitWith((r) => (r.Scope = { AccountIds: ids })), 400).code).toBe(2029);
  });

  it('simulator limits: Format Tsv, FormatVersion left out, Campaigns scope', async () => {
    expect(reportingFault(await submitWith((r) => (r.Format = 'Tsv')), 400).details).toContain('Csv');
    expect(reportingFault(await submitWith((r) => delete r.FormatVersion), 400).details).toContain('FormatVersion 2.0');
    expect(reportingFault(await submitWith((r) => (r.Scope = { AccountIds: [ACCOUNT], Campaigns: [{ AccountId: ACCOUNT, CampaignId: '1' }] })), 400).details).toContain('Campaigns');
  });

  it('accepts the flag-free Python form: unset members left out', async () => {
    const answer = await restPost(
      submitUrl(sim),
      { ReportRequest: { Type: 'AccountPerformanceReportRequest', Format: 'Csv', FormatVersion: '2.0', Aggregation: 'Daily', Columns: ['TimePeriod', 'AccountId', 'Impressions'], Scope: { AccountIds: [ACCOUNT] }, Time: { PredefinedTime: 'Yesterday' } } },
      restHeaders({ token }),
    );
    expect(answer.status, answer.text).toBe(200);
  });
});
