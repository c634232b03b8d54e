/**
 * The simulator's entity world for the Bulk service (BULK-FACTS §6.3, §7, §8): per account a deterministic
 * set of campaigns (Search ones and one PerformanceMax), ad groups, keywords, responsive search ads and
 * expanded text ads, asset groups, labels, shared budgets and label associations, seeded from the
 * account id. The base world is never materialized: a record is generated from its index when it is
 * read, so an account of a million keywords costs no memory. Mutations (tests, benchmarks) live in a small
 * overlay (changed records, added records, deletions), each stamped with the simulator clock; a download
 * takes a snapshot of the overlay, so its file is the world as of its Sync Time.
 *
 * Records carry their fields by exact Bulk header name. Columns derived from other records (a child's
 * Campaign / Ad Group names, Inherited Bid Strategy Type, a shared budget's amount and name on a campaign)
 * are filled in when a record is read, from the current parent (`decorate`).
 */

export type BulkRecordType =
  | 'Budget'
  | 'Label'
  | 'Campaign'
  | 'Campaign Label'
  | 'Asset Group'
  | 'Ad Group'
  | 'Ad Group Label'
  | 'Responsive Search Ad'
  | 'Expanded Text Ad'
  | 'Keyword'
  | 'Keyword Label';

/** The order records come in a file: parents before children, labels before their associations. */
export const BULK_RECORD_TYPES: readonly BulkRecordType[] = [
  'Budget',
  'Label',
  'Campaign',
  'Campaign Label',
  'Asset Group',
  'Ad Group',
  'Ad Group Label',
  'Responsive Search Ad',
  'Expanded Text Ad',
  'Keyword',
  'Keyword Label',
];

export const ASSOCIATION_TYPES: ReadonlySet<BulkRecordType> = new Set(['Campaign Label', 'Ad Group Label', 'Keyword Label']);
/** Which entity an association labels. */
const ASSOCIATED: Partial<Record<BulkRecordType, BulkRecordType>> = { 'Campaign Label': 'Campaign', 'Ad Group Label': 'Ad Group', 'Keyword Label': 'Keyword' };

/** The columns each record type fills (exact Bulk header names, BULK-FACTS §8), Type excluded. */
export const BULK_COLUMNS: Readonly<Record<BulkRecordType, readonly string[]>> = {
  Budget: ['Id', 'Parent Id', 'Budget Name', 'Budget', 'Budget Type', 'Status', 'Modified Time'],
  Label: ['Id', 'Label', 'Description', 'Color', 'Status', 'Modified Time'],
  Campaign: [
    'Id', 'Parent Id', 'Campaign', 'Status', 'Campaign Type', 'Budget', 'Budget Type', 'Budget Id', 'Budget Name', 'Bid Strategy Type',
    'Time Zone', 'Language', 'Modified Time',
  ],
  'Campaign Label': ['Id', 'Parent Id', 'Status', 'Modified Time'],
  'Asset Group': [
    'Id', 'Parent Id', 'Campaign', 'Asset Group', 'Status', 'Start Date', 'End Date', 'Final Url', 'Headlines', 'Long Headlines', 'Descriptions',
    'Business Name', 'Path 1', 'Path 2', 'Editorial Status', 'Modified Time',
  ],
  'Ad Group': [
    'Id', 'Parent Id', 'Campaign', 'Ad Group', 'Status', 'Start Date', 'End Date', 'Cpc Bid', 'Network Distribution', 'Ad Rotation',
    'Bid Strategy Type', 'Inherited Bid Strategy Type', 'Ad Group Type', 'Modified Time',
  ],
  'Ad Group Label': ['Id', 'Parent Id', 'Status', 'Modified Time'],
  'Responsive Search Ad': [
    'Id', 'Parent Id', 'Campaign', 'Ad Group', 'Status', 'Editorial Status', 'Headline', 'Description', 'Path 1', 'Path 2', 'Final Url', 'Modified Time',
  ],
  'Expanded Text Ad': [
    'Id', 'Parent Id', 'Campaign', 'Ad Group', 'Status', 'Editorial Status', 'Title Part 1', 'Title Part 2', 'Title Part 3', 'Text', 'Text Part 2',
    'Path 1', 'Path 2', 'Final Url', 'Modified Time',
  ],
  Keyword: [
    'Id', 'Parent Id', 'Campaign', 'Ad Group', 'Keyword', 'Match Type', 'Bid', 'Status', 'Editorial Status', 'Final Url', 'Bid Strategy Type',
    'Inherited Bid Strategy Type', 'Modified Time',
  ],
  'Keyword Label': ['Id', 'Parent Id', 'Status', 'Modified Time'],
};

