import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, testOptions, tokenFor } from './helpers.js';
import { downloadBulk, entityRows, pollBulkUntilDone, submitBulk, syncTimeIso } from './bulkHelpers.js';

/** Delta downloads (BULK-FACTS §7): changed records whole, Deleted records, a deleted parent hides its children. */

let sim: Simulator;
let token: string;
beforeEach(async () => {
  sim = await startSimulator(testOptions({ bulkGenerationMs: 0 }));
  token = await tokenFor(sim);
});
afterEach(async () => {
  await sim.close();
});

const full = () => downloadBulk(sim, { token });
const delta = (since: string) => downloadBulk(sim, { token }, { LastSyncTimeInUTC: since });
const syncOf = (file: { rows: Record<string, string>[] }) => syncTimeIso(file.rows[1]?.['Sync Time'] as string);
const brief = (rows: Record<string, string>[]) => rows.slice(2).map((r) => `${r.Type}|${r.Id}|${r['Parent Id'] ?? ''}|${r.Status}`).sort();
/** Sync Time has whole seconds: a change in the second of a Sync Time comes again in the delta from it (at least once). */
const nextSecond = () => new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
const of = (type: string) => sim.bulk.entities(ACCOUNT).filter((e) => e.type === type);

describe('delta downloads', () => {
  it('bring exactly the renamed, updated, added and removed records, and no child of a removed campaign or ad group', async () => {
    const first = await full();
    const since = syncOf(first);
    const [c0, c1, c2] = of('Campaign');
    const keywordsOfC1 = of('Keyword').filter((k) => of('Ad Group').some((g) => g.id === k.parentId && g.parentId === c1?.id));
    const adGroupsOfC2 = of('Ad Group').filter((g) => g.parentId === c2?.id);
    const renamedKeyword = keywordsOfC1[1];
    const removedKeyword = keywordsOfC1[2];
    const removedAdGroup = adGroupsOfC2[0];
    const updatedAdGroup = adGroupsOfC2[1];
    if (!c0 || !c1 || !c2 || !renamedKeyword || !removedKeyword || !removedAdGroup || !updatedAdGroup) throw new Error('world too small');

    sim.bulk.rename(ACCOUNT, 'Keyword', renamedKeyword.id, 'renamed, "keyword"');
    sim.bulk.rename(ACCOUNT, 'Campaign', c1.id, 'Renamed campaign');
    sim.bulk.update(ACCOUNT, 'Ad Group', updatedAdGroup.id, { 'Cpc Bid': '1.23', Status: 'Paused' });
    const removedKeywordDeletions = sim.bulk.remove(ACCOUNT, 'Keyword', removedKeyword.id);
    const adGroupDeletions = sim.bulk.remove(ACCOUNT, 'Ad Group', removedAdGroup.id);
    const campaignDeletions = sim.bulk.remove(ACCOUNT, 'Campaign', c0.id);
    const added = sim.bulk.add(ACCOUNT, { type: 'Keyword', parentId: updatedAdGroup.id, fields: { Keyword: 'new keyword', 'Match Type': 'Exact', Bid: '0.77' } });
    const label = of('Label')[3];
    if (!label) throw new Error('no label');
    const association = sim.bulk.add(ACCOUNT, { type: 'Keyword Label', id: label.id, parentId: added.id });
    const newCampaign = sim.bulk.add(ACCOUNT, { type: 'Campaign', fields: { Campaign: 'New campaign', 'Campaign Type': 'Search', Budget: '10.00', 'Budget Type': 'DailyBudgetStandard' } });

    // The removed campaign took its ad groups, ads, keywords and label associations with it.
    expect(campaignDeletions[0]).toMatchObject({ type: 'Campaign', id: c0.id });
    expect(campaignDeletions.length).toBeGreaterThan(10);
    expect(campaignDeletions.slice(1).every((d) => d.cascadedFrom?.id === c0.id)).toBe(true);
    expect(sim.bulk.deleted(ACCOUNT)).toHaveLength(removedKeywordDeletions.length + adGroupDeletions.length + campaignDeletions.length);
    expect(of('Ad Group').some((g) => g.parentId === c0.id)).toBe(false);

    await nextSecond();
    const d = await delta(since);
    expect(d.headers).toEqual(first.headers);
    expect(d.rows[0]).toEqual({ Type: 'Format Version', Name: '6.0' });
    expect(d.rows[1]?.Type).toBe('Account');
    const expected = [
      `Keyword|${renamedKeyword.id}|${renamedKeyword.parentId}|${renamedKeyword.fields.Status}`,
      `Campaign|${c1.id}|${ACCOUNT}|${c1.fields.Status}`,
      `Ad Group|${updatedAdGroup.id}|${c2.id}|Paused`,
      `Keyword|${added.id}|${updatedAdGroup.id}|Active`,
      `Keyword Label|${label.id}|${added.id}|Active`,
      `Campaign|${newCampaign.id}|${ACCOUNT}|Active`,
      `Keyword|${removedKeyword.id}|${removedKeyword.parentId}|Deleted`,
      // The removed keyword's own label associations come as deleted too (not hidden: its parent lives).
      ...removedKeywordDeletions.slice(1).map((x) => `${x.type}|${x.id}|${x.parentId}|Deleted`),
      `Ad Group|${removedAdGroup.id}|${c2.id}|Deleted`,
      `Campaign|${c0.id}|${ACCOUNT}|Deleted`,
    ].sort();
    expect(brief(d.rows)).toEqual(expected);
    // Changed records come whole, as the current entities.
    const current = new Map(entityRows(sim).map((r) => [`${r.Type}|${r.Id}|${r['Parent Id'] ?? ''}`, r]));
    for (const row of d.rows.slice(2).filter((r) => r.Status !== 'Deleted')) expect(row).toEqual(current.get(`${row.Type}|${row.Id}|${row['Parent Id'] ?? ''}`));
    expect(d.rows.find((r) => r.Id === renamedKeyword.id)?.Keyword).toBe('renamed, "keyword"');
    expect(d.rows.find((r) => r.Id === updatedAdGroup.id)?.['Cpc Bid']).toBe('1.23');
    // Deleted records carry ids, status and when.
    expect(d.rows.find((r) => r.Id === c0.id)).toEqual({ Type: 'Campaign', Status: 'Deleted', Id: c0.id, 'Parent Id': ACCOUNT, 'Modified Time': expect.stringMatching(/^\d{2}\/\d{2}\/\d{4} /) });
    // No children of the removed campaign or ad group, deleted or not.
    const hidden = new Set([...campaignDeletions.slice(1), ...adGroupDeletions.slice(1)].map((x) => x.id));
    expect(hidden.size).toBeGreaterThan(0);
    expect(d.rows.filter((r) => hidden.has(r.Id as string) && r.Type !== 'Campaign' && r.Type !== 'Ad Group')).toEqual([]);

    // A delta from the new Sync Time is empty; the next full file lists only what exists.
    const next = await delta(syncOf(d));
    expect(next.rows.slice(2)).toEqual([]);
    const again = await full();
    expect(again.rows.slice(2)).toEqual(entityRows(sim));
    expect(again.rows.some((r) => r.Status === 'Deleted')).toBe(false);
    expect(again.rows.some((r) => r.Id === c0.id)).toBe(false);
  });

  it('a child deleted before its campaign is hidden too; a removed label takes its associations, which come as Deleted', async () => {
    const since = syncOf(await full());
    const campaign = of('Campaign')[1];
    const keyword = of('Keyword').find((k) => of('Ad Group').some((g) => g.id === k.parentId && g.parentId === campaign?.id));
    if (!campaign || !keyword) throw new Error('world too small');
    sim.bulk.remove(ACCOUNT, 'Keyword', keyword.id);
    sim.bulk.remove(ACCOUNT, 'Campaign', campaign.id);
    const label = of('Label')[0];
    if (!label) throw new Error('no label');
    const associations = sim.bulk.entities(ACCOUNT).filter((e) => e.type.endsWith(' Label') && e.id === label.id);
    expect(associations.length).toBeGreaterThan(0);
    const labelDeletions = sim.bulk.remove(ACCOUNT, 'Label', label.id);
    expect(labelDeletions.map((x) => `${x.type}|${x.parentId}`).sort()).toEqual(['Label|', ...associations.map((a) => `${a.type}|${a.parentId}`)].sort());
    const d = await delta(since);
    expect(brief(d.rows)).toEqual([`Campaign|${campaign.id}|${ACCOUNT}|Deleted`, `Label|${label.id}||Deleted`, ...associations.map((a) => `${a.type}|${a.id}|${a.parentId}|Deleted`)].sort());
  });

  it('a change in the same second as a Sync Time comes again in the delta from it (whole seconds, at least once)', async () => {
    const keyword = of('Keyword')[0];
    if (!keyword) throw new Error('no keyword');
    await nextSecond();
    sim.bulk.rename(ACCOUNT, 'Keyword', keyword.id, 'same second');
    const file = await full();
    if (Math.floor(Date.now() / 1000) * 1000 !== Date.parse(syncOf(file))) return; // the second rolled over: nothing to show
    const d = await delta(syncOf(file));
    expect(brief(d.rows)).toContain(`Keyword|${keyword.id}|${keyword.parentId}|${keyword.fields.Status}`);
  });

  it('a file is the world at submit: a change made while it is prepared comes in the next delta', async () => {
    const slow = await startSimulator(testOptions({ bulkGenerationMs: 100 }));
    try {
      const t = await tokenFor(slow);
      const id = await submitBulk(slow, { token: t });
      const campaign = slow.bulk.entities(ACCOUNT).find((e) => e.type === 'Campaign');
      if (!campaign) throw new Error('no campaign');
      slow.bulk.rename(ACCOUNT, 'Campaign', campaign.id, 'Changed while preparing');
      const status = await pollBulkUntilDone(slow, { token: t }, id);
      const { readBulkZip } = await import('./bulkHelpers.js');
      const file = await readBulkZip(Buffer.from(await (await fetch(status.ResultFileUrl as string)).arrayBuffer()));
      expect(file.rows.find((r) => r.Id === campaign.id)?.Campaign).toBe(campaign.fields.Campaign);
      const d = await downloadBulk(slow, { token: t }, { LastSyncTimeInUTC: syncOf(file) });
      expect(d.rows.find((r) => r.Id === campaign.id)?.Campaign).toBe('Changed while preparing');
    } finally {
      await slow.close();
    }
  });

  it('children show their parent\'s current name in a full file; a delta does not re-send them after a parent rename', async () => {
    const since = syncOf(await full());
    const campaign = of('Campaign')[0];
    if (!campaign) throw new Error('no campaign');
    sim.bulk.rename(ACCOUNT, 'Campaign', campaign.id, 'Brand new name');
    const children = of('Ad Group').filter((g) => g.parentId === campaign.id);
    expect(children.every((g) => g.fields.Campaign === 'Brand new name')).toBe(true);
    const d = await delta(since);
    expect(brief(d.rows)).toEqual([`Campaign|${campaign.id}|${ACCOUNT}|${campaign.fields.Status}`]);
  });

  it('a shared budget removed: its campaigns lose Budget Id and come in the delta', async () => {
    const since = syncOf(await full());
    const user = of('Campaign').find((c) => c.fields['Budget Id']);
    const budgetId = user?.fields['Budget Id'];
    if (!user || !budgetId) throw new Error('no shared budget in use');
    sim.bulk.remove(ACCOUNT, 'Budget', budgetId);
    expect(sim.bulk.get(ACCOUNT, 'Campaign', user.id)?.fields['Budget Id']).toBeUndefined();
    const d = await delta(since);
    expect(brief(d.rows)).toContain(`Budget|${budgetId}|${ACCOUNT}|Deleted`);
    expect(d.rows.find((r) => r.Id === user.id && r.Type === 'Campaign')?.['Budget Id']).toBeUndefined();
  });

  it('the sim.bulk handle refuses what Microsoft would not have', () => {
    const keyword = of('Keyword')[0];
    const adGroup = of('Ad Group')[0];
    const pmax = of('Campaign').find((c) => c.fields['Campaign Type'] === 'PerformanceMax');
    if (!keyword || !adGroup || !pmax) throw new Error('world too small');
    expect(() => sim.bulk.update(ACCOUNT, 'Keyword', keyword.id, { Id: '1' })).toThrow(/set by the simulator/);
    expect(() => sim.bulk.update(ACCOUNT, 'Keyword', keyword.id, { Campaign: 'x' })).toThrow(/comes from its parent/);
    expect(() => sim.bulk.update(ACCOUNT, 'Keyword', keyword.id, { Color: '#000000' })).toThrow(/no column/);
    expect(() => sim.bulk.rename(ACCOUNT, 'Responsive Search Ad', keyword.id, 'x')).toThrow(/has no name/);
    expect(() => sim.bulk.add(ACCOUNT, { type: 'Keyword', parentId: '1' })).toThrow(/no current Ad Group/);
    expect(() => sim.bulk.add(ACCOUNT, { type: 'Ad Group', parentId: pmax.id })).toThrow(/cannot go in a PerformanceMax campaign/);
    sim.bulk.remove(ACCOUNT, 'Keyword', keyword.id);
    expect(() => sim.bulk.remove(ACCOUNT, 'Keyword', keyword.id)).toThrow(/no current Keyword/);
    expect(sim.bulk.get(ACCOUNT, 'Keyword', keyword.id)).toBeUndefined();
    const asset = sim.bulk.add(ACCOUNT, { type: 'Asset Group', parentId: pmax.id, fields: { 'Asset Group': 'Added group' } });
    expect(asset.fields).toMatchObject({ Id: asset.id, 'Parent Id': pmax.id, Campaign: pmax.fields.Campaign, 'Asset Group': 'Added group', Status: 'Active' });
    const updated = sim.bulk.update(ACCOUNT, 'Ad Group', adGroup.id, { 'End Date': '' });
    expect(updated.fields['End Date']).toBeUndefined();
    expect(updated.modifiedAt).toBeGreaterThan(adGroup.modifiedAt);
  });
});
