import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { Secret } from '../../src/secret.js';
import { createReportingService, type ReportingCallAuth, type ReportingService } from '../../src/soap/reportingClient.js';
import { pollResponse, startSoapStub, submitResponse, type RecordedRequest, type SoapStub } from '../helpers/soapStub.js';

/**
 * SOAP headers are mutable state on a node-soap Client. Many calls for different accounts in flight at
 * once, answered in random order, must each go out with exactly their own four headers.
 */

const ACCOUNTS = Array.from({ length: 40 }, (_, i) => String(180_000_000 + i));

function authFor(account: string): ReportingCallAuth {
  return {
    accessToken: new Secret(`access-${account}`),
    developerToken: new Secret(`developer-${account}`),
    customerId: `7${account}`,
    accountId: account,
  };
}

function headersOf(r: RecordedRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of ['AuthenticationToken', 'CustomerAccountId', 'CustomerId', 'DeveloperToken']) {
    out[name] = [...r.body.matchAll(new RegExp(`<${name} [^>]*>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
  }
  return out;
}

describe('concurrent calls for different accounts', () => {
  let stub: SoapStub;
  let service: ReportingService;

  beforeAll(async () => {
    // Answers in random order and echoes what it received, so a crossed header shows up in the result.
    stub = await startSoapStub((r) => {
      const h = headersOf(r);
      const delayMs = Math.floor(Math.random() * 40);
      const scoped = /<arr:long>(\d+)<\/arr:long>/.exec(r.body)?.[1];
      if (r.action === 'SubmitGenerateReport') {
        return { delayMs, body: submitResponse(`rr-${h.CustomerAccountId?.join('+')}-${scoped}`, `trk-${h.AuthenticationToken?.join('+')}`) };
      }
      return { delayMs, body: pollResponse({ status: 'Pending' }, `trk-${h.AuthenticationToken?.join('+')}-${h.CustomerId?.join('+')}`) };
    });
    service = await createReportingService({ wsdl: bundledReportingWsdl, endpoint: stub.url, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await stub.close();
  });

  it('each submit and poll carries only its own account’s headers', async () => {
    const results = await Promise.all(
      ACCOUNTS.flatMap((account) => [
        service
          .submit(authFor(account), {
            requestType: 'CampaignPerformanceReportRequest',
            aggregation: 'Daily',
            columns: ['TimePeriod', 'AccountId', 'Clicks'],
            accountId: account,
            from: '2024-02-01',
            to: '2024-02-01',
            timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
            reportName: `concurrency ${account}`,
          })
          .then((r) => ({ account, kind: 'submit', r })),
        service.poll(authFor(account), `rr-${account}`).then((r) => ({ account, kind: 'poll', r })),
      ]),
    );

    for (const { account, kind, r } of results) {
      if (kind === 'submit') expect(r).toEqual({ reportRequestId: `rr-${account}-${account}`, trackingId: `trk-access-${account}` });
      else expect(r).toEqual({ status: 'Pending', trackingId: `trk-access-${account}-7${account}` });
    }

    expect(stub.requests).toHaveLength(ACCOUNTS.length * 2);
    for (const request of stub.requests) {
      const h = headersOf(request);
      const account = h.CustomerAccountId?.[0] ?? '';
      // Exactly one of each header, all belonging to the same account.
      expect(h).toEqual({
        AuthenticationToken: [`access-${account}`],
        CustomerAccountId: [account],
        CustomerId: [`7${account}`],
        DeveloperToken: [`developer-${account}`],
      });
      if (request.action === 'SubmitGenerateReport') expect(request.body).toContain(`<arr:long>${account}</arr:long>`);
      else expect(request.body).toContain(`<ReportRequestId>rr-${account}</ReportRequestId>`);
    }
  });
});
