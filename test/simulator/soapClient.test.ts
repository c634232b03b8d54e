import soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { NS } from '../../src/soap/namespaces.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, CUSTOMER, DEV_TOKEN, testOptions, tokenFor, unzipAll } from './helpers.js';

/** Requests built by the npm `soap` client from our WSDL, as the worker builds them (STACK-NOTES §3). */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator(testOptions());
});
afterAll(async () => {
  await sim.close();
});

async function client(wsdl: string, token: string) {
  const c = await soap.createClientAsync(wsdl, { endpoint: sim.urls.reporting });
  const headers = { AuthenticationToken: token, CustomerAccountId: ACCOUNT, CustomerId: CUSTOMER, DeveloperToken: DEV_TOKEN };
  for (const [name, value] of Object.entries(headers)) c.addSoapHeader({ [name]: value }, name, 'tns', NS.reporting);
  return c;
}

const request = (accountIds: unknown) => ({
  ReportRequest: {
    attributes: { 'xsi:type': 'tns:CampaignPerformanceReportRequest' },
    ExcludeColumnHeaders: false,
    ExcludeReportFooter: true,
    ExcludeReportHeader: true,
    Format: 'Csv',
    FormatVersion: '2.0',
    ReportName: 'soap-client',
    ReturnOnlyCompleteData: false,
    Aggregation: 'Daily',
    Columns: { CampaignPerformanceReportColumn: ['TimePeriod', 'AccountId', 'CampaignId', 'Impressions', 'Clicks', 'Spend'] },
    Scope: { AccountIds: accountIds },
    Time: {
      CustomDateRangeEnd: { Day: 7, Month: 11, Year: 2026 },
      CustomDateRangeStart: { Day: 1, Month: 11, Year: 2026 },
      ReportTimeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
    },
  },
});

describe('npm soap client against the simulator', () => {
  it('a request built from the served WSDL is accepted, polled to Success and downloaded', async () => {
    const c = await client(sim.urls.reportingWsdl, await tokenFor(sim));
    const [submitted] = await c.SubmitGenerateReportAsync(request({ attributes: { 'xmlns:arr': NS.arrays }, 'arr:long': [ACCOUNT] }));
    const id = (submitted as { ReportRequestId: string }).ReportRequestId;
    expect(id).toBeTruthy();
    let status: { Status: string; ReportDownloadUrl?: string } = { Status: 'Pending' };
    for (let i = 0; i < 100 && status.Status === 'Pending'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const [polled] = await c.PollGenerateReportAsync({ ReportRequestId: id });
      status = (polled as { ReportRequestStatus: typeof status }).ReportRequestStatus;
    }
    expect(status.Status).toBe('Success');
    const entries = await unzipAll(Buffer.from(await (await fetch(status.ReportDownloadUrl as string)).arrayBuffer()));
    expect(entries[0]?.text.split('\r\n')[0]).toBe('\uFEFF"TimePeriod","AccountId","CampaignId","Impressions","Clicks","Spend"');
  });

  it('works from the bundled WSDL file too', async () => {
    const c = await client(bundledReportingWsdl, await tokenFor(sim));
    const [submitted] = await c.SubmitGenerateReportAsync(request({ attributes: { 'xmlns:arr': NS.arrays }, 'arr:long': [ACCOUNT] }));
    expect((submitted as { ReportRequestId: string }).ReportRequestId).toBeTruthy();
  });

  it("plain { long: [...] } AccountIds come out in the Reporting namespace and are refused with 2026", async () => {
    const c = await client(sim.urls.reportingWsdl, await tokenFor(sim));
    const error = await c.SubmitGenerateReportAsync(request({ long: [ACCOUNT] })).then(
      () => undefined,
      (e: unknown) => e as { root?: { Envelope: { Body: { Fault: { detail: { ApiFaultDetail: { OperationErrors: { OperationError: { Code: string } } } } } } } }; response?: { status: number } },
    );
    expect(error?.response?.status).toBe(500);
    expect(error?.root?.Envelope.Body.Fault.detail.ApiFaultDetail.OperationErrors.OperationError.Code).toBe('2026');
  });
});
