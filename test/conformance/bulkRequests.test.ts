import Ajv2020Module from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadEntitiesFor, selectableEntities } from '../../src/entities/catalog.js';
import { buildDownloadBody, createRestBulkApi } from '../../src/rest/bulkClient.js';
import { Secret } from '../../src/secret.js';
import { startRestStub, type RestStub } from '../helpers/restStub.js';

/**
 * Every Bulk request the entity runs send, captured at a local stub byte for byte, validated against
 * the shapes BULK-FACTS §2–§3 and §5 state (no JSON Schema of the Bulk bodies ships in ../shared, so the
 * schema below restates the facts sheet's table, member by member), with negative controls for the
 * pitfalls of §11 (numbers for ids, SOAP-style DataScope, "Keyword" for "Keywords", FormatVersion 6).
 */

const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ strict: true, allErrors: true });

/** BULK-FACTS §4 lists 201 DownloadEntity values; these are the ones named there and by the catalog. */
const DOWNLOAD_ENTITIES = ['Campaigns', 'AdGroups', 'Ads', 'Keywords', 'AssetGroups', 'Labels', 'Budgets', 'BidStrategies', 'CampaignLabels', 'AdGroupLabels', 'KeywordLabels', 'ResponsiveSearchAdLabels', 'ResponsiveSearchAds', 'ExpandedTextAds', 'ResponsiveAds'];

const downloadSchema = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['AccountIds', 'DownloadEntities', 'FormatVersion'],
  properties: {
    // int64 as decimal strings, at most one account per request (§3.1).
    AccountIds: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string', pattern: '^[0-9]{1,19}$' } },
    CompressionType: { enum: ['Zip', 'GZip'] },
    // One string of flags, REST form "EntityData, QualityScoreData"; EntityData only for deltas.
    DataScope: { type: 'string', pattern: '^(EntityData|QualityScoreData|BidSuggestionsData)(, (EntityData|QualityScoreData|BidSuggestionsData))*$' },
    DownloadEntities: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: DOWNLOAD_ENTITIES } },
    DownloadFileType: { enum: ['Csv', 'Tsv'] },
    FormatVersion: { const: '6.0' },
    // ISO 8601 date-time in UTC (inferred: send Z), or null for a full download.
    LastSyncTimeInUTC: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' }] },
  },
});
const statusSchema = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['RequestId'],
  properties: { RequestId: { type: 'string', minLength: 1, maxLength: 40 } },
});
const headerSchema = ajv.compile({
  type: 'object',
  required: ['authorization', 'developertoken', 'customerid', 'customeraccountid', 'content-type'],
  properties: {
    authorization: { type: 'string', pattern: '^Bearer \\S+$' },
    developertoken: { type: 'string', minLength: 1 },
    customerid: { type: 'string', pattern: '^[0-9]{1,19}$' },
    customeraccountid: { type: 'string', pattern: '^[0-9]{1,19}$' },
    'content-type': { type: 'string', pattern: '^application/json' },
    // SOAP header names are not used over REST (§2.1).
    authenticationtoken: false,
    action: false,
  },
});
const problems = (validate: ReturnType<typeof ajv.compile>, value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

let stub: RestStub;
beforeAll(async () => {
  stub = await startRestStub();
  stub.setHandler((r) =>
    r.path.endsWith('/Campaigns/DownloadByAccountIds')
      ? { body: { DownloadRequestId: 'req-1' } }
      : { body: { Errors: null, ForwardCompatibilityMap: null, PercentComplete: 100, RequestStatus: 'Completed', ResultFileUrl: 'https://x.example/f.zip' } },
  );
});
afterAll(async () => {
  await stub?.close();
});

const auth = { accessToken: new Secret('access-token'), developerToken: new Secret('dev-token'), customerId: '1000001', accountId: '150000001' };

describe("Bulk requests conform to BULK-FACTS §2–§5", () => {
  it('every download the entity runs can send (each ENTITIES choice, full and delta) and its status poll', async () => {
    const api = createRestBulkApi({ baseUrl: `${stub.origin}/Bulk/v13`, timeoutMs: 5_000 });
    const choices = [[...selectableEntities], ...selectableEntities.map((e) => [e])];
    for (const entities of choices) {
      for (const lastSyncTime of [null, new Date('2026-11-30T21:58:06.123Z')]) {
        await api.submitDownload(auth, { accountId: auth.accountId, downloadEntities: downloadEntitiesFor(entities), lastSyncTime });
      }
    }
    await api.downloadStatus(auth, 'req-1');
    const downloads = stub.requests.filter((r) => r.path === '/Bulk/v13/Campaigns/DownloadByAccountIds');
    expect(downloads).toHaveLength(choices.length * 2);
    for (const r of downloads) {
      expect(r.method).toBe('POST');
      const body = JSON.parse(r.body) as Record<string, unknown>;
      expect(problems(downloadSchema, body)).toEqual([]);
      expect(problems(headerSchema, r.headers)).toEqual([]);
      // CustomerAccountId must equal the AccountIds element (§2.1).
      expect(r.headers['customeraccountid']).toBe((body.AccountIds as string[])[0]);
    }
    const poll = stub.requests.find((r) => r.path === '/Bulk/v13/BulkDownloadStatus/Query');
    expect(problems(statusSchema, JSON.parse(poll!.body))).toEqual([]);
    expect(problems(headerSchema, poll!.headers)).toEqual([]);
  });

  it('the schema refuses the pitfalls of §11', () => {
    const good = buildDownloadBody({ accountId: '150000001', downloadEntities: ['Keywords'], lastSyncTime: null });
    expect(problems(downloadSchema, good)).toEqual([]);
    for (const bad of [
      { ...good, AccountIds: [150000001] },
      { ...good, AccountIds: ['1', '2'] },
      { ...good, DataScope: 'EntityData QualityScoreData' },
      { ...good, DownloadEntities: ['Keyword'] },
      { ...good, DownloadEntities: [] },
      { ...good, FormatVersion: '6' },
      { ...good, LastSyncTimeInUTC: '11/30/2026 21:58:06' },
    ]) {
      expect(problems(downloadSchema, bad)).not.toEqual([]);
    }
  });
});
