import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS } from '../../src/soap/namespaces.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import {
  ACCOUNT,
  FOREIGN_ACCOUNT,
  OTHER_ACCOUNT,
  customRange,
  envelope,
  faultOf,
  headerXml,
  poll,
  pollBody,
  soapPost,
  submit,
  submitBody,
  testOptions,
  tokenFor,
  type SubmitParts,
} from './helpers.js';

let sim: Simulator;
let token: string;
beforeAll(async () => {
  sim = await startSimulator(testOptions());
  token = await tokenFor(sim);
});
afterAll(async () => {
  await sim.close();
});

const submitXml = (body: string, header = headerXml({ token })) => soapPost(sim, 'SubmitGenerateReport', envelope(header, body));
/** Submits §12's body with one textual edit, and returns the fault. */
async function faultFor(edit: (body: string) => string, parts: SubmitParts = {}) {
  const answer = await submitXml(edit(submitBody(parts)));
  expect(answer.status).toBe(500);
  return faultOf(answer);
}
const same = (b: string) => b;

describe('fault envelope', () => {
  it('is a SOAP 1.1 s:Server fault with Microsoft detail and the same TrackingId in header and detail', async () => {
    const answer = await submitXml(submitBody(), headerXml({ token, developerToken: 'wrong' }));
    expect(answer.status).toBe(500);
    expect(answer.text).toContain('<faultcode>s:Server</faultcode>');
    expect(answer.text).toContain('Invalid client data. Check the SOAP fault details for more information</faultstring>');
    const fault = faultOf(answer);
    expect(fault.trackingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fault.headerTrackingId).toBe(fault.trackingId);
  });
});

describe('headers and credentials', () => {
  it('116 RequestMissingHeaders when a header is missing', async () => {
    const header = headerXml({ token }).replace(/<DeveloperToken>.*<\/DeveloperToken>/, '');
    const fault = faultOf(await submitXml(submitBody(), header));
    expect(fault).toMatchObject({ detail: 'AdApiFaultDetail', code: 116, errorCode: 'RequestMissingHeaders' });
    expect(fault.details).toContain('DeveloperToken');
  });

  it('116 when the headers are not in the Reporting namespace', async () => {
    const header = headerXml({ token }).replace(` xmlns="${NS.reporting}"`, '');
    expect(faultOf(await submitXml(submitBody(), header)).code).toBe(116);
  });

  it('105 InvalidCredentials for a wrong developer token or an unknown access token', async () => {
    expect(faultOf(await submitXml(submitBody(), headerXml({ token, developerToken: 'nope' })))).toMatchObject({ code: 105, errorCode: 'InvalidCredentials' });
    expect(faultOf(await submitXml(submitBody(), headerXml({ token: 'not-a-token' })))).toMatchObject({ code: 105 });
  });

  it('106 UserIsNotAuthorized for a customer or account the user cannot access', async () => {
    expect(faultOf(await submitXml(submitBody(), headerXml({ token, customerId: '2000002' })))).toMatchObject({ code: 106, errorCode: 'UserIsNotAuthorized' });
    expect(faultOf(await submitXml(submitBody(), headerXml({ token, accountId: FOREIGN_ACCOUNT })))).toMatchObject({ code: 106 });
  });

  it('2003 when the scope names an account of another customer, or the CustomerAccountId header is not in the scope', async () => {
    const foreign = await faultFor(same, { accountIds: [ACCOUNT, FOREIGN_ACCOUNT] });
    expect(foreign).toMatchObject({ detail: 'ApiFaultDetail', code: 2003, errorCode: 'ReportingServiceAccountNotAuthorized', details: FOREIGN_ACCOUNT });
    expect((await faultFor(same, { accountIds: [OTHER_ACCOUNT] })).code).toBe(2003);
  });

  it('109 AuthenticationTokenExpired for an expired token, and works again with a token refreshed through Nango', async () => {
    const local = await startSimulator(testOptions());
    try {
      const old = await tokenFor(local);
      local.expireTokens();
      const answer = await soapPost(local, 'SubmitGenerateReport', envelope(headerXml({ token: old }), submitBody()));
      expect(faultOf(answer)).toMatchObject({ code: 109, errorCode: 'AuthenticationTokenExpired' });
      const fresh = await tokenFor(local);
      expect(fresh).not.toBe(old);
      expect(local.stats.tokenRefreshes).toBe(1);
      await submit(local, fresh);
    } finally {
      await local.close();
    }
  });
});

