import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateRows } from '../../src/simulator/generator.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, COLUMNS, OTHER_ACCOUNT, customRange, pollUntilDone, submit, testOptions, tokenFor, unzipAll } from './helpers.js';
import { customRangeJson, expectOfficial, officialSchemas, pollUrl, restHeaders, restPoll, restPollUntilDone, restPost, restSubmit, submitJson, submitUrl } from './restHelpers.js';

/** Submit → Poll → download over REST serves exactly what the same request serves over SOAP. */

const schemas = officialSchemas();
let sim: Simulator;
let token: string;
beforeEach(async () => {
  sim = await startSimulator(testOptions({ generationMs: 300 }));
  token = await tokenFor(sim);
});
afterEach(async () => {
  await sim.close();
});

const csvOf = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const entries = await unzipAll(Buffer.from(await res.arrayBuffer()));
  expect(entries).toHaveLength(1);
  return entries[0]?.text ?? '';
};

describe('REST round trip', () => {
  it('serves REST base URLs beside the SOAP ones', () => {
    expect(sim.urls.reportingRest).toBe(`${sim.urls.base}/Reporting/v13`);
    expect(sim.urls.customerRest).toBe(`${sim.urls.base}/CustomerManagement/v13`);
    expect(sim.urls.reporting).toBe(`${sim.urls.base}/Api/Advertiser/Reporting/v13/ReportingService.svc`);
  });

  it('Submit answers {ReportRequestId} with a TrackingId header; Poll goes Pending then Success with a download URL', async () => {
    const answer = await restPost(submitUrl(sim), submitJson(), restHeaders({ token }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('trackingid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Object.keys(answer.json ?? {})).toEqual(['ReportRequestId']);
    const id = answer.json?.ReportRequestId as string;
    expect(id.length).toBeLessThanOrEqual(40);

    const pending = await restPost(pollUrl(sim), { ReportRequestId: id }, restHeaders({ token }));
    expect(pending.json).toEqual({ ReportRequestStatus: { ReportDownloadUrl: null, Status: 'Pending' } });
    expect(pending.headers.get('trackingid')).toMatch(/^[0-9a-f-]{36}$/);
    // Schema checks after the Pending poll: compiling the schemas takes longer than generationMs.
    expectOfficial(schemas, 'PollGenerateReportResponse', pending.json);
    expectOfficial(schemas, 'SubmitGenerateReportRequest', submitJson());
    expectOfficial(schemas, 'SubmitGenerateReportResponse', answer.json);

    const done = await restPollUntilDone(sim, { token }, id);
    expect(done.status).toBe('Success');
    expect(done.url).toMatch(new RegExp(`^${sim.urls.base}/downloads/[0-9a-f]+\\?.*sig=`));
    const success = await restPost(pollUrl(sim), { ReportRequestId: id }, restHeaders({ token }));
    expectOfficial(schemas, 'PollGenerateReportResponse', success.json);
  });

  it('gives exactly the same CSV as SOAP for the same request, and the generator rows', async () => {
    const soapCsv = await csvOf((await pollUntilDone(sim, token, await submit(sim, token))).url as string);
    const restCsv = await csvOf((await restPollUntilDone(sim, { token }, await restSubmit(sim, { token }))).url as string);
    expect(restCsv).toBe(soapCsv);
    const rows = [...generateRows(sim.generateOptions({ accountId: ACCOUNT, columns: COLUMNS, aggregation: 'Daily', from: '2026-11-01', to: '2026-11-03' }))];
    const lines = restCsv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe(COLUMNS.map((c) => `"${c}"`).join(','));
    expect(lines.slice(1)).toEqual(rows.map((r) => r.values.map((v) => `"${v}"`).join(',')));
  });

  it('same bytes for several accounts, report header and footer, and a predefined time', async () => {
    const cases = [
      { soap: { accountIds: [ACCOUNT, OTHER_ACCOUNT], time: customRange('2026-11-02', '2026-11-02') }, rest: { accountIds: [ACCOUNT, OTHER_ACCOUNT], time: customRangeJson('2026-11-02', '2026-11-02') } },
      { soap: { excludeHeader: false, excludeFooter: false }, rest: { excludeHeader: false, excludeFooter: false } },
      { soap: { aggregation: 'Monthly', time: '<PredefinedTime>LastMonth</PredefinedTime>' }, rest: { aggregation: 'Monthly', time: { PredefinedTime: 'LastMonth' } } },
    ];
    for (const c of cases) {
      const soapCsv = await csvOf((await pollUntilDone(sim, token, await submit(sim, token, c.soap))).url as string);
      const restCsv = await csvOf((await restPollUntilDone(sim, { token }, await restSubmit(sim, { token }, c.rest))).url as string);
      expect(restCsv).toBe(soapCsv);
    }
  });

  it('accepts what the .NET client sends: every member, null when unset, Filter null, Type first or last', async () => {
    const body = submitJson();
    const request = { Type: 'CampaignPerformanceReportRequest', ...body.ReportRequest, Filter: null, Scope: { AccountIds: [ACCOUNT], Campaigns: null } };
    const answer = await restPost(submitUrl(sim), { ReportRequest: request }, restHeaders({ token, accountId: ACCOUNT }));
    expect(answer.status).toBe(200);
    expectOfficial(schemas, 'SubmitGenerateReportRequest', { ReportRequest: request });
  });

  it('accepts header names in any case and Content-Type with parameters', async () => {
    const headers = { 'content-type': 'Application/JSON; charset=utf-8', authorization: `Bearer ${token}`, developertoken: 'test-developer-token', customerid: '1000001', customeraccountid: ACCOUNT };
    expect((await restPost(submitUrl(sim), submitJson(), headers)).status).toBe(200);
  });

  it('counts REST calls per API and in the shared counters, as SOAP does', async () => {
    await pollUntilDone(sim, token, await submit(sim, token));
    const soapPolls = sim.stats.polls;
    expect(sim.stats.requestsByApi.rest).toBe(0);
    const soapCalls = sim.stats.requestsByApi.soap;
    expect(soapCalls).toBe(1 + soapPolls);

    const id = await restSubmit(sim, { token }, { accountIds: [ACCOUNT, OTHER_ACCOUNT] });
    await restPoll(sim, { token }, id);
    await restPost(submitUrl(sim), '{', restHeaders({ token }));
    expect(sim.stats.requestsByApi).toEqual({ soap: soapCalls, rest: 3 });
    expect(sim.stats.submits).toBe(2);
    expect(sim.stats.polls).toBe(soapPolls + 1);
    expect(sim.stats.submitsByAccount).toEqual({ [ACCOUNT]: 2, [OTHER_ACCOUNT]: 1 });
    expect(sim.stats.requestsRejected).toBe(1);
    expect(sim.stats.faultsReturned).toEqual({ '201': 1 });
  });

  it('only the submitting user may poll a report; an unknown id is 2100', async () => {
    const id = await restSubmit(sim, { token });
    const other = await tokenFor(sim, 'conn-b');
    const answer = await restPost(pollUrl(sim), { ReportRequestId: id }, restHeaders({ token: other, customerId: '2000002', accountId: '260000001' }));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ Type: 'ApiFaultDetail', OperationErrors: [{ Code: 2100 }] });
    expect((await restPost(pollUrl(sim), { ReportRequestId: 'nope' }, restHeaders({ token }))).json).toMatchObject({ OperationErrors: [{ Code: 2100 }] });
  });
});