/** The column holding a record's name (rename). */
const NAME_COLUMN: Partial<Record<BulkRecordType, string>> = {
  Budget: 'Budget Name',
  Label: 'Label',
  Campaign: 'Campaign',
  'Asset Group': 'Asset Group',
  'Ad Group': 'Ad Group',
  Keyword: 'Keyword',
};

/** Columns the world fills in itself: never stored, never set by a caller. */
const OWN_COLUMNS = new Set(['Id', 'Parent Id', 'Modified Time']);
const DERIVED: Partial<Record<BulkRecordType, readonly string[]>> = {
  'Asset Group': ['Campaign'],
  'Ad Group': ['Campaign', 'Inherited Bid Strategy Type'],
  'Responsive Search Ad': ['Campaign', 'Ad Group'],
  'Expanded Text Ad': ['Campaign', 'Ad Group'],
  Keyword: ['Campaign', 'Ad Group', 'Inherited Bid Strategy Type'],
  Campaign: ['Budget Name'],
};

/** A current record as a file lists it: `fields` holds every non-empty column by header name (Id, Parent Id and Modified Time included). */
export interface BulkEntity {
  type: BulkRecordType;
  /** The entity's id; for a label association, the label's. */
  id: string;
  /** Account (campaigns, budgets), campaign, ad group, '' for labels; for a label association, the labelled entity. */
  parentId: string;
  fields: Record<string, string>;
  /** Modified Time in ms since the epoch (the file states it to the second). */
  modifiedAt: number;
}

export interface BulkDeletion {
  type: BulkRecordType;
  id: string;
  parentId: string;
  deletedAt: number;
  /** Set when the entity went with a removed parent (a campaign's keywords, a label's associations, …). */
  cascadedFrom?: { type: BulkRecordType; id: string };
}

/** What `add` takes: `id` is assigned when left out (not for associations: id = the label). */
export interface NewBulkRecord {
  type: BulkRecordType;
  id?: string;
  /** Default: the account for campaigns and budgets, '' for labels. */
  parentId?: string;
  fields?: Record<string, string | null | undefined>;
}

export interface BulkShape {
  /** Search campaigns (one PerformanceMax campaign comes on top). */
  campaigns: number;
  adGroupsPerCampaign: number;
  keywordsPerAdGroup: number;
}

export const DEFAULT_BULK_SHAPE: BulkShape = { campaigns: 3, adGroupsPerCampaign: 2, keywordsPerAdGroup: 5 };

const LABELS = 4;
const BUDGETS = 2;
const ASSET_GROUPS = 2;
const DAY_MS = 86_400_000;
const TYPE_SPACE = 1e13;
const ACCOUNT_SPACE = 1e9;
const ADDED_FROM = 900_000_000;

/** Id spaces: ads of both types share one, as Microsoft's ad ids do. */
const SPACE: Record<BulkRecordType, number> = {
  Campaign: 1,
  'Campaign Label': 0,
  'Ad Group': 2,
  'Ad Group Label': 0,
  Keyword: 3,
  'Keyword Label': 0,
  'Responsive Search Ad': 4,
  'Expanded Text Ad': 4,
  'Asset Group': 5,
  Label: 6,
  Budget: 7,
};

/** Internal record: decorated on read. Never mutated once stored (snapshots share them). */
interface Rec {
  type: BulkRecordType;
  id: string;
  parentId: string;
  /** Own fields only (no Id / Parent Id / Modified Time / derived columns); absent = unset. */
  fields: Readonly<Record<string, string>>;
  modifiedAt: number;
  campaignId?: string;
  adGroupId?: string;
  /** Associations: key of the labelled entity. */
  entityKey?: string;
}

interface DeletedRec extends BulkDeletion {
  campaignId?: string;
  adGroupId?: string;
}

const keyOf = (type: BulkRecordType, id: string, parentId = '') => (ASSOCIATION_TYPES.has(type) ? `${type}|${id}|${parentId}` : `${type}|${id}`);

