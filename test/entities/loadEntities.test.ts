import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { loadBulkCsv, type EntityLoadOutcome, type EntityLoadTarget } from '../../src/entities/loadEntities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Bulk files written by hand in Microsoft's format (BULK-FACTS §6), loaded into real Postgres. */

const HEADER = ['Type', 'Status', 'Id', 'Parent Id', 'Campaign', 'Ad Group', 'Sync Time', 'Name', 'Campaign Type', 'Budget', 'Budget Type', 'Budget Id', 'Budget Name', 'Bid Strategy Type', 'Cpc Bid', 'Start Date', 'End Date', 'Keyword', 'Match Type', 'Bid', 'Final Url', 'Label', 'Color', 'Description', 'Modified Time', 'Editorial Status', 'Asset Group', 'Some Column Microsoft Added'];
type Row = Partial<Record<(typeof HEADER)[number], string>>;
const ACCOUNT = '5001';

function file(sync: string, rows: Row[]): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const all: Row[] = [{ Type: 'Format Version', Name: '6.0' }, { Type: 'Account', Id: ACCOUNT, 'Parent Id': '9', 'Sync Time': sync }, ...rows];
  return `\uFEFF${[HEADER.join(','), ...all.map((r) => HEADER.map((h) => quote(r[h] ?? '')).join(','))].join('\r\n')}\r\n`;
}

const campaign = (id: string, name: string, extra: Row = {}): Row => ({ Type: 'Campaign', Status: 'Active', Id: id, 'Parent Id': ACCOUNT, Campaign: name, 'Campaign Type': 'Search', Budget: '50', 'Budget Type': 'DailyBudgetStandard', 'Bid Strategy Type': 'ManualCpc', 'Modified Time': '11/20/2026 08:00:00', ...extra });
const adGroup = (id: string, campaignId: string, name: string, extra: Row = {}): Row => ({ Type: 'Ad Group', Status: 'Active', Id: id, 'Parent Id': campaignId, Campaign: 'x', 'Ad Group': name, 'Cpc Bid': '0.75', 'Start Date': '11/01/2026', 'Modified Time': '11/20/2026 08:00:00', ...extra });
const keyword = (id: string, adGroupId: string, text: string, extra: Row = {}): Row => ({ Type: 'Keyword', Status: 'Active', Id: id, 'Parent Id': adGroupId, Campaign: 'x', 'Ad Group': 'y', Keyword: text, 'Match Type': 'Exact', Bid: '1.25', 'Modified Time': '11/20/2026 08:00:00.123', ...extra });

const full1 = file('12/01/2026 10:00:00', [
  { Type: 'Budget', Status: 'Active', Id: '900', 'Parent Id': ACCOUNT, 'Budget Name': 'Shared, "main"', Budget: '120.50', 'Budget Type': 'DailyBudgetStandard', 'Modified Time': '11/20/2026 08:00:00' },
  { Type: 'Label', Status: 'Active', Id: '700', Label: 'Brand', Color: '#00FF00', Description: 'brand terms', 'Modified Time': '11/20/2026 08:00:00' },
  campaign('100', 'Search – Brand', { 'Budget Id': '900', 'Budget Name': 'Shared, "main"' }),
  campaign('200', 'PMax', { 'Campaign Type': 'PerformanceMax' }),
  adGroup('110', '100', 'Exact'),
  adGroup('120', '100', 'Broad', { 'End Date': '12/31/2026' }),
  keyword('111', '110', 'contoso shoes'),
  keyword('112', '110', 'contoso boots', { Bid: '' }),
  keyword('121', '120', 'shoes', { 'Match Type': 'Broad', Bid: 'delete_value' }),
  { Type: 'Responsive Search Ad', Status: 'Active', Id: '113', 'Parent Id': '110', 'Final Url': 'https://contoso.example/a', 'Editorial Status': 'Active', 'Modified Time': '11/20/2026 08:00:00' },
  { Type: 'Asset Group', Status: 'Active', Id: '210', 'Parent Id': '200', 'Asset Group': 'AG', 'Start Date': '11/01/2026', 'Modified Time': '11/20/2026 08:00:00' },
  { Type: 'Campaign Label', Status: 'Active', Id: '700', 'Parent Id': '100', 'Modified Time': '11/20/2026 08:00:00' },
  { Type: 'Keyword Label', Status: 'Active', Id: '700', 'Parent Id': '111', 'Modified Time': '11/20/2026 08:00:00' },
  { Type: 'Campaign Negative Site', Status: 'Active', Id: '1', 'Parent Id': '100' },
]);
const ALL = ['campaigns', 'ad_groups', 'ads', 'keywords', 'asset_groups', 'labels', 'budgets', 'label_associations'] as const;

