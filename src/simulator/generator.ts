import type { Aggregation } from '../reports/aggregations.js';
import { columnSpec } from '../reports/columnTypes.js';
import { dayOfWeek, periodStart } from '../reports/periods.js';
import { HISTORICAL_SCORE_COLUMNS, IMPRESSION_SHARE_COLUMNS, QUALITY_SCORE_COLUMNS } from '../reports/requestRules.js';
import { defaultCurrencyCode } from './customerAccounts.js';

/**
 * Deterministic report rows, as Microsoft's CSV would hold them (FormatVersion 2.0 strings: "--" for
 * scores not computed, "" for unavailable shares, "2.13%" for percents, "YYYY-MM-DD|H" for hours,
 * "YYYY" for years, 1-7 for weekdays, M/D/YYYY for BudgetSummary's Date), for any columns of any
 * report and every aggregation.
 * The same options always give the same rows, so tests know exact expected totals and the demo,
 * the simulator and the benchmark share one generator.
 */

export interface AccountShape {
  campaigns: number;
  adGroupsPerCampaign: number;
  keywordsPerAdGroup: number;
}

export const DEFAULT_SHAPE: AccountShape = { campaigns: 3, adGroupsPerCampaign: 2, keywordsPerAdGroup: 3 };

export interface GenerateOptions {
  /** Exactly the requested columns, in request order: the CSV's columns. */
  columns: readonly string[];
  aggregation: Aggregation;
  accountId: string;
  /** Inclusive window, YYYY-MM-DD. */
  from: string;
  to: string;
  seed: string;
  shape?: AccountShape;
  /** CurrencyCode of every row; by default the account's own (defaultCurrencyCode), as Customer Management reports it. */
  currencyCode?: string;
}

/** Values of the grouping attributes the generator fans rows out over. */
const DIMENSIONS: Record<string, readonly string[]> = {
  DeviceType: ['Computer', 'Smartphone', 'Tablet'],
  Network: ['Microsoft sites and select traffic', 'Syndicated search partners'],
  AdDistribution: ['Search'],
  DeliveredMatchType: ['Exact', 'Phrase', 'Broad'],
  BidMatchType: ['Exact', 'Phrase', 'Broad'],
  TopVsOther: ['Microsoft sites and select traffic - top', 'Microsoft sites and select traffic - other'],
  DeviceOS: ['Windows', 'iOS', 'Android'],
  AgeGroup: ['18-24', '25-34', '35-49', '50-64', '65+'],
  Gender: ['Male', 'Female', 'Unknown'],
};

/** FNV-1a: a fast, stable 32-bit string hash. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

function parseDay(day: string): number {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`not a date: ${day}`);
  return t;
}

function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The TimePeriod values of a window, in Microsoft's FormatVersion 2.0 text. Summary has no TimePeriod:
 * its one "period" is the window itself, "from..to", which is how totals are keyed.
 */
export function timePeriods(aggregation: Aggregation, from: string, to: string): string[] {
  const start = parseDay(from);
  const end = parseDay(to);
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY_MS) days.push(formatDay(t));
  const distinct = (values: string[]) => [...new Set(values)];
  switch (aggregation) {
    case 'Summary':
      return [`${from}..${to}`];
    case 'Hourly':
      return days.flatMap((d) => Array.from({ length: 24 }, (_, h) => `${d}|${h}`));
    case 'HourOfDay':
      return Array.from({ length: 24 }, (_, h) => String(h));
    case 'DayOfWeek':
      return distinct(days.map((d) => String(dayOfWeek(d)))).sort();
    case 'Yearly':
      return distinct(days.map((d) => d.slice(0, 4)));
    default:
      // Daily, and the first day of each week or month (the window's first one may start before it).
      return distinct(days.map((d) => periodStart(aggregation, d)));
  }
}

interface Entity {
  campaignId: string;
  campaignName: string;
  adGroupId: string;
  adGroupName: string;
  keywordId: string;
  keyword: string;
}

const WORDS = ['red', 'blue', 'running', 'trail', 'leather', 'cheap', 'waterproof', 'kids', 'mens', 'womens', 'sale'];
const NOUNS = ['shoes', 'boots', 'sneakers', 'sandals', 'jackets', 'socks', 'hats'];

