import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMParser } from '@xmldom/xmldom';
import { bundledReportingWsdl } from '../../src/paths.js';
import { buildRequestSpec } from '../../src/jobs/requestSpec.js';
import { aggregations } from '../../src/reports/aggregations.js';
import { reports, type ReportDefinition } from '../../src/reports/catalog.js';
import { requestTypes, type ReportRequestType } from '../../src/reports/columnEnums.js';
import { customReportDefinition } from '../../src/reports/customReports.js';
import { addDays, predefinedWindow, todayIn } from '../../src/reports/periods.js';
import { createReportRegistry } from '../../src/reports/registry.js';
import { Secret } from '../../src/secret.js';
import { createReportingService, type ReportingCallAuth, type ReportingService } from '../../src/soap/reportingClient.js';
import type { ReportRequestSpec } from '../../src/soap/reportRequest.js';
import {
  createWsdlSchemaValidator,
  envelopeParts,
  officialReportingWsdl,
  type SchemaValidator,
  type XmlDocument,
} from '../helpers/officialSchema.js';
import { startSoapStub, type RecordedRequest, type SoapStub } from '../helpers/soapStub.js';

/**
 * Every request the client can send, captured byte for byte at a local stub and validated against the
 * XSD inlined in Microsoft's own Reporting WSDL, with the client built from our bundled WSDL and from
 * Microsoft's. The last block proves the validator rejects the mistakes it is here to catch.
 */

const officialWsdl = officialReportingWsdl();
if (!officialWsdl) {
  console.warn(
    '[conformance] skipped: MSADS_OFFICIAL_WSDL_DIR is not set. Point it at the directory holding ' +
      "Microsoft's reporting_service.xml (CI: ../shared/msads/wsdl) to validate requests against Microsoft's schema.",
  );
}

const NS_REPORTING = 'https://bingads.microsoft.com/Reporting/v13';
const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const auth: ReportingCallAuth = {
  accessToken: new Secret('conformance-access-token'),
  developerToken: new Secret('conformance-developer-token'),
  customerId: '7000123',
  accountId: '180012345',
};

function spec(requestType: ReportRequestType, aggregation: ReportRequestSpec['aggregation'], columns: readonly string[]): ReportRequestSpec {
  return {
    requestType,
    aggregation,
    columns,
    accountId: auth.accountId,
    from: '2024-02-01',
    to: '2024-02-07',
    timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
    reportName: `conformance ${requestType}`,
  };
}

/**
 * Requests exactly as runs build them (buildRequestSpec: per-aggregation columns, widened windows,
 * predefined periods), for every built-in report × aggregation and a custom report in every other one.
 */
const registry = createReportRegistry([
  customReportDefinition({
    name: 'conformance_custom',
    requestType: 'CampaignPerformanceReportRequest',
    columns: ['CampaignId', 'CampaignName', 'Impressions', 'Clicks', 'Spend'],
    aggregation: aggregations.filter((a) => a !== 'Hourly' && a !== 'Daily' && a !== 'Weekly' && a !== 'Monthly'),
  }),
]);
const zone = 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const;
function runSpecs(): { label: string; spec: ReportRequestSpec }[] {
  const today = todayIn(zone, Date.now());
  const out: { label: string; spec: ReportRequestSpec }[] = [];
  for (const def of registry.all()) {
    for (const aggregation of def.aggregations) {
      const window =
        aggregation === 'DayOfWeek' || aggregation === 'HourOfDay' ? predefinedWindow('LastSevenDays', today) : { from: addDays(today, -10), to: addDays(today, -3) };
      const target = { connectionId: 'c', customerId: auth.customerId, accountId: auth.accountId, report: def.name, aggregation, ...window };
      out.push({ label: `${def.name} ${aggregation}`, spec: buildRequestSpec(target, { reports: registry, timeZone: zone, now: () => Date.now() }) });
    }
  }
  return out;
}

/** First three columns of the enum, plus TimePeriod when the type has one. */
function sampleColumns(type: ReportRequestType): string[] {
  const all: readonly string[] = requestTypes[type].columns;
  const cols = all.slice(0, 3);
  if (all.includes('TimePeriod') && !cols.includes('TimePeriod')) cols.push('TimePeriod');
  return cols;
}

function reportRequestOf(body: string): { type: string | null; columns: number } {
  const doc = new DOMParser().parseFromString(body, 'text/xml');
  const rr = doc.getElementsByTagNameNS(NS_REPORTING, 'ReportRequest')[0];
  const cols = doc.getElementsByTagNameNS(NS_REPORTING, 'Columns')[0];
  return {
    type: rr?.getAttributeNS(NS_XSI, 'type') ?? null,
    columns: cols ? Array.from(cols.childNodes).filter((n) => n.nodeType === 1).length : 0,
  };
}

async function expectValid(validator: SchemaValidator, docs: XmlDocument[]): Promise<void> {
  const outcome = await validator.validate(docs);
  expect(outcome.errors).toEqual([]);
  expect(outcome.valid).toBe(true);
}

