import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_HEADERS, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, CUSTOMER, FOREIGN_ACCOUNT, OTHER_ACCOUNT, testOptions, tokenFor } from './helpers.js';
import { downloadBody, downloadBulk, entityRows, pollBulk, pollBulkUntilDone, postDownload, readBulkZip, statusUrl, submitBulk } from './bulkHelpers.js';
import { restFaultOf, restHeaders, restPost } from './restHelpers.js';

/** The Bulk REST endpoints (BULK-FACTS §1-§6): strict requests, a full file equal to sim.bulk.entities. */

let sim: Simulator;
let token: string;
beforeAll(async () => {
  sim = await startSimulator(testOptions({ bulkGenerationMs: 60 }));
  token = await tokenFor(sim);
});
afterAll(async () => {
  await sim.close();
});

describe('DownloadCampaignsByAccountIds and GetBulkDownloadStatus', () => {
  it('serves the documented URLs and answer shapes: InProgress until bulkGenerationMs, then Completed with a URL', async () => {
    expect(sim.urls.bulkRest).toBe(`${sim.urls.base}/Bulk/v13`);
    const submitted = await postDownload(sim, { token });
    expect(submitted.status).toBe(200);
    expect(submitted.headers.get('trackingid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(submitted.json ?? {})).toEqual(['DownloadRequestId']);
    const id = submitted.json?.DownloadRequestId as string;
    expect(id.length).toBeLessThanOrEqual(40);
    const first = await pollBulk(sim, { token }, id);
    expect(first).toEqual({ Errors: null, ForwardCompatibilityMap: null, PercentComplete: expect.any(Number), RequestStatus: 'InProgress', ResultFileUrl: null });
    expect(first.PercentComplete).toBeLessThan(100);
    const done = await pollBulkUntilDone(sim, { token }, id);
    expect(done).toMatchObject({ Errors: null, ForwardCompatibilityMap: null, PercentComplete: 100, RequestStatus: 'Completed' });
    expect(done.ResultFileUrl).toMatch(/\/downloads\/bulk\/[0-9a-f]+\?sv=.*&se=.*&sig=/);
    const again = await pollBulk(sim, { token }, id);
    expect(again.ResultFileUrl).not.toBe(done.ResultFileUrl);
    const res = await fetch(done.ResultFileUrl as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
  });

  it('routes case-insensitively, POST only', async () => {
    const answer = await restPost(`${sim.urls.base}/bulk/V13/campaigns/downloadbyaccountids`, downloadBody(), restHeaders({ token }));
    expect(answer.status).toBe(200);
    const get = await fetch(`${sim.urls.bulkRest}/Campaigns/DownloadByAccountIds`);
    expect(get.status).toBe(405);
  });

  it('counts downloads, polls and files by account', async () => {
    const before = structuredClone(sim.stats.bulk);
    await downloadBulk(sim, { token, accountId: OTHER_ACCOUNT });
    expect(sim.stats.bulk.downloadsSubmitted).toBe(before.downloadsSubmitted + 1);
    expect(sim.stats.bulk.downloadsSubmittedByAccount[OTHER_ACCOUNT]).toBe((before.downloadsSubmittedByAccount[OTHER_ACCOUNT] ?? 0) + 1);
    expect(sim.stats.bulk.statusPolls).toBeGreaterThan(before.statusPolls);
    expect(sim.stats.bulk.statusPollsByAccount[OTHER_ACCOUNT]).toBeGreaterThan(0);
    expect(sim.stats.bulk.filesServedByAccount[OTHER_ACCOUNT]).toBe((before.filesServedByAccount[OTHER_ACCOUNT] ?? 0) + 1);
    expect(sim.stats.bulk.filesServed).toBe(before.filesServed + 1);
  });
});

describe('the full file (BULK-FACTS §6)', () => {
  it('is one CSV in a zip, UTF-8 with BOM, CRLF, Type first, Format Version then Account, then exactly sim.bulk.entities', async () => {
    const file = await downloadBulk(sim, { token });
    expect(file.entries).toBe(1);
    expect(file.text.startsWith('\uFEFFType,')).toBe(true);
    expect(file.text.replaceAll('\r\n', '').includes('\n')).toBe(false);
    expect(file.headers).toEqual(BULK_HEADERS);
    expect(file.headers[0]).toBe('Type');
    expect(file.rows[0]).toEqual({ Type: 'Format Version', Name: '6.0' });
    const account = file.rows[1] as Record<string, string>;
    expect(account).toMatchObject({ Type: 'Account', Id: ACCOUNT, 'Parent Id': CUSTOMER });
    expect(account['Sync Time']).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(file.rows.slice(2)).toEqual(entityRows(sim));
  });

  it('has the world the brief asks for: Search campaigns and one PerformanceMax, keywords most, both ad types, asset groups, labels, shared budgets', () => {
    const rows = entityRows(sim);
    const count = (type: string) => rows.filter((r) => r.Type === type).length;
    expect(count('Campaign')).toBe(4);
    expect(rows.filter((r) => r.Type === 'Campaign' && r['Campaign Type'] === 'PerformanceMax')).toHaveLength(1);
    expect(count('Ad Group')).toBe(6);
    expect(count('Keyword')).toBe(30);
    expect(count('Responsive Search Ad')).toBe(6);
    expect(count('Expanded Text Ad')).toBe(6);
    expect(count('Asset Group')).toBe(2);
    expect(count('Label')).toBe(4);
    expect(count('Budget')).toBe(2);
    expect(count('Campaign Label')).toBeGreaterThan(0);
    expect(count('Ad Group Label')).toBeGreaterThan(0);
    expect(count('Keyword Label')).toBeGreaterThan(0);
    expect(rows.every((r) => /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/.test(r['Modified Time'] ?? ''))).toBe(true);
    const shared = rows.filter((r) => r.Type === 'Campaign' && r['Budget Id']);
    expect(shared.length).toBeGreaterThan(0);
    for (const c of shared) {
      const budget = rows.find((r) => r.Type === 'Budget' && r.Id === c['Budget Id']);
      expect(c.Budget).toBe(budget?.Budget);
      expect(c['Budget Name']).toBe(budget?.['Budget Name']);
    }
    // Names with commas, quotes and non-ASCII letters; keywords without a bid (inherit the ad group's).
    expect(rows.some((r) => r.Type === 'Keyword' && r.Keyword?.includes('"'))).toBe(true);
    expect(rows.some((r) => r.Type === 'Keyword' && r.Bid === undefined)).toBe(true);
    expect(rows.some((r) => r.Type === 'Campaign' && /[,"]/.test(r.Campaign ?? '') && /[^\x00-\x7f]/.test(r.Campaign ?? ''))).toBe(true);
    // Parent before child; associations point label → entity.
    const seen = new Set<string>([ACCOUNT]);
    for (const r of rows) {
      if (r.Type === 'Label' || r.Type?.endsWith(' Label')) continue;
      expect(seen.has(r['Parent Id'] as string), `${r.Type} ${r.Id}`).toBe(true);
      seen.add(r.Id as string);
    }
    const labelIds = new Set(rows.filter((r) => r.Type === 'Label').map((r) => r.Id));
    for (const r of rows.filter((x) => x.Type?.endsWith(' Label'))) {
      expect(labelIds.has(r.Id)).toBe(true);
      expect(seen.has(r['Parent Id'] as string)).toBe(true);
    }
    expect(rows.find((r) => r.Type === 'Label')?.['Parent Id']).toBeUndefined();
  });

  it('is deterministic per account: another simulator serves the same ids and names', async () => {
    const other = await startSimulator(testOptions());
    try {
      const strip = (rows: Record<string, string>[]) => rows.map(({ 'Modified Time': _m, ...r }) => r);
      expect(strip(entityRows(other))).toEqual(strip(entityRows(sim)));
      expect(strip(entityRows(other, OTHER_ACCOUNT))).not.toEqual(strip(entityRows(other)));
    } finally {
      await other.close();
    }
  });

  it('brings only the requested entities', async () => {
    const file = await downloadBulk(sim, { token }, { DownloadEntities: ['Keywords', 'Budgets'] });
    const types = new Set(file.rows.slice(2).map((r) => r.Type));
    expect([...types]).toEqual(['Budget', 'Keyword']);
    const rsa = await downloadBulk(sim, { token }, { DownloadEntities: ['ResponsiveSearchAds', 'CampaignNegativeKeywords'] });
    expect(new Set(rsa.rows.slice(2).map((r) => r.Type))).toEqual(new Set(['Responsive Search Ad']));
  });

  it('quotes like Excel: only fields with commas, quotes or line breaks', async () => {
    const file = await downloadBulk(sim, { token }, { DownloadEntities: ['Campaigns'] });
    const lines = file.text.split('\r\n');
    expect(lines[1]).toBe('Format Version' + ','.repeat(BULK_HEADERS.indexOf('Name')) + '6.0' + ','.repeat(BULK_HEADERS.length - 1 - BULK_HEADERS.indexOf('Name')));
    expect(file.text).toContain('"Brand, ""Core"" – Zürich 1"');
  });

  it('serves a bigger world when asked (bulkKeywordsPerAdGroup …)', async () => {
    const big = await startSimulator(testOptions({ bulkCampaigns: 2, bulkAdGroupsPerCampaign: 3, bulkKeywordsPerAdGroup: 400, bulkGenerationMs: 0 }));
    try {
      const t = await tokenFor(big);
      const file = await downloadBulk(big, { token: t }, { DownloadEntities: ['Keywords'] });
      expect(file.rows.filter((r) => r.Type === 'Keyword')).toHaveLength(2400);
      expect(file.rows.slice(2)).toEqual(entityRows(big).filter((r) => r.Type === 'Keyword'));
    } finally {
      await big.close();
    }
  });
});

describe('refusals (BULK-FACTS §2, §3, §10)', () => {
  const fault = async (body: unknown, override: Record<string, string | undefined> = {}, t = token) => {
    const answer = await postDownload(sim, { token: t }, body, override);
    return { status: answer.status, ...restFaultOf(answer) };
  };

  it('headers: Bearer token, DeveloperToken, CustomerId, CustomerAccountId', async () => {
    expect(await fault(downloadBody(), { Authorization: undefined })).toMatchObject({ status: 400, code: 116, type: 'AdApiFaultDetail' });
    expect(await fault(downloadBody(), { Authorization: token })).toMatchObject({ status: 401, code: 105 });
    expect(await fault(downloadBody(), {}, 'not-a-token')).toMatchObject({ status: 401, code: 105 });
    expect(await fault(downloadBody(), { DeveloperToken: undefined })).toMatchObject({ code: 116 });
    expect(await fault(downloadBody(), { DeveloperToken: 'wrong' })).toMatchObject({ status: 401, code: 105 });
    expect(await fault(downloadBody(), { CustomerId: undefined })).toMatchObject({ status: 400, code: 1029, type: 'ApiFaultDetail', errorCode: 'CampaignServiceCustomerIdHasToBeSpecified' });
    expect(await fault(downloadBody(), { CustomerAccountId: undefined })).toMatchObject({ status: 400, code: 1030 });
    expect(await fault(downloadBody(), { CustomerId: '2000002' })).toMatchObject({ status: 403, code: 106 });
    expect(await fault(downloadBody({}, FOREIGN_ACCOUNT), { CustomerAccountId: FOREIGN_ACCOUNT })).toMatchObject({ code: 106 });
    expect(await fault(downloadBody({}, OTHER_ACCOUNT))).toMatchObject({ status: 400, code: 1102, errorCode: 'CampaignServiceInvalidAccountId' });
    expect(await fault(downloadBody(), { 'Content-Type': 'text/plain' })).toMatchObject({ code: 100 });
  });

  it('the fault bodies are ApiFaultDetail / AdApiFaultDetail JSON with a TrackingId', async () => {
    const answer = await postDownload(sim, { token }, downloadBody({ FormatVersion: '5.0' }));
    expect(answer.json).toEqual({
      Type: 'ApiFaultDetail',
      TrackingId: answer.headers.get('trackingid'),
      BatchErrors: [],
      OperationErrors: [{ Code: 3217, Details: expect.any(String), ErrorCode: 'BulkServiceFormatVersionNotSupported', Message: expect.any(String) }],
    });
  });

  it.each([
    ['an unknown member', { Foo: 1 }, 201],
    ['a member in the wrong case', { formatVersion: '6.0' }, 201],
    ['no AccountIds', { AccountIds: null }, 3306],
    ['empty AccountIds', { AccountIds: [] }, 3306],
    ['a number as account id', { AccountIds: [Number(ACCOUNT)] }, 201],
    ['two accounts', { AccountIds: [ACCOUNT, OTHER_ACCOUNT] }, 3201],
    ['no DownloadEntities', { DownloadEntities: [] }, 3210],
    ['DownloadEntities missing', { DownloadEntities: undefined }, 3210],
    ['a record name for an entity', { DownloadEntities: ['Keyword'] }, 201],
    ['an unknown entity', { DownloadEntities: ['Campaigns', 'AdLabels'] }, 201],
    ['FormatVersion missing', { FormatVersion: undefined }, 3219],
    ['FormatVersion 6', { FormatVersion: '6' }, 3217],
    ['FormatVersion as a number', { FormatVersion: 6 }, 201],
    ['DataScope SOAP-style', { DataScope: 'EntityData QualityScoreData' }, 3228],
    ['DataScope unknown', { DataScope: 'Everything' }, 3228],
    ['DataScope null', { DataScope: null }, 201],
    ['DataScope with quality scores (not served)', { DataScope: 'EntityData, QualityScoreData' }, 201],
    ['DownloadFileType unknown', { DownloadFileType: 'Xlsx' }, 201],
    ['DownloadFileType Tsv (not served)', { DownloadFileType: 'Tsv' }, 201],
    ['CompressionType lower case', { CompressionType: 'zip' }, 201],
    ['CompressionType GZip (not served)', { CompressionType: 'GZip' }, 201],
    ['LastSyncTimeInUTC in the file form', { LastSyncTimeInUTC: '11/30/2026 21:58:06' }, 201],
    ['LastSyncTimeInUTC as a number', { LastSyncTimeInUTC: 1767225600000 }, 201],
    ['LastSyncTimeInUTC in the future', { LastSyncTimeInUTC: new Date(Date.now() + 3_600_000).toISOString() }, 3208],
    ['LastSyncTimeInUTC before 1753', { LastSyncTimeInUTC: '1700-01-01T00:00:00Z' }, 3209],
    ['LastSyncTimeInUTC 31 days ago', { LastSyncTimeInUTC: new Date(Date.now() - 31 * 86_400_000).toISOString() }, 3603],
  ])('refuses %s', async (_what, overrides, code) => {
    const body = downloadBody(overrides);
    for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete body[k];
    expect((await fault(body)).code).toBe(code);
  });

  it('3603 is CampaignServiceFullSyncRequired; 29 days ago and the generated clients\' date-time forms are accepted', async () => {
    expect(await fault(downloadBody({ LastSyncTimeInUTC: new Date(Date.now() - 31 * 86_400_000).toISOString() }))).toMatchObject({ errorCode: 'CampaignServiceFullSyncRequired' });
    const d = new Date(Date.now() - 29 * 86_400_000).toISOString();
    for (const form of [d, d.replace('Z', '+00:00'), d.replace('Z', ''), `${d.slice(0, 19)}.123456`]) {
      expect((await postDownload(sim, { token }, downloadBody({ LastSyncTimeInUTC: form }))).status, form).toBe(200);
    }
    expect((await postDownload(sim, { token }, { AccountIds: [ACCOUNT], DownloadEntities: ['Keywords'], FormatVersion: '6.0' })).status).toBe(200);
  });

  it('an account over 4 million keywords: 3207 CampaignServiceAccountTooBigToDownload with its campaign ids', async () => {
    const huge = await startSimulator(testOptions({ bulkCampaigns: 2, bulkAdGroupsPerCampaign: 1, bulkKeywordsPerAdGroup: 2_000_001 }));
    try {
      const answer = await postDownload(huge, { token: await tokenFor(huge) });
      const campaigns = huge.bulk.entities(ACCOUNT, ['Campaign']).map((c) => c.id);
      expect(restFaultOf(answer)).toMatchObject({ code: 3207, errorCode: 'CampaignServiceAccountTooBigToDownload', details: campaigns.join(';') });
    } finally {
      await huge.close();
    }
  });

  it('GetBulkDownloadStatus: 4201 for an unknown id or another user\'s; unknown members refused', async () => {
    const id = await submitBulk(sim, { token });
    const poll = (body: unknown, t = token) => restPost(statusUrl(sim), body, restHeaders({ token: t }));
    expect(restFaultOf(await poll({ RequestId: 'nope' }))).toMatchObject({ code: 4201, errorCode: 'BulkServiceInvalidRequestId' });
    expect(restFaultOf(await poll({}))).toMatchObject({ code: 4201 });
    expect(restFaultOf(await poll({ RequestId: id, Extra: 1 }))).toMatchObject({ code: 201 });
    const otherUser = await tokenFor(sim, 'conn-b');
    const foreign = await restPost(statusUrl(sim), { RequestId: id }, restHeaders({ token: otherUser, customerId: '2000002', accountId: FOREIGN_ACCOUNT }));
    expect(restFaultOf(foreign)).toMatchObject({ code: 4201 });
    expect((await poll({ RequestId: id })).status).toBe(200);
  });

  it('a file URL with a bad signature or an unknown blob is refused like Azure storage', async () => {
    const file = await downloadBulk(sim, { token }, { DownloadEntities: ['Labels'] });
    const url = new URL(file.status.ResultFileUrl as string);
    url.searchParams.set('sig', 'AAAA');
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(`${sim.urls.base}/downloads/bulk/0123`)).status).toBe(404);
    expect(await readBulkZip(Buffer.from(await (await fetch(file.status.ResultFileUrl as string)).arrayBuffer()))).toMatchObject({ entries: 1 });
  });
});