function entities(accountId: string, columns: ReadonlySet<string>, shape: AccountShape): Entity[] {
  const level = columns.has('KeywordId') || columns.has('Keyword') ? 3 : columns.has('AdGroupId') || columns.has('AdGroupName') ? 2 : columns.has('CampaignId') || columns.has('CampaignName') ? 1 : 0;
  const base = Number(BigInt(accountId) % 100_000n) * 1_000;
  const out: Entity[] = [];
  const campaigns = level >= 1 ? shape.campaigns : 1;
  for (let c = 0; c < campaigns; c++) {
    const campaignId = String(800_000_000 + base + c);
    const adGroups = level >= 2 ? shape.adGroupsPerCampaign : 1;
    for (let g = 0; g < adGroups; g++) {
      const adGroupId = String(5_000_000_000 + (base + c) * 1_000 + g);
      const keywords = level >= 3 ? shape.keywordsPerAdGroup : 1;
      for (let k = 0; k < keywords; k++) {
        const n = (c * 7919 + g * 104729 + k) >>> 0;
        out.push({
          campaignId,
          campaignName: `Campaign ${c + 1} "Brand, Generic"`,
          adGroupId,
          adGroupName: `Ad group ${c + 1}.${g + 1}`,
          keywordId: String(70_000_000_000 + (base + c) * 1_000_000 + g * 1_000 + k),
          keyword: `${WORDS[n % WORDS.length]} ${NOUNS[(n >>> 3) % NOUNS.length]} ${c + 1}.${g + 1}.${k + 1}`,
        });
      }
    }
  }
  return out;
}