describe.skipIf(!officialWsdl)("Reporting requests validate against Microsoft's Reporting v13 schema", () => {
  let stub: SoapStub;
  let validator: SchemaValidator;

  beforeAll(async () => {
    stub = await startSoapStub();
    validator = createWsdlSchemaValidator(officialWsdl!);
  });
  afterAll(async () => {
    await stub.close();
  });

  const clientWsdls = [
    ['bundled', bundledReportingWsdl],
    ['official', officialWsdl ?? ''],
  ] as const;

  for (const [label, wsdl] of clientWsdls) {
    describe(`client built from the ${label} WSDL`, () => {
      let service: ReportingService;
      const sent = (from: number): RecordedRequest[] => stub.requests.slice(from);

      beforeAll(async () => {
        service = await createReportingService({ wsdl, endpoint: stub.url, timeoutMs: 10_000 });
      });

      it('SubmitGenerateReport for every built-in report × aggregation, and a custom report in every other aggregation', async () => {
        const start = stub.requests.length;
        const specs = runSpecs();
        expect(specs.length).toBe(Object.values(reports).reduce((n, d: ReportDefinition) => n + d.aggregations.length, 0) + 5);
        for (const { spec: s } of specs) await service.submit(auth, s);
        const requests = sent(start);
        expect(requests.map((r) => reportRequestOf(r.body))).toEqual(specs.map(({ spec: s }) => ({ type: `r:${s.requestType}`, columns: s.columns.length })));
        expect(requests.filter((r) => r.body.includes('<PredefinedTime>LastSevenDays</PredefinedTime>'))).toHaveLength(2);
        await expectValid(validator, requests.flatMap((r, i) => envelopeParts(r.body, `${label} ${specs[i]?.label}`)));
      });

      it(`SubmitGenerateReport for each of the ${Object.keys(requestTypes).length} request types`, async () => {
        const start = stub.requests.length;
        const types = Object.keys(requestTypes) as ReportRequestType[];
        expect(types).toHaveLength(47);
        for (const type of types) {
          await service.submit(auth, spec(type, requestTypes[type].hasAggregation ? 'Daily' : null, sampleColumns(type)));
        }
        const requests = sent(start);
        expect(requests.map((r) => reportRequestOf(r.body).type)).toEqual(types.map((t) => `r:${t}`));
        await expectValid(validator, requests.flatMap((r, i) => envelopeParts(r.body, `${label} ${types[i]}`)));
      });

      it('PollGenerateReport, with its four headers', async () => {
        const start = stub.requests.length;
        await service.poll(auth, 'c3a5e1d0-rr');
        const [request] = sent(start);
        const parts = envelopeParts(request!.body, `${label} poll`);
        expect(parts.map((p) => p.name)).toEqual([
          `${label} poll Body <PollGenerateReportRequest>`,
          `${label} poll Header <AuthenticationToken>`,
          `${label} poll Header <CustomerAccountId>`,
          `${label} poll Header <CustomerId>`,
          `${label} poll Header <DeveloperToken>`,
        ]);
        await expectValid(validator, parts);
      });

      it('sends SOAPAction per the binding and an envelope without the WSDL namespace declarations', async () => {
        const start = stub.requests.length;
        await service.submit(auth, spec('AccountPerformanceReportRequest', 'Daily', ['TimePeriod', 'AccountId', 'Clicks']));
        await service.poll(auth, 'rr-2');
        const [submit, poll] = sent(start);
        expect(submit!.headers.soapaction).toBe('"SubmitGenerateReport"');
        expect(poll!.headers.soapaction).toBe('"PollGenerateReport"');
        expect(submit!.headers['content-type']).toBe('text/xml; charset=utf-8');
        for (const r of [submit!, poll!]) {
          const envelopeTag = /<soap:Envelope[^>]*>/.exec(r.body)?.[0] ?? '';
          // Only the two prefixes the envelope itself uses: no xmlns:qN/tns/wsu/msc/i0 copies (§11.11).
          expect(envelopeTag.match(/xmlns:\w+/g)).toEqual(['xmlns:soap', 'xmlns:xsi']);
        }
      });
    });
  }

  describe('the validator rejects the mistakes it guards against', () => {
    let valid: string;

    beforeAll(async () => {
      const service = await createReportingService({ wsdl: bundledReportingWsdl, endpoint: stub.url, timeoutMs: 10_000 });
      const start = stub.requests.length;
      await service.submit(auth, spec('CampaignPerformanceReportRequest', 'Daily', ['TimePeriod', 'AccountId', 'Impressions']));
      const body = envelopeParts(stub.requests[start]!.body, 'base')[0]!;
      valid = body.xml;
    });

    const mutations: [string, (xml: string) => string, RegExp][] = [
      ['<long> in the Reporting namespace', (x) => x.replace(/<(\/?)arr:long>/g, '<$1long>'), /Reporting\/v13\}long'.*not expected/],
      ["lowercase 'daily'", (x) => x.replace('<Aggregation>Daily<', '<Aggregation>daily<'), /Aggregation.*'daily'/],
      [
        'CustomDateRangeStart before CustomDateRangeEnd',
        (x) => x.replace(/(<CustomDateRangeEnd>.*?<\/CustomDateRangeEnd>)(<CustomDateRangeStart>.*?<\/CustomDateRangeStart>)/, '$2$1'),
        /CustomDateRangeStart'.*not expected|CustomDateRangeEnd'.*not expected/,
      ],
      ['xsi:type prefix not declared', (x) => x.replace(/ xmlns:r="[^"]*"/, ''), /xsi:type|QName|prefix|r:CampaignPerformanceReportRequest/],
    ];

    it('accepts the unmodified request', async () => {
      await expectValid(validator, [{ name: 'unmodified', xml: valid }]);
    });

    for (const [name, mutate, expected] of mutations) {
      it(`rejects ${name}`, async () => {
        const xml = mutate(valid);
        expect(xml).not.toBe(valid);
        const outcome = await validator.validate([{ name, xml }]);
        expect(outcome.valid).toBe(false);
        expect(outcome.errors.join('\n')).toMatch(expected);
      });
    }
  });
});
