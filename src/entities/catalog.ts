/**
 * The entity tables loaded from Microsoft's Bulk download files (BULK-FACTS.md): which record Types
 * each table takes, and each column with the Bulk header it comes from and its type. Everything else
 * (table DDL, staging, casts, comments, history) is derived from this one list. Header names are
 * Microsoft's exact ones (§8); a column whose header a file lacks is NULL for that file.
 *
 * Every entity table has one current row per (account_id, id), with is_deleted / deleted_at and the
 * run that last changed it; `<table>_history` keeps every version with valid_from / valid_to.
 */

export type EntityColumnType = 'bigint' | 'text' | 'numeric' | 'date' | 'timestamptz';

export interface EntityColumn {
  /** SQL column name. */
  name: string;
  /** The Bulk header it is read from; `parentCampaign` is derived from the parent ad group (§6.3). */
  header: string | { derived: 'parentCampaign' | 'recordType' | 'labelledType' };
  type: EntityColumnType;
  description: string;
}

export interface EntitySpec {
  /** The ENTITIES name and the table name (snake_case plural). */
  name: EntityName;
  /** The DownloadEntities values that bring its records. */
  downloadEntities: readonly string[];
  /** The record Types of the file that are rows of this table (`match` for families like "… Label"). */
  recordTypes: readonly string[];
  matchType?: (type: string) => boolean;
  description: string;
  /** The key beside account_id: `id` for entities, the pair for label associations. */
  key: readonly string[];
  columns: readonly EntityColumn[];
  /** Which table's rows this one's are children of, by which column (deletions cascade along it). */
  parents: readonly { table: EntityName; column: string }[];
}

export const entityNames = ['campaigns', 'ad_groups', 'ads', 'keywords', 'asset_groups', 'labels', 'budgets', 'label_associations'] as const;
export type EntityName = (typeof entityNames)[number];
/** What ENTITIES names (label associations come with labels). */
export const selectableEntities = ['campaigns', 'ad_groups', 'ads', 'keywords', 'asset_groups', 'labels', 'budgets'] as const;
export type SelectableEntity = (typeof selectableEntities)[number];

const id = (description: string): EntityColumn => ({ name: 'id', header: 'Id', type: 'bigint', description });
const status = (values: string): EntityColumn => ({ name: 'status', header: 'Status', type: 'text', description: `Status: ${values}. Deleted rows stay with status Deleted.` });
const modified: EntityColumn = { name: 'modified_time', header: 'Modified Time', type: 'timestamptz', description: 'When the entity was last modified at Microsoft (UTC).' };
const text = (name: string, header: string, description: string): EntityColumn => ({ name, header, type: 'text', description });
const money = (name: string, header: string, description: string): EntityColumn => ({ name, header, type: 'numeric', description: `${description} In the account's currency.` });
const day = (name: string, header: string, description: string): EntityColumn => ({ name, header, type: 'date', description });
const big = (name: string, header: string, description: string): EntityColumn => ({ name, header, type: 'bigint', description });

/** Ad record Types of a Bulk file (§4: Ads brings every ad type). */
export const AD_TYPES = [
  'Responsive Search Ad',
  'Expanded Text Ad',
  'Text Ad',
  'Responsive Ad',
  'Dynamic Search Ad',
  'Product Ad',
  'App Install Ad',
] as const;