function cartesian(lists: (readonly string[])[]): string[][] {
  let out: string[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}

const MATCH_BREADTH: Record<string, number> = { Exact: 0, Phrase: 1, Broad: 2 };
const OS_OF_DEVICE: Record<string, readonly string[]> = { Computer: ['Windows'], Smartphone: ['iOS', 'Android'], Tablet: ['iOS', 'Android'] };

/**
 * Combinations a real report can hold: a search is delivered at most as broadly as the keyword's bid
 * match type allows, and a device runs its own operating systems. Keeps files realistic and smaller.
 */
function plausible(names: readonly string[], combo: readonly string[]): boolean {
  const value = (name: string) => {
    const i = names.indexOf(name);
    return i < 0 ? undefined : combo[i];
  };
  const bid = value('BidMatchType');
  const delivered = value('DeliveredMatchType');
  if (bid !== undefined && delivered !== undefined && (MATCH_BREADTH[delivered] ?? 0) > (MATCH_BREADTH[bid] ?? 0)) return false;
  const device = value('DeviceType');
  const os = value('DeviceOS');
  return device === undefined || os === undefined || (OS_OF_DEVICE[device] ?? []).includes(os);
}

const money = (cents: number) => (cents / 100).toFixed(2);
const pct = (value: number) => `${value.toFixed(2)}%`;

/** One generated row: the CSV values in column order, plus the figures tests sum. */
export interface GeneratedRow {
  values: string[];
  timePeriod: string;
  impressions: number;
  clicks: number;
  spendCents: number;
}

/** Yields the rows of a report in a stable order. Memory stays flat however many rows it yields. */
export function* generateRows(options: GenerateOptions): Generator<GeneratedRow> {
  const { periods, ents, combos, cells } = plan(options);
  const seedHash = hash(`${options.seed}|${options.accountId}`);
  const f: RowFacts = {
    period: '',
    entity: 0,
    ent: ents[0] as Entity,
    combo: [],
    impressions: 0,
    clicks: 0,
    spendCents: 0,
    conversionsHundredths: 0,
    revenueCents: 0,
    scoreKnown: false,
    shareKnown: false,
    rand: Math.random,
  };
  for (const period of periods) {
    const periodHash = hash(period) ^ seedHash;
    f.period = period;
    for (let e = 0; e < ents.length; e++) {
      f.entity = e;
      f.ent = ents[e] as Entity;
      for (let d = 0; d < combos.length; d++) {
        f.combo = combos[d] as string[];
        const rand = prng(periodHash ^ Math.imul(e + 1, 0x9e3779b1) ^ Math.imul(d + 1, 0x85ebca6b));
        f.rand = rand;
        // Roughly one row in six has no impressions but still a click (Microsoft attributes clicks to
        // impressions outside the period), which exercises zero division in the rates.
        const impressions = rand() < 0.15 ? 0 : Math.floor(rand() * 5_000) + 1;
        const clicks = impressions === 0 ? (rand() < 0.5 ? 1 : 0) : Math.floor(impressions * rand() * 0.08);
        const cpcCents = 20 + Math.floor(rand() * 280);
        const spendCents = clicks * cpcCents;
        const conversionsHundredths = clicks === 0 ? 0 : Math.floor(clicks * rand() * 12);
        f.impressions = impressions;
        f.clicks = clicks;
        f.spendCents = spendCents;
        f.conversionsHundredths = conversionsHundredths;
        f.revenueCents = Math.floor(conversionsHundredths * (15 + rand() * 60));
        f.scoreKnown = rand() > 0.2;
        f.shareKnown = rand() > 0.25;
        // In column order: cells that draw from rand draw in the same order as they always have.
        const values: string[] = new Array(cells.length);
        for (let i = 0; i < cells.length; i++) values[i] = (cells[i] as Cell)(f);
        yield { values, timePeriod: period, impressions, clicks, spendCents };
      }
    }
  }
}

/** How many rows generateRows yields for these options, without generating them (periods × entities × combinations). */
export function countRows(options: GenerateOptions): number {
  const { periods, ents, combos } = fanOut(options);
  return periods.length * ents.length * combos.length;
}

/** What a file's rows fan out over: periods × entities × plausible combinations of the grouping attributes. */
function fanOut(options: GenerateOptions): { periods: string[]; ents: Entity[]; combos: string[][]; dimensionNames: string[] } {
  const dimensionNames = options.columns.filter((c) => DIMENSIONS[c] !== undefined);
  return {
    periods: timePeriods(options.aggregation, options.from, options.to),
    ents: entities(options.accountId, new Set(options.columns), options.shape ?? DEFAULT_SHAPE),
    combos: cartesian(dimensionNames.map((d) => DIMENSIONS[d] ?? [])).filter((c) => plausible(dimensionNames, c)),
    dimensionNames,
  };
}

/** The fan-out plus how each column's cell is made: worked out once per file, not per cell. */
function plan(options: GenerateOptions): { periods: string[]; ents: Entity[]; combos: string[][]; cells: Cell[] } {
  const { periods, ents, combos, dimensionNames } = fanOut(options);
  const context: CellContext = {
    options,
    ents,
    accountNumber: `F${(hash(options.accountId) % 10_000_000).toString().padStart(7, '0')}`,
    currency: options.currencyCode ?? defaultCurrencyCode(options.accountId),
  };
  const cells = options.columns.map((column): Cell => {
    const dimIndex = dimensionNames.indexOf(column);
    return dimIndex >= 0 ? (f) => f.combo[dimIndex] as string : cellFor(column, context);
  });
  return { periods, ents, combos, cells };
}

interface RowFacts {
  period: string;
  /** Index of `ent` in the file's entities. */
  entity: number;
  ent: Entity;
  combo: readonly string[];
  impressions: number;
  clicks: number;
  spendCents: number;
  conversionsHundredths: number;
  revenueCents: number;
  scoreKnown: boolean;
  shareKnown: boolean;
  rand: () => number;
}

type Cell = (f: RowFacts) => string;

interface CellContext {
  options: GenerateOptions;
  ents: readonly Entity[];
  accountNumber: string;
  currency: string;
}

const constant = (value: string): Cell => () => value;

/** A cell that depends on the column and the entity only: one value per entity, made once. */
function perEntity(ents: readonly Entity[], value: (ent: Entity) => string): Cell {
  const values = ents.map(value);
  return (f) => values[f.entity] as string;
}

function cellFor(column: string, c: CellContext): Cell {
  const conversions = (f: RowFacts) => f.conversionsHundredths / 100;
  switch (column) {
    case 'TimePeriod':
      return (f) => f.period;
    case 'AccountId':
      return constant(c.options.accountId);
    case 'AccountName':
      return constant(`Account ${c.options.accountId}`);
    case 'AccountNumber':
      return constant(c.accountNumber);
    case 'AccountStatus':
    case 'CampaignStatus':
    case 'AdGroupStatus':
    case 'KeywordStatus':
    case 'AdStatus':
      return constant('Active');
    case 'CampaignId':
      return (f) => f.ent.campaignId;
    case 'CampaignName':
      return (f) => f.ent.campaignName;
    case 'CampaignType':
      return constant('Search & content');
    case 'AdGroupId':
      return (f) => f.ent.adGroupId;
    case 'AdGroupName':
      return (f) => f.ent.adGroupName;
    case 'KeywordId':
      return (f) => f.ent.keywordId;
    case 'Keyword':
      return (f) => f.ent.keyword;
    case 'CurrencyCode':
      return constant(c.currency);
    case 'Date':
      // BudgetSummary's day, in the M/D/YYYY form it has been seen in.
      return (f) => {
        const [y, m, d] = f.period.split('-');
        return `${Number(m)}/${Number(d)}/${y}`;
      };
    case 'DailySpend':
      return (f) => money(f.spendCents);
    case 'Impressions':
      return (f) => String(f.impressions);
    case 'Clicks':
      return (f) => String(f.clicks);
    case 'Spend':
      return (f) => money(f.spendCents);
    case 'Ctr':
      return (f) => pct(f.impressions === 0 ? 0 : (f.clicks / f.impressions) * 100);
    case 'AverageCpc':
      return (f) => money(f.clicks === 0 ? 0 : Math.round(f.spendCents / f.clicks));
    case 'Conversions':
    case 'AllConversions':
      return (f) => conversions(f).toFixed(2);
    case 'ConversionRate':
      return (f) => (f.clicks === 0 ? '' : pct((conversions(f) / f.clicks) * 100));
    case 'CostPerConversion':
      return (f) => (f.conversionsHundredths === 0 ? '' : money(Math.round((f.spendCents * 100) / f.conversionsHundredths)));
    case 'Revenue':
    case 'AllRevenue':
      return (f) => money(f.revenueCents);
    case 'ReturnOnAdSpend':
      return (f) => (f.spendCents === 0 ? '' : ((f.revenueCents / f.spendCents) * 100).toFixed(2));
    case 'ViewThroughConversions':
      return (f) => String(Math.floor(f.rand() * 3));
    case 'Assists':
      return (f) => String(Math.floor(f.rand() * 4));
    case 'QualityScore':
    case 'HistoricalQualityScore':
      return (f) => (f.scoreKnown ? String(1 + Math.floor(f.rand() * 10)) : '--');
    default:
      if (QUALITY_SCORE_COLUMNS.has(column) || HISTORICAL_SCORE_COLUMNS.has(column)) {
        return (f) => (f.scoreKnown ? String(1 + Math.floor(f.rand() * 3)) : '--');
      }
      // Microsoft serves impression shares by hour without error, with values to ignore: empty here.
      if (IMPRESSION_SHARE_COLUMNS.has(column) && (c.options.aggregation === 'Hourly' || c.options.aggregation === 'HourOfDay')) return constant('');
      return genericCell(column, c);
  }
}

function genericCell(column: string, c: CellContext): Cell {
  const spec = columnSpec(column);
  switch (spec.type) {
    case 'bigint':
      return spec.role === 'attribute'
        ? perEntity(c.ents, (ent) => String(1_000_000 + (hash(column + ent.keywordId) % 1_000_000)))
        : (f) => String(Math.floor(f.rand() * 100));
    case 'numeric':
      return (f) => (f.rand() * 100).toFixed(2);
    case 'percent':
      return (f) => (f.shareKnown ? pct(f.rand() * 100) : '');
    case 'date':
      return (f) => f.period.slice(0, 10);
    case 'timePeriod':
      return (f) => f.period;
    case 'text':
      return perEntity(c.ents, (ent) => `${column} ${hash(column + ent.campaignId) % 100}`);
  }
}

export interface DayTotals {
  rows: number;
  impressions: number;
  clicks: number;
  /** Sum of Spend in cents: exact, no floating point. */
  spendCents: number;
}

/** What a loaded table must hold for these options: row count and per-TimePeriod sums. */
export function expectedTotals(options: GenerateOptions): { rows: number; byPeriod: Map<string, DayTotals> } {
  const byPeriod = new Map<string, DayTotals>();
  let rows = 0;
  for (const row of generateRows(options)) {
    rows++;
    const t = byPeriod.get(row.timePeriod) ?? { rows: 0, impressions: 0, clicks: 0, spendCents: 0 };
    t.rows++;
    t.impressions += row.impressions;
    t.clicks += row.clicks;
    t.spendCents += row.spendCents;
    byPeriod.set(row.timePeriod, t);
  }
  return { rows, byPeriod };
}