describe('schema (WCF deserialization)', () => {
  it('rejects an enum value in the wrong case', async () => {
    const fault = await faultFor((b) => b.replace('<Aggregation>Daily<', '<Aggregation>daily<'));
    expect(fault).toMatchObject({ code: 201, errorCode: 'ApiInputValidationError' });
    expect(fault.message).toContain("Invalid enum value 'daily'");
    expect(fault.message).toContain("did you mean 'Daily'");
    expect(fault.details).toBe('SubmitGenerateReportRequest/ReportRequest/Aggregation');
  });

  it('rejects CustomDateRangeStart before CustomDateRangeEnd', async () => {
    const time = '<CustomDateRangeStart><Day>1</Day><Month>11</Month><Year>2026</Year></CustomDateRangeStart><CustomDateRangeEnd><Day>3</Day><Month>11</Month><Year>2026</Year></CustomDateRangeEnd>';
    const fault = await faultFor(same, { time });
    expect(fault.code).toBe(201);
    expect(fault.message).toContain("Element 'CustomDateRangeEnd'");
    expect(fault.message).toContain('order of the schema sequence');
  });

  it('rejects base-class elements after derived ones', async () => {
    const fault = await faultFor((b) => b.replace('<ReportName>daily-campaign</ReportName>', '').replace('</Time>', '</Time><ReportName>late</ReportName>'));
    expect(fault.code).toBe(201);
    expect(fault.message).toContain("Element 'ReportName'");
  });

  it('2026 when AccountIds items are in the Reporting namespace, as plain node-soap sends them', async () => {
    const fault = await faultFor((b) => b.replace(/<a1:long>(\d+)<\/a1:long>/, '<long>$1</long>'));
    expect(fault).toMatchObject({ code: 2026, errorCode: 'ReportingServiceInvalidAccountReportScope' });
  });

  it('2002 for a ReportRequest without xsi:type, with the base type, or with an unknown type', async () => {
    expect((await faultFor((b) => b.replace(' i:type="CampaignPerformanceReportRequest"', ''))).code).toBe(2002);
    expect((await faultFor((b) => b.replace('i:type="CampaignPerformanceReportRequest"', 'i:type="ReportRequest"'))).code).toBe(2002);
    expect((await faultFor((b) => b.replace('i:type="CampaignPerformanceReportRequest"', 'i:type="CampaignReportRequest"'))).code).toBe(2002);
    expect((await faultFor((b) => b.replace('i:type="CampaignPerformanceReportRequest"', 'i:type="x:CampaignPerformanceReportRequest"'))).code).toBe(2002);
  });

  it('accepts a prefixed xsi:type bound to the Reporting namespace', async () => {
    const body = submitBody().replace('i:type="CampaignPerformanceReportRequest"', `xmlns:r="${NS.reporting}" i:type="r:CampaignPerformanceReportRequest"`);
    expect((await submitXml(body)).status).toBe(200);
  });

  it('rejects bad xs:int, xs:long and xs:boolean lexical forms', async () => {
    expect((await faultFor((b) => b.replace('<Day>1</Day>', '<Day>one</Day>'))).message).toContain("cannot be parsed as the type 'Int32'");
    expect((await faultFor((b) => b.replace(/<a1:long>\d+</, '<a1:long>MjYyMjcwOA==<'))).message).toContain("cannot be parsed as the type 'Int64'");
    expect((await faultFor((b) => b.replace(/<a1:long>\d+</, '<a1:long>99999999999999999999<'))).message).toContain("'Int64'");
    expect((await faultFor((b) => b.replace('<ExcludeReportHeader>true<', '<ExcludeReportHeader>yes<'))).message).toContain("'Boolean'");
  });

  it('rejects nil on a non-nillable element and a missing required element', async () => {
    expect((await faultFor((b) => b.replace('<Aggregation>Daily</Aggregation>', '<Aggregation i:nil="true"/>'))).message).toContain('not nillable');
    const missing = await faultFor((b) => b.replace('<Aggregation>Daily</Aggregation>', ''));
    expect(missing.code).toBe(201);
    expect(missing.message).toContain("'Aggregation'");
  });

  it('rejects unknown elements and columns outside the report type enum', async () => {
    expect((await faultFor((b) => b.replace('<Scope>', '<Filter/><Scope>'))).message).toContain("Element 'Filter'");
    expect((await faultFor(same, { columns: ['TimePeriod', 'AccountId', 'Keyword'] })).message).toContain("Invalid enum value 'Keyword'");
  });

  it('100 NullRequest when the Body does not hold the operation request', async () => {
    const fault = faultOf(await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token }), submitBody())));
    expect(fault).toMatchObject({ code: 100, errorCode: 'NullRequest' });
  });

  it('2001 when the ReportRequest is nil', async () => {
    const body = `<SubmitGenerateReportRequest xmlns="${NS.reporting}"><ReportRequest i:nil="true"/></SubmitGenerateReportRequest>`;
    expect(faultOf(await submitXml(body)).code).toBe(2001);
  });
});