/** FNV-1a. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** MM/DD/YYYY (BULK-FACTS §6.5). */
export function bulkDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}`;
}
/** MM/DD/YYYY HH:MM:SS, UTC (BULK-FACTS §6.5). */
export function bulkDateTime(ms: number): string {
  const d = new Date(ms);
  return `${bulkDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
const json = (items: readonly string[]) => JSON.stringify(items.map((text) => ({ text })));
const CAMPAIGN_NAMES = ['Brand, "Core" – Zürich', 'Generic', 'Compétition; EU'];
const LABEL_NAMES = ['Brand', 'Q4 "Sale"', 'Top performers, EU', 'Größe'];
const LABEL_COLORS = ['#1F77B4', '#FF7F0E', '#2CA02C', '#D62728'];
const BUDGET_NAMES = ['Shared daily, all brands', 'Shared – generic'];
const BUDGET_AMOUNTS = [100, 35.5];
const MATCH_TYPES = ['Broad', 'Phrase', 'Exact'];

/** The deterministic base world of one account: records by index, generated on demand. */
class BaseWorld {
  readonly prefix: number;
  readonly campaignCount: number;
  readonly adGroups: number;
  readonly keywords: number;
  readonly pmax: number;

  constructor(
    readonly accountId: string,
    readonly shape: BulkShape,
    /** The world's epoch: base records were modified within the 5 days before it. */
    readonly epoch: number,
  ) {
    this.prefix = 1000 + (hash(`bulk:${accountId}`) % 9000);
    this.pmax = shape.campaigns;
    this.campaignCount = shape.campaigns + 1;
    this.adGroups = shape.campaigns * shape.adGroupsPerCampaign;
    this.keywords = this.adGroups * shape.keywordsPerAdGroup;
  }

  idOf(type: BulkRecordType, index: number): string {
    return String(SPACE[type] * TYPE_SPACE + this.prefix * ACCOUNT_SPACE + index);
  }

  /** The base index an id stands for in its type's space, if it is one of this world's. */
  indexOf(type: BulkRecordType, id: string): number | undefined {
    if (!/^[0-9]{1,16}$/.test(id)) return undefined;
    const index = Number(id) - SPACE[type] * TYPE_SPACE - this.prefix * ACCOUNT_SPACE;
    if (!Number.isInteger(index) || index < 0 || index >= ADDED_FROM) return undefined;
    return index;
  }

  count(type: BulkRecordType): number {
    switch (type) {
      case 'Budget':
        return BUDGETS;
      case 'Label':
        return LABELS;
      case 'Campaign':
        return this.campaignCount;
      case 'Asset Group':
        return ASSET_GROUPS;
      case 'Ad Group':
        return this.adGroups;
      case 'Responsive Search Ad':
      case 'Expanded Text Ad':
        return this.adGroups;
      case 'Keyword':
        return this.keywords;
      case 'Campaign Label':
      case 'Ad Group Label':
      case 'Keyword Label':
        return 0; // enumerated by associations()
    }
  }

  #modified(type: BulkRecordType, index: number): number {
    return this.epoch - (hash(`${this.accountId}|${type}|${index}`) % (5 * 86_400)) * 1000 - 1000;
  }

  #rec(type: BulkRecordType, index: number, id: string, parentId: string, fields: Record<string, string>, ancestors: { campaignId?: string; adGroupId?: string } = {}): Rec {
    const own: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) if (v !== '') own[k] = v;
    return { type, id, parentId, fields: own, modifiedAt: this.#modified(type, index), ...ancestors };
  }

  campaignBidStrategy(c: number): string {
    return c === this.pmax ? 'MaxConversions' : c % 2 === 0 ? 'EnhancedCpc' : 'ManualCpc';
  }

  /** The base record of `type` at `index` (ads: index of the ad group). */
  make(type: BulkRecordType, index: number): Rec {
    const day = Math.floor(this.epoch / DAY_MS) * DAY_MS;
    switch (type) {
      case 'Budget':
        return this.#rec(type, index, this.idOf(type, index), this.accountId, {
          'Budget Name': BUDGET_NAMES[index] as string,
          Budget: money(BUDGET_AMOUNTS[index] as number),
          'Budget Type': 'DailyBudgetStandard',
          Status: 'Active',
        });
      case 'Label':
        return this.#rec(type, index, this.idOf(type, index), '', {
          Label: LABEL_NAMES[index] as string,
          Description: `Label ${index + 1}, set by the simulator`,
          Color: LABEL_COLORS[index] as string,
          Status: 'Active',
        });
      case 'Campaign': {
        const c = index;
        const pmax = c === this.pmax;
        const shared = !pmax && c % 3 === 1;
        const id = this.idOf(type, c);
        return this.#rec(
          type,
          c,
          id,
          this.accountId,
          {
            Campaign: pmax ? `Performance Max ${c + 1}` : `${CAMPAIGN_NAMES[c % CAMPAIGN_NAMES.length]} ${c + 1}`,
            Status: c % 4 === 3 ? 'Paused' : 'Active',
            'Campaign Type': pmax ? 'PerformanceMax' : 'Search',
            Budget: money(shared ? (BUDGET_AMOUNTS[c % BUDGETS] as number) : 50 + c * 5.25),
            'Budget Type': 'DailyBudgetStandard',
            'Budget Id': shared ? this.idOf('Budget', c % BUDGETS) : '',
            'Bid Strategy Type': this.campaignBidStrategy(c),
            'Time Zone': 'PacificTimeUSCanadaTijuana',
            Language: pmax ? 'All' : 'English',
          },
          { campaignId: id },
        );
      }
      case 'Asset Group': {
        const campaignId = this.idOf('Campaign', this.pmax);
        return this.#rec(
          type,
          index,
          this.idOf(type, index),
          campaignId,
          {
            'Asset Group': `Asset Group ${index + 1}`,
            Status: 'Active',
            'Start Date': bulkDate(day - (30 + index) * DAY_MS),
            'End Date': index === 1 ? bulkDate(day + 120 * DAY_MS) : '',
            'Final Url': `https://www.example.com/pmax/${index + 1}`,
            Headlines: json(['Contoso shoes', 'Free returns', 'New, "limited" drop']),
            'Long Headlines': json(['Shoes for every day, delivered tomorrow']),
            Descriptions: json(['Comfort that lasts.', 'Shop the spring collection.']),
            'Business Name': 'Contoso, Ltd.',
            'Path 1': 'shoes',
            'Path 2': `group${index + 1}`,
            'Editorial Status': 'Active',
          },
          { campaignId },
        );
      }
      case 'Ad Group': {
        const g = index;
        const c = Math.floor(g / this.shape.adGroupsPerCampaign);
        const a = g % this.shape.adGroupsPerCampaign;
        const id = this.idOf(type, g);
        return this.#rec(
          type,
          g,
          id,
          this.idOf('Campaign', c),
          {
            'Ad Group': a % 3 === 2 ? `Ad Group ${a + 1}, "long tail"` : `Ad Group ${a + 1}`,
            Status: g % 5 === 4 ? 'Paused' : 'Active',
            'Start Date': bulkDate(day - (g % 60) * DAY_MS),
            'End Date': g % 4 === 3 ? bulkDate(day + 90 * DAY_MS) : '',
            'Cpc Bid': money(0.25 + (g % 20) * 0.05),
            'Network Distribution': 'OwnedAndOperatedAndSyndicatedSearch',
            'Ad Rotation': 'OptimizeForClicks',
            'Bid Strategy Type': 'InheritFromParent',
            'Ad Group Type': 'SearchStandard',
          },
          { campaignId: this.idOf('Campaign', c), adGroupId: id },
        );
      }
      case 'Responsive Search Ad':
      case 'Expanded Text Ad': {
        const g = index;
        const c = Math.floor(g / this.shape.adGroupsPerCampaign);
        const rsa = type === 'Responsive Search Ad';
        const adGroupId = this.idOf('Ad Group', g);
        const common = {
          Status: g % 6 === 5 ? 'Paused' : 'Active',
          'Editorial Status': 'Active',
          'Path 1': 'shop',
          'Path 2': `ag${g + 1}`,
          'Final Url': `https://www.example.com/ag/${g + 1}`,
        };
        const fields: Record<string, string> = rsa
          ? {
              ...common,
              Headline: json(['Fast shipping, "free" returns', `Official store ${g + 1}`, 'Deals today']),
              Description: json(['Shop the range, save more.', 'Über 100 Modelle – jetzt kaufen.']),
            }
          : { ...common, 'Title Part 1': `Title ${g + 1}`, 'Title Part 2': 'Free shipping', Text: 'Buy now, save more.' };
        return this.#rec(type, g, this.idOf(type, 2 * g + (rsa ? 0 : 1)), adGroupId, fields, { campaignId: this.idOf('Campaign', c), adGroupId });
      }
      case 'Keyword': {
        const kIdx = index;
        const g = Math.floor(kIdx / this.shape.keywordsPerAdGroup);
        const k = kIdx % this.shape.keywordsPerAdGroup;
        const c = Math.floor(g / this.shape.adGroupsPerCampaign);
        const text = kIdx % 7 === 3 ? `café crème ${g + 1}-${k + 1}` : kIdx % 11 === 5 ? `"quoted", comma ${g + 1}-${k + 1}` : `shoes ${g + 1}-${k + 1}`;
        return this.#rec(
          type,
          kIdx,
          this.idOf(type, kIdx),
          this.idOf('Ad Group', g),
          {
            Keyword: text,
            'Match Type': MATCH_TYPES[k % 3] as string,
            Bid: k % 4 === 0 ? '' : money(0.1 + (kIdx % 30) * 0.07),
            Status: k % 9 === 8 ? 'Paused' : 'Active',
            'Editorial Status': k % 13 === 12 ? 'Disapproved' : 'Active',
            'Final Url': k % 5 === 0 ? `https://www.example.com/p/${kIdx}` : '',
            'Bid Strategy Type': 'InheritFromParent',
          },
          { campaignId: this.idOf('Campaign', c), adGroupId: this.idOf('Ad Group', g) },
        );
      }
      default:
        throw new Error(`no base records of type ${type}`);
    }
  }

  /** The base record with this id, if the base world has one. */
  find(type: BulkRecordType, id: string, parentId: string): Rec | undefined {
    if (ASSOCIATION_TYPES.has(type)) return this.#findAssociation(type, id, parentId);
    const index = this.indexOf(type, id);
    if (index === undefined) return undefined;
    if (type === 'Responsive Search Ad' || type === 'Expanded Text Ad') {
      if (index % 2 !== (type === 'Responsive Search Ad' ? 0 : 1)) return undefined;
      const g = Math.floor(index / 2);
      return g < this.adGroups ? this.make(type, g) : undefined;
    }
    return index < this.count(type) ? this.make(type, index) : undefined;
  }

  /** Base associations, in file order: each type's by entity. */
  *associations(type: BulkRecordType): Generator<Rec> {
    if (type === 'Campaign Label') {
      for (let c = 0; c < this.campaignCount; c++) {
        for (const l of this.campaignLabels(c)) yield this.#association(type, l, c);
      }
    } else if (type === 'Ad Group Label') {
      for (let g = 0; g < this.adGroups; g += 2) yield this.#association(type, g % LABELS, g);
    } else if (type === 'Keyword Label') {
      for (let k = 0; k < this.keywords; k += 10) yield this.#association(type, (k / 10) % LABELS, k);
    }
  }

  campaignLabels(c: number): number[] {
    return c % 3 === 0 ? [c % LABELS, (c + 2) % LABELS] : [c % LABELS];
  }

  #association(type: BulkRecordType, label: number, entityIndex: number): Rec {
    const entityType = ASSOCIATED[type] as BulkRecordType;
    const entity = this.make(entityType, entityIndex);
    const labelId = this.idOf('Label', label);
    const rec: Rec = {
      type,
      id: labelId,
      parentId: entity.id,
      fields: { Status: 'Active' },
      modifiedAt: this.#modified(type, entityIndex * LABELS + label),
      entityKey: keyOf(entityType, entity.id),
    };
    if (entity.campaignId !== undefined) rec.campaignId = entity.campaignId;
    if (entity.adGroupId !== undefined) rec.adGroupId = entity.adGroupId;
    return rec;
  }

  #findAssociation(type: BulkRecordType, labelId: string, entityId: string): Rec | undefined {
    const label = this.indexOf('Label', labelId);
    const entityType = ASSOCIATED[type] as BulkRecordType;
    const e = this.indexOf(entityType, entityId);
    if (label === undefined || label >= LABELS || e === undefined || e >= this.count(entityType)) return undefined;
    const has =
      type === 'Campaign Label' ? this.campaignLabels(e).includes(label) : type === 'Ad Group Label' ? e % 2 === 0 && e % LABELS === label : e % 10 === 0 && (e / 10) % LABELS === label;
    return has ? this.#association(type, label, e) : undefined;
  }
}