export const entityCatalog: readonly EntitySpec[] = [
  {
    name: 'campaigns',
    downloadEntities: ['Campaigns'],
    recordTypes: ['Campaign'],
    description: 'Campaigns of each ad account, as Microsoft Advertising has them (Bulk download), one current row per campaign.',
    key: ['id'],
    parents: [],
    columns: [
      id('Campaign id.'),
      text('name', 'Campaign', 'Campaign name.'),
      status('Active, Paused, Deleted, BudgetPaused, BudgetAndManualPaused, Suspended'),
      text('campaign_type', 'Campaign Type', 'Search, Shopping, Audience, Hotel, PerformanceMax, DynamicSearchAds (new types may appear).'),
      text('sub_type', 'Sub Type', 'Campaign sub type, when Microsoft sets one.'),
      money('budget', 'Budget', 'Budget amount (the shared budget amount when budget_id is set).'),
      text('budget_type', 'Budget Type', 'DailyBudgetStandard, DailyBudgetAccelerated, LifetimeBudgetStandard.'),
      big('budget_id', 'Budget Id', 'Shared budget used by the campaign (budgets.id); NULL when the campaign has its own.'),
      text('budget_name', 'Budget Name', 'Name of the shared budget.'),
      text('bid_strategy_type', 'Bid Strategy Type', 'EnhancedCpc, ManualCpc, MaxClicks, MaxConversions, TargetCpa, TargetRoas, …'),
      big('bid_strategy_id', 'Bid Strategy Id', 'Portfolio bid strategy id, when one is used.'),
      text('time_zone', 'Time Zone', 'Time zone of the campaign.'),
      text('language', 'Language', 'Languages targeted, ;-separated.'),
      text('tracking_template', 'Tracking Template', 'Tracking template.'),
      modified,
    ],
  },
  {
    name: 'ad_groups',
    downloadEntities: ['AdGroups'],
    recordTypes: ['Ad Group'],
    description: 'Ad groups, one current row per ad group; campaign_id is its campaign.',
    key: ['id'],
    parents: [{ table: 'campaigns', column: 'campaign_id' }],
    columns: [
      id('Ad group id.'),
      big('campaign_id', 'Parent Id', 'Campaign of the ad group (campaigns.id).'),
      text('name', 'Ad Group', 'Ad group name (unique within its campaign only).'),
      status('Active, Paused, Deleted, Expired'),
      money('cpc_bid', 'Cpc Bid', 'Default cost-per-click bid of the ad group.'),
      day('start_date', 'Start Date', 'First day the ad group serves.'),
      day('end_date', 'End Date', 'Last day the ad group serves; NULL: no end date.'),
      text('network_distribution', 'Network Distribution', 'Where its ads may show.'),
      text('bid_strategy_type', 'Bid Strategy Type', 'Bid strategy (InheritFromParent: the campaign\u2019s).'),
      modified,
    ],
  },
  {
    name: 'ads',
    downloadEntities: ['Ads'],
    recordTypes: AD_TYPES,
    description: 'Ads of every type, one current row per ad; ad_type is the Bulk record type.',
    key: ['id'],
    parents: [
      { table: 'ad_groups', column: 'ad_group_id' },
      { table: 'campaigns', column: 'campaign_id' },
    ],
    columns: [
      id('Ad id.'),
      big('ad_group_id', 'Parent Id', 'Ad group of the ad (ad_groups.id).'),
      { name: 'campaign_id', header: { derived: 'parentCampaign' }, type: 'bigint', description: 'Campaign of the ad, from its ad group (the Bulk file carries only the campaign name).' },
      { name: 'ad_type', header: { derived: 'recordType' }, type: 'text', description: 'Responsive Search Ad, Expanded Text Ad, Text Ad, Responsive Ad, Dynamic Search Ad, Product Ad, App Install Ad.' },
      status('Active, Paused, Deleted'),
      text('editorial_status', 'Editorial Status', 'Active, ActiveLimited, Disapproved, Inactive.'),
      text('final_url', 'Final Url', 'Landing page URL(s), "; "-separated.'),
      text('headline', 'Headline', 'Headlines (responsive search ads: a JSON array of text assets).'),
      text('description', 'Description', 'Descriptions (responsive search ads: a JSON array of text assets).'),
      text('title_part_1', 'Title Part 1', 'First title part (expanded text ads).'),
      text('path_1', 'Path 1', 'First display URL path.'),
      text('path_2', 'Path 2', 'Second display URL path.'),
      modified,
    ],
  },
  {
    name: 'keywords',
    downloadEntities: ['Keywords'],
    recordTypes: ['Keyword'],
    description: 'Keywords, one current row per keyword.',
    key: ['id'],
    parents: [
      { table: 'ad_groups', column: 'ad_group_id' },
      { table: 'campaigns', column: 'campaign_id' },
    ],
    columns: [
      id('Keyword id.'),
      big('ad_group_id', 'Parent Id', 'Ad group of the keyword (ad_groups.id).'),
      { name: 'campaign_id', header: { derived: 'parentCampaign' }, type: 'bigint', description: 'Campaign of the keyword, from its ad group (the Bulk file carries only the campaign name).' },
      text('keyword', 'Keyword', 'Keyword text.'),
      text('match_type', 'Match Type', 'Broad, Phrase, Exact (Predictive for some campaigns).'),
      money('bid', 'Bid', 'Keyword bid; NULL: the ad group\u2019s cpc_bid applies.'),
      status('Active, Paused, Inactive, Deleted'),
      text('editorial_status', 'Editorial Status', 'Active, ActiveLimited, Disapproved, Inactive.'),
      text('final_url', 'Final Url', 'Keyword landing page URL(s), when set.'),
      modified,
    ],
  },
  {
    name: 'asset_groups',
    downloadEntities: ['AssetGroups'],
    recordTypes: ['Asset Group'],
    description: 'Asset groups of Performance Max campaigns, one current row per asset group.',
    key: ['id'],
    parents: [{ table: 'campaigns', column: 'campaign_id' }],
    columns: [
      id('Asset group id.'),
      big('campaign_id', 'Parent Id', 'Campaign of the asset group (campaigns.id).'),
      text('name', 'Asset Group', 'Asset group name.'),
      status('Active, Paused, Deleted, Expired'),
      day('start_date', 'Start Date', 'First day it serves.'),
      day('end_date', 'End Date', 'Last day it serves; NULL: no end date.'),
      text('final_url', 'Final Url', 'Landing page URL(s).'),
      text('editorial_status', 'Editorial Status', 'Active, ActiveLimited, Disapproved, Inactive.'),
      modified,
    ],
  },
  {
    name: 'labels',
    downloadEntities: ['Labels'],
    recordTypes: ['Label'],
    description: 'Labels of each ad account, one current row per label; label_associations says what carries them.',
    key: ['id'],
    parents: [],
    columns: [
      id('Label id.'),
      text('name', 'Label', 'Label name (unique within the account).'),
      text('color', 'Color', 'Colour as #RRGGBB.'),
      text('description', 'Description', 'Label description.'),
      status('Active, Deleted'),
      modified,
    ],
  },
  {
    name: 'budgets',
    downloadEntities: ['Budgets'],
    recordTypes: ['Budget'],
    description: 'Shared budgets of each ad account, one current row per budget (campaigns.budget_id points here).',
    key: ['id'],
    parents: [],
    columns: [
      id('Budget id.'),
      text('name', 'Budget Name', 'Budget name.'),
      money('budget', 'Budget', 'Daily budget amount.'),
      text('budget_type', 'Budget Type', 'DailyBudgetStandard, DailyBudgetAccelerated.'),
      status('Active, Deleted'),
      modified,
    ],
  },
  {
    name: 'label_associations',
    downloadEntities: ['CampaignLabels', 'AdGroupLabels', 'KeywordLabels', 'ResponsiveSearchAdLabels'],
    recordTypes: ['Campaign Label', 'Ad Group Label', 'Keyword Label', ...AD_TYPES.map((t) => `${t} Label`)],
    description: 'Which label is on which entity: one row per label × entity (entity_type says which table entity_id is in).',
    key: ['label_id', 'entity_type', 'entity_id'],
    parents: [{ table: 'labels', column: 'label_id' }],
    columns: [
      big('label_id', 'Id', 'The label (labels.id).'),
      { name: 'entity_type', header: { derived: 'labelledType' }, type: 'text', description: 'Type of the labelled entity: Campaign, Ad Group, Keyword or an ad type.' },
      big('entity_id', 'Parent Id', 'The labelled entity (campaigns.id, ad_groups.id, keywords.id or ads.id by entity_type).'),
      status('Active, Deleted'),
      modified,
    ],
  },
];