describe('request semantics', () => {
  const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  it.each([
    ['2008 PredefinedTime together with a custom range', { time: `${customRange('2026-11-01', '2026-11-02').replace('<ReportTimeZone>', '<PredefinedTime>Yesterday</PredefinedTime><ReportTimeZone>')}` }, 2008],
    ['2008 only one custom bound', { time: '<CustomDateRangeEnd><Day>3</Day><Month>11</Month><Year>2026</Year></CustomDateRangeEnd>' }, 2008],
    ['2008 empty Time', { time: '' }, 2008],
    ['2011 start after end', { time: customRange('2026-11-05', '2026-11-01') }, 2011],
    ['2010 end after today', { time: customRange('2026-11-01', future) }, 2010],
    ['113 no such calendar date', { time: customRange('2026-02-30', '2026-03-01') }, 113],
    ['2034 TimePeriod with Summary', { aggregation: 'Summary' }, 2034],
    ['2016 duplicate columns', { columns: ['TimePeriod', 'Clicks', 'Clicks'] }, 2016],
    ['2007 aggregation not allowed for the predefined period', { aggregation: 'Hourly', time: '<PredefinedTime>LastMonth</PredefinedTime>' }, 2007],
    ['2059 an aggregation the report type does not support', { type: 'ShareOfVoiceReportRequest', aggregation: 'Hourly', columns: ['TimePeriod', 'AccountId', 'Impressions'] }, 2059],
    ['2015 a required column left out', { type: 'SearchQueryPerformanceReportRequest', columns: ['TimePeriod', 'AccountId', 'Clicks'] }, 2015],
    ['2052 quality score by week', { aggregation: 'Weekly', columns: ['TimePeriod', 'CampaignId', 'Clicks', 'QualityScore'] }, 2052],
    ['2054 historical quality score by month', { aggregation: 'Monthly', columns: ['TimePeriod', 'CampaignId', 'Clicks', 'HistoricalQualityScore'] }, 2054],
  ] as const)('%s', async (_name, parts, code) => {
    expect((await faultFor(same, parts)).code).toBe(code);
  });

  it('2016 lists the duplicates', async () => {
    expect((await faultFor(same, { columns: ['TimePeriod', 'Clicks', 'Clicks'] })).details).toBe('Clicks');
  });

  it('refuses Format other than Csv and FormatVersion other than 2.0 with a clear message', async () => {
    expect((await faultFor((b) => b.replace('<Format>Csv</Format>', '<Format>Tsv</Format>'))).details).toContain('Csv');
    expect((await faultFor((b) => b.replace('<FormatVersion>2.0</FormatVersion>', ''))).details).toContain('FormatVersion 2.0');
  });

  it('2005 when only complete data is asked for a window that includes today', async () => {
    const fault = await faultFor((b) => b.replace('<ReturnOnlyCompleteData>false<', '<ReturnOnlyCompleteData>true<'), { time: '<PredefinedTime>Today</PredefinedTime>' });
    expect(fault.code).toBe(2005);
  });

  it('accepts a predefined period', async () => {
    await submit(sim, token, { time: '<PredefinedTime>Yesterday</PredefinedTime><ReportTimeZone>BrusselsCopenhagenMadridParis</ReportTimeZone>' });
  });
});

describe('polling', () => {
  it('2100 for an unknown report id, and for a report of another user', async () => {
    const unknown = faultOf(await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token }), pollBody('no-such-report'))));
    expect(unknown).toMatchObject({ code: 2100, errorCode: 'ReportingServiceInvalidReportId' });
    const id = await submit(sim, token);
    const otherToken = await tokenFor(sim, 'conn-b');
    const other = await soapPost(sim, 'PollGenerateReport', envelope(headerXml({ token: otherToken, customerId: '2000002', accountId: FOREIGN_ACCOUNT }), pollBody(id)));
    expect(faultOf(other).code).toBe(2100);
    expect((await poll(sim, token, id)).status).toMatch(/Pending|Success/);
  });
});

describe('HTTP level', () => {
  it('refuses an unknown SOAPAction, a non-XML content type and malformed XML', async () => {
    const xml = envelope(headerXml({ token }), submitBody());
    const action = await soapPost(sim, 'GenerateEverything', xml);
    expect(action.status).toBe(500);
    expect(action.text).toContain('ActionNotSupported');
    expect((await soapPost(sim, 'SubmitGenerateReport', xml, 'application/json')).status).toBe(415);
    expect((await soapPost(sim, 'SubmitGenerateReport', xml.slice(0, -20))).status).toBe(400);
  });

  it('accepts an unquoted SOAPAction', async () => {
    const res = await fetch(sim.urls.reporting, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: 'SubmitGenerateReport' }, body: envelope(headerXml({ token }), submitBody()) });
    expect(res.status).toBe(200);
  });

  it('counts rejected requests and faults by code', () => {
    expect(sim.stats.requestsRejected).toBeGreaterThan(20);
    expect(sim.stats.faultsReturned['201']).toBeGreaterThan(5);
    expect(sim.stats.faultsReturned['2002']).toBe(4);
  });
});