interface Overlay {
  /** Base records replaced by a newer version. */
  changed: Map<string, Rec>;
  /** Records added, in order. */
  added: Map<string, Rec>;
  deleted: Map<string, DeletedRec>;
}

/** A read-only view of an account's world: the live one, or a download's snapshot. */
export class BulkWorldView {
  constructor(
    protected readonly base: BaseWorld,
    protected readonly overlay: Overlay,
  ) {}

  get accountId(): string {
    return this.base.accountId;
  }

  /** Keywords of the account (base count plus added minus deleted ones), for the 4-million limit. */
  keywordCount(): number {
    let n = this.base.keywords;
    for (const r of this.overlay.added.values()) if (r.type === 'Keyword') n++;
    for (const d of this.overlay.deleted.values()) if (d.type === 'Keyword') n--;
    return n;
  }

  /** Current campaign ids, in file order (3207's Details). */
  campaignIds(): string[] {
    return [...this.currentOf('Campaign')].map((r) => r.id);
  }

  /** The current internal record, or undefined when it does not exist or was deleted. */
  protected current(type: BulkRecordType, id: string, parentId = ''): Rec | undefined {
    const key = keyOf(type, id, parentId);
    if (this.overlay.deleted.has(key)) return undefined;
    return this.overlay.changed.get(key) ?? this.overlay.added.get(key) ?? this.base.find(type, id, parentId);
  }