export const entitySpec = (name: EntityName): EntitySpec => entityCatalog.find((s) => s.name === name) as EntitySpec;

/** The table of a record Type, or undefined when no entity table takes it. */
export function specOfRecordType(type: string): EntitySpec | undefined {
  return entityCatalog.find((s) => s.recordTypes.includes(type));
}

/** Which table a labelled entity type lives in (label associations, deletion cascade). */
export function tableOfLabelledType(type: string): EntityName | undefined {
  if (type === 'Campaign') return 'campaigns';
  if (type === 'Ad Group') return 'ad_groups';
  if (type === 'Keyword') return 'keywords';
  if ((AD_TYPES as readonly string[]).includes(type)) return 'ads';
  return undefined;
}

/** Every Bulk header a table reads (the staging table's columns). */
export function stagedHeaders(): string[] {
  const set = new Set<string>(['Id', 'Parent Id', 'Status']);
  for (const spec of entityCatalog) for (const c of spec.columns) if (typeof c.header === 'string') set.add(c.header);
  return [...set];
}

/** ENTITIES → the DownloadEntities to request (label associations with labels). */
export function downloadEntitiesFor(selected: readonly SelectableEntity[]): string[] {
  const out = new Set<string>();
  for (const name of selected) {
    for (const e of entitySpec(name).downloadEntities) out.add(e);
    if (name === 'labels') for (const e of entitySpec('label_associations').downloadEntities) out.add(e);
  }
  return [...out];
}