let testDb: TestDatabase;
let runId = 0;
beforeAll(async () => {
  testDb = await createTestDatabase('entities');
});
afterAll(async () => {
  await testDb?.drop();
});

const load = (text: string, mode: 'full' | 'delta', tables: EntityLoadTarget['tables'] = ALL): Promise<EntityLoadOutcome> =>
  loadBulkCsv(testDb.database.pool, { accountId: ACCOUNT, runId: ++runId, mode, tables }, Readable.from([Buffer.from(text)]), async () => undefined);
const q = async <T extends Record<string, unknown>>(sql: string): Promise<T[]> => (await testDb.database.pool.query<T>(sql)).rows;
const digest = async () =>
  (await q<{ d: string }>(`SELECT md5(string_agg(t, '|' ORDER BY t)) AS d FROM (
    SELECT row(c.*)::text AS t FROM campaigns c UNION ALL SELECT row(k.*)::text FROM keywords k UNION ALL SELECT row(h.*)::text FROM keywords_history h
    UNION ALL SELECT row(g.*)::text FROM ad_groups g UNION ALL SELECT row(l.*)::text FROM label_associations l) x`))[0]?.d;

describe('entity tables from Bulk files', () => {
  it('a full download loads exactly its entities, typed, with campaign ids of keywords and ads from their ad groups', async () => {
    const outcome = await load(full1, 'full');
    expect(outcome.syncTime.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(outcome.records).toBe(13);
    expect(outcome.unknownTypes).toEqual({ 'Campaign Negative Site': 1 });
    expect(outcome.unknownColumns).toEqual(['Some Column Microsoft Added']);
    expect(outcome.tables.keywords).toEqual({ inFile: 3, changed: 3, deleted: 0 });
    expect(await q(`SELECT id::text, name, status, campaign_type, budget::text, budget_id::text, budget_name, bid_strategy_type, modified_time FROM campaigns ORDER BY id`)).toEqual([
      { id: '100', name: 'Search – Brand', status: 'Active', campaign_type: 'Search', budget: '50', budget_id: '900', budget_name: 'Shared, "main"', bid_strategy_type: 'ManualCpc', modified_time: new Date('2026-11-20T08:00:00Z') },
      { id: '200', name: 'PMax', status: 'Active', campaign_type: 'PerformanceMax', budget: '50', budget_id: null, budget_name: null, bid_strategy_type: 'ManualCpc', modified_time: new Date('2026-11-20T08:00:00Z') },
    ]);
    expect(await q(`SELECT id::text, ad_group_id::text, campaign_id::text, keyword, match_type, bid::text, modified_time FROM keywords ORDER BY id`)).toEqual([
      { id: '111', ad_group_id: '110', campaign_id: '100', keyword: 'contoso shoes', match_type: 'Exact', bid: '1.25', modified_time: new Date('2026-11-20T08:00:00.123Z') },
      { id: '112', ad_group_id: '110', campaign_id: '100', keyword: 'contoso boots', match_type: 'Exact', bid: null, modified_time: new Date('2026-11-20T08:00:00.123Z') },
      { id: '121', ad_group_id: '120', campaign_id: '100', keyword: 'shoes', match_type: 'Broad', bid: null, modified_time: new Date('2026-11-20T08:00:00.123Z') },
    ]);
    expect(await q(`SELECT to_char(start_date, 'YYYY-MM-DD') AS s, to_char(end_date, 'YYYY-MM-DD') AS e, cpc_bid::text AS bid FROM ad_groups ORDER BY id`)).toEqual([
      { s: '2026-11-01', e: null, bid: '0.75' },
      { s: '2026-11-01', e: '2026-12-31', bid: '0.75' },
    ]);
    expect(await q(`SELECT id::text, ad_type, campaign_id::text, final_url FROM ads`)).toEqual([{ id: '113', ad_type: 'Responsive Search Ad', campaign_id: '100', final_url: 'https://contoso.example/a' }]);
    expect(await q(`SELECT label_id::text, entity_type, entity_id::text FROM label_associations ORDER BY entity_id`)).toEqual([
      { label_id: '700', entity_type: 'Campaign', entity_id: '100' },
      { label_id: '700', entity_type: 'Keyword', entity_id: '111' },
    ]);
    expect(await q(`SELECT b.name, b.budget::text, l.color FROM budgets b, labels l`)).toEqual([{ name: 'Shared, "main"', budget: '120.50', color: '#00FF00' }]);
    expect(await q(`SELECT count(*)::int AS n, count(*) FILTER (WHERE valid_to IS NULL)::int AS open, min(valid_from) AS since FROM keywords_history`)).toEqual([{ n: 3, open: 3, since: new Date('2026-12-01T10:00:00Z') }]);
  });

  it('re-loading the same file changes nothing: no row written, no version added', async () => {
    const before = await digest();
    const outcome = await load(full1, 'full');
    for (const counts of Object.values(outcome.tables)) expect([counts.changed, counts.deleted]).toEqual([0, 0]);
    expect(await digest()).toBe(before);
  });

  it('a delta applies renames, additions and deletions, and a deleted campaign or ad group takes its children along', async () => {
    const delta = file('12/02/2026 10:00:00', [
      campaign('100', 'Search – Brand (renamed)', { 'Budget Id': '900', 'Modified Time': '12/02/2026 09:00:00' }),
      // Only the deleted parents' own records: their children never come as Deleted (BULK-FACTS §7.2).
      { Type: 'Ad Group', Status: 'Deleted', Id: '120', 'Parent Id': '100' },
      { Type: 'Campaign', Status: 'Deleted', Id: '200', 'Parent Id': ACCOUNT },
      keyword('114', '110', 'contoso sandals', { 'Modified Time': '12/02/2026 09:00:00' }),
    ]);
    const outcome = await load(delta, 'delta');
    expect(outcome.tables.campaigns).toEqual({ inFile: 2, changed: 1, deleted: 1 });
    expect(outcome.tables.keywords).toEqual({ inFile: 1, changed: 1, deleted: 1 });
    expect(outcome.tables.asset_groups).toEqual({ inFile: 0, changed: 0, deleted: 1 });
    expect(await q(`SELECT id::text, name, status, is_deleted, deleted_at FROM campaigns ORDER BY id`)).toEqual([
      { id: '100', name: 'Search – Brand (renamed)', status: 'Active', is_deleted: false, deleted_at: null },
      // A deleted record's other columns are unreliable: the row keeps what it was, marked.
      { id: '200', name: 'PMax', status: 'Deleted', is_deleted: true, deleted_at: new Date('2026-12-02T10:00:00Z') },
    ]);
    expect(await q(`SELECT id::text, status, is_deleted FROM keywords ORDER BY id`)).toEqual([
      { id: '111', status: 'Active', is_deleted: false },
      { id: '112', status: 'Active', is_deleted: false },
      { id: '114', status: 'Active', is_deleted: false },
      { id: '121', status: 'Deleted', is_deleted: true },
    ]);
    expect(await q(`SELECT status FROM asset_groups`)).toEqual([{ status: 'Deleted' }]);
    // History: the rename closed the old version and opened a new one; deletions closed theirs.
    expect(await q(`SELECT name, valid_from, valid_to FROM campaigns_history WHERE id = 100 ORDER BY valid_from`)).toEqual([
      { name: 'Search – Brand', valid_from: new Date('2026-12-01T10:00:00Z'), valid_to: new Date('2026-12-02T10:00:00Z') },
      { name: 'Search – Brand (renamed)', valid_from: new Date('2026-12-02T10:00:00Z'), valid_to: null },
    ]);
    expect(await q(`SELECT id::text, valid_to FROM keywords_history WHERE valid_to IS NOT NULL`)).toEqual([{ id: '121', valid_to: new Date('2026-12-02T10:00:00Z') }]);
    expect(await q(`SELECT count(*)::int AS n FROM asset_groups_history WHERE valid_to IS NULL`)).toEqual([{ n: 0 }]);
    // A BI filter on status never shows a deleted entity as active.
    expect(await q(`SELECT count(*)::int AS n FROM keywords WHERE status = 'Active' AND is_deleted`)).toEqual([{ n: 0 }]);
  });

  it('a full download marks what it no longer lists as deleted, label associations included', async () => {
    const full3 = file('12/03/2026 10:00:00', [
      { Type: 'Budget', Status: 'Active', Id: '900', 'Parent Id': ACCOUNT, 'Budget Name': 'Shared, "main"', Budget: '120.50', 'Budget Type': 'DailyBudgetStandard', 'Modified Time': '11/20/2026 08:00:00' },
      { Type: 'Label', Status: 'Active', Id: '700', Label: 'Brand', Color: '#00FF00', Description: 'brand terms', 'Modified Time': '11/20/2026 08:00:00' },
      campaign('100', 'Search – Brand (renamed)', { 'Budget Id': '900', 'Budget Name': 'Shared, "main"', 'Modified Time': '12/02/2026 09:00:00' }),
      adGroup('110', '100', 'Exact'),
      keyword('111', '110', 'contoso shoes'),
      keyword('114', '110', 'contoso sandals', { 'Modified Time': '12/02/2026 09:00:00' }),
      { Type: 'Responsive Search Ad', Status: 'Active', Id: '113', 'Parent Id': '110', 'Final Url': 'https://contoso.example/a', 'Editorial Status': 'Active', 'Modified Time': '11/20/2026 08:00:00' },
      { Type: 'Campaign Label', Status: 'Active', Id: '700', 'Parent Id': '100', 'Modified Time': '11/20/2026 08:00:00' },
    ]);
    const outcome = await load(full3, 'full');
    expect(outcome.tables.keywords).toMatchObject({ deleted: 1 });
    expect(await q(`SELECT id::text FROM keywords WHERE NOT is_deleted ORDER BY id`)).toEqual([{ id: '111' }, { id: '114' }]);
    expect(await q(`SELECT entity_id::text, is_deleted FROM label_associations ORDER BY entity_id`)).toEqual([
      { entity_id: '100', is_deleted: false },
      { entity_id: '111', is_deleted: true },
    ]);
    // Campaign 200 was deleted already: a later full file leaves it as it was.
    expect(await q(`SELECT deleted_at FROM campaigns WHERE id = 200`)).toEqual([{ deleted_at: new Date('2026-12-02T10:00:00Z') }]);
  });

  it('a bad value or a file of another account fails with a clear error and changes nothing', async () => {
    const before = await digest();
    const bad = file('12/04/2026 10:00:00', [keyword('115', '110', 'x', { Bid: 'one euro' })]);
    const err = await load(bad, 'delta').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportFileError);
    expect((err as Error).message).toMatch(/line 4 \(Keyword\), column "Bid": "one euro" is not a numeric/);
    const other = file('12/04/2026 10:00:00', []).replace(`Account,,${ACCOUNT}`, 'Account,,6001');
    await expect(load(other, 'delta')).rejects.toThrow(/for account 6001, not 5001/);
    const noSync = file('', []);
    await expect(load(noSync, 'delta')).rejects.toThrow(/Sync Time/);
    expect(await digest()).toBe(before);
  });
});