  /** Current records of one type, in file order (base by index, then added ones). */
  protected *currentOf(type: BulkRecordType): Generator<Rec> {
    const { changed, deleted, added } = this.overlay;
    const pick = (r: Rec) => {
      const key = keyOf(r.type, r.id, r.parentId);
      if (deleted.has(key)) return undefined;
      return changed.get(key) ?? r;
    };
    if (ASSOCIATION_TYPES.has(type)) {
      for (const r of this.base.associations(type)) {
        const p = pick(r);
        if (p) yield p;
      }
    } else if (type === 'Responsive Search Ad' || type === 'Expanded Text Ad') {
      for (let g = 0; g < this.base.adGroups; g++) {
        const p = pick(this.base.make(type, g));
        if (p) yield p;
      }
    } else {
      const n = this.base.count(type);
      for (let i = 0; i < n; i++) {
        const p = pick(this.base.make(type, i));
        if (p) yield p;
      }
    }
    for (const r of added.values()) if (r.type === type) yield r;
  }

  /** Every current record, decorated, in file order; `types` limits the record types. */
  *records(types?: ReadonlySet<BulkRecordType>): Generator<BulkEntity> {
    const decorator = this.#decorator();
    for (const type of BULK_RECORD_TYPES) {
      if (types && !types.has(type)) continue;
      for (const r of this.currentOf(type)) yield decorator(r);
    }
  }

  /** The current record, decorated. */
  get(type: BulkRecordType, id: string, parentId = ''): BulkEntity | undefined {
    const r = this.current(type, id, parentId);
    return r ? this.#decorator()(r) : undefined;
  }

  /** Deletions, in the order they were made. */
  deletions(): BulkDeletion[] {
    return [...this.overlay.deleted.values()].map(({ campaignId: _c, adGroupId: _g, ...d }) => ({ ...d, ...(d.cascadedFrom ? { cascadedFrom: { ...d.cascadedFrom } } : {}) }));
  }

  /**
   * The deletions a delta since `since` reports, by type: those made after `since`, except the children of
   * a campaign or ad group deleted after `since` (BULK-FACTS §7.2: only the parent's own record comes).
   */
  *deletionsSince(since: number, types?: ReadonlySet<BulkRecordType>): Generator<BulkDeletion> {
    const { deleted } = this.overlay;
    const goneAfter = (type: BulkRecordType, id: string | undefined) => {
      if (id === undefined) return false;
      const d = deleted.get(keyOf(type, id));
      return d !== undefined && d.deletedAt > since;
    };
    for (const type of BULK_RECORD_TYPES) {
      if (types && !types.has(type)) continue;
      for (const d of deleted.values()) {
        if (d.type !== type || d.deletedAt <= since) continue;
        if (type !== 'Campaign' && goneAfter('Campaign', d.campaignId)) continue;
        if (type !== 'Ad Group' && goneAfter('Ad Group', d.adGroupId)) continue;
        yield { type: d.type, id: d.id, parentId: d.parentId, deletedAt: d.deletedAt };
      }
    }
  }

  /** Fills in Id, Parent Id, Modified Time and the derived columns; caches parents (children come grouped). */
  #decorator(): (r: Rec) => BulkEntity {
    const cache = new Map<string, Rec | undefined>();
    const parent = (type: BulkRecordType, id: string | undefined) => {
      if (id === undefined) return undefined;
      const key = keyOf(type, id);
      if (cache.has(key)) return cache.get(key);
      if (cache.size > 4096) cache.clear();
      const found = this.current(type, id);
      cache.set(key, found);
      return found;
    };
    return (r) => {
      const fields: Record<string, string> = { Id: r.id };
      if (r.parentId !== '') fields['Parent Id'] = r.parentId;
      Object.assign(fields, r.fields);
      const campaign = r.type === 'Campaign' ? undefined : parent('Campaign', r.campaignId);
      switch (r.type) {
        case 'Campaign': {
          const budgetId = r.fields['Budget Id'];
          const budget = budgetId ? parent('Budget', budgetId) : undefined;
          if (budget) {
            if (budget.fields.Budget !== undefined) fields.Budget = budget.fields.Budget;
            if (budget.fields['Budget Name'] !== undefined) fields['Budget Name'] = budget.fields['Budget Name'];
          }
          break;
        }
        case 'Ad Group':
        case 'Keyword':
        case 'Asset Group':
        case 'Responsive Search Ad':
        case 'Expanded Text Ad': {
          if (campaign?.fields.Campaign !== undefined) fields.Campaign = campaign.fields.Campaign;
          if (r.type !== 'Ad Group' && r.type !== 'Asset Group') {
            const adGroup = parent('Ad Group', r.adGroupId);
            if (adGroup?.fields['Ad Group'] !== undefined) fields['Ad Group'] = adGroup.fields['Ad Group'];
          }
          if ((r.type === 'Ad Group' || r.type === 'Keyword') && r.fields['Bid Strategy Type'] === 'InheritFromParent') {
            const own = r.type === 'Keyword' ? parent('Ad Group', r.adGroupId) : undefined;
            const inherited = own && own.fields['Bid Strategy Type'] !== 'InheritFromParent' ? own.fields['Bid Strategy Type'] : campaign?.fields['Bid Strategy Type'];
            if (inherited !== undefined) fields['Inherited Bid Strategy Type'] = inherited;
          }
          break;
        }
        default:
          break;
      }
      fields['Modified Time'] = bulkDateTime(r.modifiedAt);
      // Column order as the type lists them.
      const ordered: Record<string, string> = {};
      for (const c of BULK_COLUMNS[r.type]) if (fields[c] !== undefined && fields[c] !== '') ordered[c] = fields[c];
      return { type: r.type, id: r.id, parentId: r.parentId, fields: ordered, modifiedAt: r.modifiedAt };
    };
  }
}

/** One account's live world: the view plus the mutations `sim.bulk` exposes. */
export class BulkWorld extends BulkWorldView {
  #nextIndex = new Map<number, number>();

  constructor(accountId: string, shape: BulkShape, epoch: number) {
    super(new BaseWorld(accountId, shape, epoch), { changed: new Map(), added: new Map(), deleted: new Map() });
  }

  /** A frozen copy: what a download submitted now will contain. */
  snapshot(): BulkWorldView {
    const o = this.overlay;
    return new BulkWorldView(this.base, { changed: new Map(o.changed), added: new Map(o.added), deleted: new Map(o.deleted) });
  }

  #require(type: BulkRecordType, id: string, parentId = ''): Rec {
    if (!BULK_RECORD_TYPES.includes(type)) throw new Error(`unknown bulk record type '${type}'`);
    const r = this.current(type, id, parentId);
    if (!r) throw new Error(`no current ${type} ${id}${ASSOCIATION_TYPES.has(type) ? ` on ${parentId}` : ''} in account ${this.accountId}`);
    return r;
  }

  #store(r: Rec): void {
    const key = keyOf(r.type, r.id, r.parentId);
    if (this.overlay.added.has(key)) this.overlay.added.set(key, r);
    else this.overlay.changed.set(key, r);
  }

  #checkFields(type: BulkRecordType, fields: Record<string, unknown>): void {
    const allowed = BULK_COLUMNS[type];
    for (const name of Object.keys(fields)) {
      if (OWN_COLUMNS.has(name)) throw new Error(`${name} is set by the simulator, not by update/add`);
      if (!allowed.includes(name)) throw new Error(`a ${type} record has no column '${name}'`);
      if (DERIVED[type]?.includes(name)) throw new Error(`${name} of a ${type} comes from its parent; change the parent`);
    }
  }

  rename(type: BulkRecordType, id: string, name: string, now: number): BulkEntity {
    const column = NAME_COLUMN[type];
    if (!column) throw new Error(`a ${type} has no name`);
    return this.update(type, id, { [column]: name }, now);
  }

  /** Sets (or with '' / null unsets) fields; for an association pass its entity as `parentId`. */
  update(type: BulkRecordType, id: string, fields: Record<string, string | null | undefined>, now: number, parentId = ''): BulkEntity {
    const r = this.#require(type, id, parentId);
    this.#checkFields(type, fields);
    const next: Record<string, string> = { ...r.fields };
    for (const [k, v] of Object.entries(fields)) {
      if (v === null || v === undefined || v === '') delete next[k];
      else next[k] = v;
    }
    if (type === 'Campaign' && next['Budget Id'] !== undefined) this.#require('Budget', next['Budget Id']);
    this.#store({ ...r, fields: next, modifiedAt: now });
    return this.get(type, id, parentId) as BulkEntity;
  }

  add(record: NewBulkRecord, now: number): BulkEntity {
    const { type } = record;
    if (!BULK_RECORD_TYPES.includes(type)) throw new Error(`unknown bulk record type '${type}'`);
    const fields = record.fields ?? {};
    this.#checkFields(type, fields);
    const own: Record<string, string> = { Status: 'Active' };
    for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined && v !== '') own[k] = v;
    let parentId = record.parentId ?? (type === 'Campaign' || type === 'Budget' ? this.accountId : '');
    const ancestors: Pick<Rec, 'campaignId' | 'adGroupId' | 'entityKey'> = {};
    let id: string;
    if (ASSOCIATION_TYPES.has(type)) {
      const entityType = ASSOCIATED[type] as BulkRecordType;
      if (!record.id) throw new Error(`a ${type} needs id = the label's id`);
      id = record.id;
      this.#require('Label', id);
      const entity = this.#require(entityType, parentId);
      ancestors.entityKey = keyOf(entityType, entity.id);
      if (entity.campaignId !== undefined) ancestors.campaignId = entity.campaignId;
      if (entity.adGroupId !== undefined) ancestors.adGroupId = entity.adGroupId;
    } else {
      if (type === 'Campaign' || type === 'Budget') {
        if (parentId !== this.accountId) throw new Error(`a ${type}'s parent is the account ${this.accountId}`);
      } else if (type === 'Label') {
        parentId = '';
      } else if (type === 'Ad Group' || type === 'Asset Group') {
        const campaign = this.#require('Campaign', parentId);
        const pmax = campaign.fields['Campaign Type'] === 'PerformanceMax';
        if (pmax !== (type === 'Asset Group')) throw new Error(`a ${type} cannot go in a ${campaign.fields['Campaign Type'] ?? ''} campaign`);
        ancestors.campaignId = campaign.id;
        if (type === 'Ad Group') own['Bid Strategy Type'] ??= 'InheritFromParent';
      } else {
        const adGroup = this.#require('Ad Group', parentId);
        if (adGroup.campaignId !== undefined) ancestors.campaignId = adGroup.campaignId;
        ancestors.adGroupId = adGroup.id;
        if (type === 'Keyword') own['Bid Strategy Type'] ??= 'InheritFromParent';
      }
      if (type === 'Campaign' && own['Budget Id'] !== undefined) this.#require('Budget', own['Budget Id']);
      id = record.id ?? this.#newId(type);
      if (this.current(type, id) || this.overlay.deleted.has(keyOf(type, id))) throw new Error(`${type} ${id} exists already`);
      if (type === 'Campaign') ancestors.campaignId = id;
      if (type === 'Ad Group') ancestors.adGroupId = id;
    }
    const key = keyOf(type, id, parentId);
    if (this.current(type, id, parentId)) throw new Error(`${type} ${id} on ${parentId} exists already`);
    this.overlay.deleted.delete(key);
    this.overlay.added.set(key, { type, id, parentId, fields: own, modifiedAt: now, ...ancestors });
    return this.get(type, id, parentId) as BulkEntity;
  }

  #newId(type: BulkRecordType): string {
    const space = SPACE[type];
    const index = this.#nextIndex.get(space) ?? ADDED_FROM;
    this.#nextIndex.set(space, index + 1);
    return this.base.idOf(type, index);
  }

  /**
   * Deletes a record with everything under it: a campaign's ad groups, asset groups, ads, keywords and
   * label associations; an ad group's; a label's associations; a keyword's labels. Campaigns using a
   * removed shared budget lose their Budget Id (and are modified).
   */
  remove(type: BulkRecordType, id: string, now: number, parentId = ''): BulkDeletion[] {
    const target = this.#require(type, id, parentId);
    const targetKey = keyOf(type, id, parentId);
    const goes = (r: Rec) =>
      (type === 'Campaign' && r.campaignId === id) ||
      (type === 'Ad Group' && r.adGroupId === id) ||
      (type === 'Label' && ASSOCIATION_TYPES.has(r.type) && r.id === id) ||
      r.entityKey === targetKey;
    const children: Rec[] = [];
    const budgetUsers: Rec[] = [];
    if (type === 'Campaign' || type === 'Ad Group' || type === 'Label' || type === 'Keyword') {
      const kinds: BulkRecordType[] =
        type === 'Label' ? ['Campaign Label', 'Ad Group Label', 'Keyword Label'] : type === 'Keyword' ? ['Keyword Label'] : BULK_RECORD_TYPES.filter((t) => t !== 'Budget' && t !== 'Label');
      for (const kind of kinds) {
        if (type === 'Ad Group' && (kind === 'Campaign' || kind === 'Campaign Label' || kind === 'Asset Group')) continue;
        for (const r of this.currentOf(kind)) if (r !== target && keyOf(r.type, r.id, r.parentId) !== targetKey && goes(r)) children.push(r);
      }
    }
    if (type === 'Budget') for (const r of this.currentOf('Campaign')) if (r.fields['Budget Id'] === id) budgetUsers.push(r);
    const out: BulkDeletion[] = [];
    const mark = (r: Rec, cascadedFrom?: { type: BulkRecordType; id: string }) => {
      const key = keyOf(r.type, r.id, r.parentId);
      this.overlay.changed.delete(key);
      this.overlay.added.delete(key);
      const d: DeletedRec = { type: r.type, id: r.id, parentId: r.parentId, deletedAt: now };
      if (cascadedFrom) d.cascadedFrom = cascadedFrom;
      if (r.campaignId !== undefined) d.campaignId = r.campaignId;
      if (r.adGroupId !== undefined) d.adGroupId = r.adGroupId;
      this.overlay.deleted.set(key, d);
      out.push({ type: d.type, id: d.id, parentId: d.parentId, deletedAt: now, ...(cascadedFrom ? { cascadedFrom } : {}) });
    };
    mark(target);
    for (const c of children) mark(c, { type, id });
    for (const campaign of budgetUsers) {
      const { ['Budget Id']: _drop, ...rest } = campaign.fields;
      this.#store({ ...campaign, fields: rest, modifiedAt: now });
    }
    return out;
  }
}
