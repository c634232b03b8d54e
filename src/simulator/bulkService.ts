import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SimFault, setupMistakeFault } from './apiErrors.js';
import { BulkFault, operationError, type OperationError } from './bulkFault.js';
import { writeBulkZip } from './bulkFile.js';
import { BulkWorld, type BulkRecordType, type BulkShape, type BulkWorldView } from './bulkWorld.js';
import type { ConnectionDirectory, ConnectionState } from './connections.js';
import { bulkFileVariant, consume, type FaultSwitches } from './faultSwitches.js';
import { send } from './httpUtil.js';
import { bearerToken, headerValue, missingHeadersFault, serveRest, type RestInjection } from './restEndpoint.js';
import { xmlEscape } from './soapXml.js';
import type { SimulatorStats } from './stats.js';

/**
 * The Bulk service v13 over REST (BULK-FACTS §1-§5, §9-§10): `POST /Bulk/v13/Campaigns/DownloadByAccountIds`
 * and `POST /Bulk/v13/BulkDownloadStatus/Query`, as strict as the real service about headers and body
 * members, then a download prepared for `bulkGenerationMs` (InProgress), its file served from the
 * simulator's download host through a signed URL valid for the download URL TTL (5 minutes; 403 after).
 * A download snapshots the account's entity world (bulkWorld.ts) at submit: its Sync Time is the submit
 * time, so every later change comes in the next delta.
 */

export const BULK_REST_PREFIX = '/Bulk/v13';
export const BULK_REST_OPERATIONS = { '/Campaigns/DownloadByAccountIds': 'DownloadCampaignsByAccountIds', '/BulkDownloadStatus/Query': 'GetBulkDownloadStatus' } as const;
export type BulkOperation = (typeof BULK_REST_OPERATIONS)[keyof typeof BULK_REST_OPERATIONS];
export const BULK_DOWNLOAD_PREFIX = '/downloads/bulk/';

/** DownloadEntity values (BULK-FACTS §4: MicrosoftDocs downloadentity.md; the Python SDK's list plus AssetGroupNegativeKeywords, without None). */
export const DOWNLOAD_ENTITIES: ReadonlySet<string> = new Set(
  (
    'Campaigns AdGroups Ads Keywords CampaignNegativeKeywords AdGroupNegativeKeywords CampaignTargetCriterions AdGroupTargetCriterions ' +
    'CampaignNegativeSites AdGroupNegativeSites CampaignLocationAdExtensions CampaignCallAdExtensions LocationAdExtensions CallAdExtensions ' +
    'NegativeKeywordLists SharedNegativeKeywords CampaignNegativeKeywordListAssociations ImageAdExtensions CampaignImageAdExtensions ' +
    'AdGroupImageAdExtensions AppAdExtensions AdGroupAppAdExtensions CampaignAppAdExtensions PriceAdExtensions ReviewAdExtensions ' +
    'CampaignNegativeDynamicSearchAdTargets AdGroupProductPartitions CampaignProductScopes CampaignReviewAdExtensions AdGroupReviewAdExtensions ' +
    'CalloutAdExtensions CampaignCalloutAdExtensions AdGroupCalloutAdExtensions SitelinkAdExtensions CampaignSitelinkAdExtensions ' +
    'AdGroupSitelinkAdExtensions StructuredSnippetAdExtensions CampaignStructuredSnippetAdExtensions AdGroupStructuredSnippetAdExtensions ' +
    'RemarketingLists AdGroupRemarketingListAssociations Budgets TextAds ProductAds AppInstallAds ExpandedTextAds DynamicSearchAds ' +
    'AdGroupDynamicSearchAdTargets AdGroupNegativeDynamicSearchAdTargets CampaignPriceAdExtensions AdGroupPriceAdExtensions Labels ' +
    'CampaignLabels AdGroupLabels TextAdLabels KeywordLabels AdGroupNegativeRemarketingListAssociations CustomAudiences ' +
    'AdGroupCustomAudienceAssociations AdGroupNegativeCustomAudienceAssociations InMarketAudiences AdGroupInMarketAudienceAssociations ' +
    'AdGroupNegativeInMarketAudienceAssociations Audiences AdGroupAudienceAssociations AdGroupNegativeAudienceAssociations ProductAdLabels ' +
    'AppInstallAdLabels ExpandedTextAdLabels DynamicSearchAdLabels AccountLocationAdExtensions AccountImageAdExtensions AccountAppAdExtensions ' +
    'AccountPriceAdExtensions AccountReviewAdExtensions AccountCalloutAdExtensions AccountSitelinkAdExtensions AccountStructuredSnippetAdExtensions ' +
    'ResponsiveAds ResponsiveAdLabels ProductAudiences AdGroupProductAudienceAssociations AdGroupNegativeProductAudienceAssociations ' +
    'SimilarRemarketingLists AdGroupSimilarRemarketingListAssociations AdGroupNegativeSimilarRemarketingListAssociations Experiments ' +
    'ActionAdExtensions CampaignActionAdExtensions AdGroupActionAdExtensions AccountActionAdExtensions ResponsiveSearchAds ResponsiveSearchAdLabels ' +
    'CampaignAudienceAssociations CampaignNegativeAudienceAssociations CampaignCustomAudienceAssociations CampaignNegativeCustomAudienceAssociations ' +
    'CampaignInMarketAudienceAssociations CampaignNegativeInMarketAudienceAssociations CampaignProductAudienceAssociations ' +
    'CampaignNegativeProductAudienceAssociations CampaignRemarketingListAssociations CampaignNegativeRemarketingListAssociations ' +
    'CampaignSimilarRemarketingListAssociations CampaignNegativeSimilarRemarketingListAssociations Feeds FeedItems CampaignNegativeStoreCriterions ' +
    'PromotionAdExtensions AccountPromotionAdExtensions CampaignPromotionAdExtensions AdGroupPromotionAdExtensions CombinedLists ' +
    'AdGroupCombinedListAssociations AdGroupNegativeCombinedListAssociations CampaignCombinedListAssociations CampaignNegativeCombinedListAssociations ' +
    'Images CustomerLists AdGroupCustomerListAssociations AdGroupNegativeCustomerListAssociations CampaignCustomerListAssociations ' +
    'CampaignNegativeCustomerListAssociations FilterLinkAdExtensions AccountFilterLinkAdExtensions CampaignFilterLinkAdExtensions ' +
    'AdGroupFilterLinkAdExtensions FlyerAdExtensions AccountFlyerAdExtensions CampaignFlyerAdExtensions AdGroupFlyerAdExtensions BidStrategies ' +
    'VideoAdExtensions AccountVideoAdExtensions CampaignVideoAdExtensions AdGroupVideoAdExtensions Videos DisclaimerAdExtensions ' +
    'CampaignDisclaimerAdExtensions AdcustomizerAttribute CampaignAdcustomizerAttribute AdGroupAdcustomizerAttribute KeywordAdcustomizerAttribute ' +
    'CampaignConversionGoal AdGroupHotelListingGroups AssetGroups AudienceGroups CampaignNegativeWebpages AudienceGroupAssetGroupAssociations ' +
    'AssetGroupListingGroups LogoAdExtensions AccountLogoAdExtensions CampaignLogoAdExtensions AdGroupLogoAdExtensions LeadFormAdExtensions ' +
    'AccountLeadFormAdExtensions CampaignLeadFormAdExtensions AccountNegativeKeywordList AccountNegativeKeywordListAssociation AccountNegativeKeyword ' +
    'ConversionGoal EventGoal AppInstallGoal MultiStageGoal DurationGoal OfflineConversionGoal UrlGoal InStoreTransactionGoal PagesViewedPerVisitGoal ' +
    'SmartGoal InStoreVisitGoal ProductGoal SeasonalityAdjustments DataExclusions BrandList BrandItem CampaignBrandListAssociation ' +
    'AssetGroupSearchThemes ImpressionBasedRemarketingList AdGroupImpressionBasedRemarketingListAssociations ' +
    'AdGroupNegativeImpressionBasedRemarketingListAssociations CampaignImpressionBasedRemarketingListAssociations ' +
    'CampaignNegativeImpressionBasedRemarketingListAssociations AssetGroupUrlTargets NewCustomerAcquisitionGoal ConversionValueRule ' +
    'AccountPlacementExclusionList AccountPlacementExclusionListItem CampaignAccountPlacementExclusionListAssociation AccountPlacementInclusionList ' +
    'AccountPlacementInclusionListItem CampaignAccountPlacementInclusionListAssociation AssetGroupNegativeKeywords'
  ).split(' '),
);

/** The record types each served DownloadEntity brings; other valid entities bring nothing (the simulator has none of them). */
export const ENTITY_RECORD_TYPES: Readonly<Record<string, readonly BulkRecordType[]>> = {
  Campaigns: ['Campaign'],
  AdGroups: ['Ad Group'],
  Ads: ['Responsive Search Ad', 'Expanded Text Ad'],
  ResponsiveSearchAds: ['Responsive Search Ad'],
  ExpandedTextAds: ['Expanded Text Ad'],
  Keywords: ['Keyword'],
  AssetGroups: ['Asset Group'],
  Labels: ['Label'],
  CampaignLabels: ['Campaign Label'],
  AdGroupLabels: ['Ad Group Label'],
  KeywordLabels: ['Keyword Label'],
  Budgets: ['Budget'],
};

const DATA_SCOPES = new Set(['EntityData', 'QualityScoreData', 'BidSuggestionsData']);
const DOWNLOAD_MEMBERS = new Set(['AccountIds', 'CompressionType', 'DataScope', 'DownloadEntities', 'DownloadFileType', 'FormatVersion', 'LastSyncTimeInUTC']);
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;
const DAY_MS = 86_400_000;
/** A DownloadRequestId is valid two days (BULK-FACTS §5). */
const REQUEST_LIFETIME_MS = 2 * DAY_MS;
const MAX_BODY = 64 * 1024;
const MAX_FILES = 32;
/** DownloadCampaignsByAccountIds fails for accounts over 4 million keywords (3207, BULK-FACTS §9). */
const MAX_KEYWORDS = 4_000_000;
const SAMPLES = {
  DownloadCampaignsByAccountIds: '{"DownloadRequestId":"1767225600000a1b2c3d4e5f60718293a4b5c6d7"}',
  GetBulkDownloadStatus: '{"Errors":null,"ForwardCompatibilityMap":null,"PercentComplete":100,"RequestStatus":"Completed","ResultFileUrl":"https://example/x.zip"}',
} as const;

export type BulkRequestStatus = 'InProgress' | 'Completed' | 'Failed' | 'FailedFullSyncRequired';

/** Counters tests and benchmarks read as `sim.stats.bulk`. */
export interface BulkStats {
  /** DownloadCampaignsByAccountIds calls that returned a DownloadRequestId. */
  downloadsSubmitted: number;
  downloadsSubmittedByAccount: Record<string, number>;
  /** Of those, delta downloads (LastSyncTimeInUTC set). */
  deltaDownloadsSubmitted: number;
  /** GetBulkDownloadStatus calls that returned a status. */
  statusPolls: number;
  statusPollsByAccount: Record<string, number>;
  /** Bulk zips served (HTTP 200). */
  filesServed: number;
  filesServedByAccount: Record<string, number>;
  /** Bulk file requests answered 403 or 404. */
  filesRejected: number;
}

export function createBulkStats(): BulkStats {
  return {
    downloadsSubmitted: 0,
    downloadsSubmittedByAccount: {},
    deltaDownloadsSubmitted: 0,
    statusPolls: 0,
    statusPollsByAccount: {},
    filesServed: 0,
    filesServedByAccount: {},
    filesRejected: 0,
  };
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

interface BulkDownload {
  id: string;
  connectionId: string;
  customerId: string;
  accountId: string;
  entities: readonly string[];
  types: ReadonlySet<BulkRecordType>;
  since: number | null;
  submittedAt: number;
  /** The Account record's Sync Time: the submit time, to the second. */
  syncTime: number;
  readyAt: number;
  outcome: 'Completed' | 'Failed' | 'FailedFullSyncRequired';
  errors: OperationError[] | null;
  world: BulkWorldView;
}

interface BuiltFile {
  path: string;
  size: number;
}

interface FileEntry {
  variant: string;
  file: Promise<BuiltFile>;
  built: boolean;
}

export interface BulkServiceOptions {
  directory: ConnectionDirectory;
  faults: FaultSwitches;
  stats: SimulatorStats;
  bulkStats: BulkStats;
  developerToken: string;
  /** How long a download stays InProgress (ms). */
  generationMs: number;
  downloadUrlTtlMs: number;
  shape: BulkShape;
  /** Where zips are written. */
  dir: string;
  /** The simulator's base URL (known once it listens). */
  base: () => string;
}

/** The Bulk service state: entity worlds per account, downloads, their files and URLs. */
export class BulkService {
  readonly #worlds = new Map<string, BulkWorld>();
  readonly #downloads = new Map<string, BulkDownload>();
  readonly #files = new Map<string, FileEntry>();
  readonly #urls = new Map<string, { requestId: string; expiresAt: number; dead: boolean }>();
  readonly #key = randomBytes(32);
  readonly #abort = new AbortController();
  #counter = 0;

  constructor(readonly options: BulkServiceOptions) {}

  /** The account's live world, made on first use. Its base records were modified in the days before. */
  world(accountId: string): BulkWorld {
    let world = this.#worlds.get(accountId);
    if (!world) {
      if (!/^[0-9]{1,19}$/.test(accountId)) throw new Error(`not an account id: ${accountId}`);
      world = new BulkWorld(accountId, this.options.shape, Math.floor(Date.now() / DAY_MS) * DAY_MS);
      this.#worlds.set(accountId, world);
    }
    return world;
  }

  abort(): void {
    this.#abort.abort();
  }

  // --- REST ---

  handle(operation: BulkOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { faults, stats } = this.options;
    return serveRest(
      {
        service: 'reporting',
        maxBodyBytes: MAX_BODY,
        faults,
        stats,
        sampleAnswer: SAMPLES[operation],
        async inject(): Promise<RestInjection | undefined> {
          if (consume(faults, 'bulkCallRateNext')) return { kind: 'fault', fault: new SimFault(117, { injected: true }) };
          if (operation === 'DownloadCampaignsByAccountIds' && consume(faults, 'bulkThrottleNext')) {
            return { kind: 'fault', fault: new BulkFault(4204, { injected: true }) };
          }
          return undefined;
        },
        run: (headers, body) => (operation === 'DownloadCampaignsByAccountIds' ? this.#submit(headers, body) : this.#status(headers, body)),
      },
      req,
      res,
    );
  }

  #authenticate(headers: IncomingHttpHeaders, forDownload: boolean): { user: ConnectionState; customerId: string | undefined; accountId: string | undefined } {
    const now = Date.now();
    const token = bearerToken(headers);
    const developerToken = headerValue(headers, 'DeveloperToken');
    const missing = [token === undefined ? 'Authorization' : '', developerToken === undefined ? 'DeveloperToken' : ''].filter(Boolean);
    if (missing.length > 0) throw missingHeadersFault(missing, headers);
    const customerId = headerValue(headers, 'CustomerId');
    const accountId = headerValue(headers, 'CustomerAccountId');
    if (forDownload && customerId === undefined) throw new BulkFault(1029, { details: 'Missing HTTP header: CustomerId' });
    if (forDownload && accountId === undefined) throw new BulkFault(1030, { details: 'Missing HTTP header: CustomerAccountId' });
    for (const [name, value] of [['CustomerId', customerId], ['CustomerAccountId', accountId]] as const) {
      if (value !== undefined && !/^[0-9]{1,19}$/.test(value)) {
        throw new SimFault(201, { message: `The ${name} header must be a decimal id.`, details: `${name}: ${JSON.stringify(value)}` });
      }
    }
    if (developerToken !== this.options.developerToken) throw new SimFault(105, { details: 'The developer token is not valid.' });
    const found = this.options.directory.lookupToken(token as string, now);
    if (!found) throw new SimFault(105, { details: 'The access token is not a token this service issued.' });
    if (found.expiresAt <= now) throw new SimFault(109);
    const user = found.connection;
    const mistake = setupMistakeFault(this.options.faults, user.connectionId);
    if (mistake) throw mistake;
    if (this.options.faults.invalidCredentialConnections.has(user.connectionId)) {
      throw new SimFault(105, { details: 'The user withdrew the consent or was removed (simulator switch invalidCredentialConnections).' });
    }
    if (customerId !== undefined && !user.customerIds.includes(customerId)) throw new SimFault(106, { details: `The user has no access to customer ${customerId}.` });
    if (accountId !== undefined) {
      if (!user.accountIds.includes(accountId)) throw new SimFault(106, { details: `The user has no access to account ${accountId}.` });
      const owner = this.options.directory.customerOf(accountId);
      if (customerId !== undefined && owner !== customerId) throw new SimFault(106, { details: `Account ${accountId} does not belong to customer ${customerId}.` });
    }
    return { user, customerId, accountId };
  }

  #submit(headers: IncomingHttpHeaders, body: Record<string, unknown>): unknown {
    const auth = this.#authenticate(headers, true);
    const now = Date.now();
    const request = parseDownloadRequest(body, now);
    const accountId = request.accountId;
    if (accountId !== auth.accountId) {
      throw new BulkFault(1102, { details: `AccountIds[0] (${accountId}) must equal the CustomerAccountId header (${auth.accountId ?? ''}).` });
    }
    const world = this.world(accountId);
    if (world.keywordCount() > MAX_KEYWORDS) {
      throw new BulkFault(3207, { details: world.campaignIds().join(';') });
    }
    const faults = this.options.faults;
    let outcome: BulkDownload['outcome'] = 'Completed';
    let errors: OperationError[] | null = null;
    if (consume(faults, 'bulkFailedNext')) {
      outcome = 'Failed';
      errors = [operationError(0, 'The download failed (simulator fault bulkFailedNext).')];
    } else if (request.since !== null && consume(faults, 'bulkFullSyncRequiredNext')) {
      outcome = 'FailedFullSyncRequired';
      errors = [operationError(3603, 'The account needs a full download (simulator fault bulkFullSyncRequiredNext).')];
    } else if (consume(faults, 'bulkCompletedErrorsNext')) {
      errors = [operationError(0, 'A warning on a completed download (simulator fault bulkCompletedErrorsNext).')];
    }
    this.#prune(now);
    const id = `${now}${randomBytes(14).toString('hex')}`.slice(0, 40);
    const types = new Set(request.entities.flatMap((e) => ENTITY_RECORD_TYPES[e] ?? []));
    const download: BulkDownload = {
      id,
      connectionId: auth.user.connectionId,
      customerId: auth.customerId as string,
      accountId,
      entities: request.entities,
      types,
      since: request.since,
      submittedAt: now,
      syncTime: Math.floor(now / 1000) * 1000,
      readyAt: now + this.options.generationMs,
      outcome,
      errors,
      world: world.snapshot(),
    };
    this.#downloads.set(id, download);
    const bulkStats = this.options.bulkStats;
    bulkStats.downloadsSubmitted++;
    if (request.since !== null) bulkStats.deltaDownloadsSubmitted++;
    bump(bulkStats.downloadsSubmittedByAccount, accountId);
    // Microsoft prepares the file meanwhile; so does the simulator.
    if (outcome === 'Completed') void this.#file(download).catch(() => undefined);
    return { DownloadRequestId: id };
  }

  #status(headers: IncomingHttpHeaders, body: Record<string, unknown>): unknown {
    const { user } = this.#authenticate(headers, false);
    for (const member of Object.keys(body)) {
      if (member !== 'RequestId') throw new SimFault(201, { message: `'${member}' is not a member of GetBulkDownloadStatusRequest.`, details: `$.${member}` });
    }
    const raw = body.RequestId;
    if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new SimFault(201, { message: 'RequestId must be a string.', details: '$.RequestId' });
    const id = typeof raw === 'string' ? raw.trim() : '';
    const now = Date.now();
    const download = this.#downloads.get(id);
    // Another user's request is as unknown as an expired one.
    if (!download || download.connectionId !== user.connectionId || download.submittedAt + REQUEST_LIFETIME_MS < now) {
      throw new BulkFault(4201, { details: `RequestId: ${JSON.stringify(id)}` });
    }
    const bulkStats = this.options.bulkStats;
    bulkStats.statusPolls++;
    bump(bulkStats.statusPollsByAccount, download.accountId);
    const answer = (status: BulkRequestStatus, percent: number, url: string | null, errors: OperationError[] | null) => ({
      Errors: errors,
      ForwardCompatibilityMap: null,
      PercentComplete: percent,
      RequestStatus: status,
      ResultFileUrl: url,
    });
    if (now < download.readyAt) {
      const span = download.readyAt - download.submittedAt;
      return answer('InProgress', Math.min(99, Math.floor(((now - download.submittedAt) / Math.max(1, span)) * 100)), null, null);
    }
    if (download.outcome !== 'Completed') return answer(download.outcome, 100, null, download.errors);
    // A big file may still be being written: Microsoft would still be preparing it.
    const entry = this.#files.get(download.id);
    if (!entry?.built) {
      void this.#file(download).catch(() => undefined);
      return answer('InProgress', 99, null, null);
    }
    return answer('Completed', 100, this.#issueUrl(download, now), download.errors);
  }

  // --- files and URLs ---

  #file(download: BulkDownload): Promise<BuiltFile> {
    const faults = this.options.faults;
    const variant = bulkFileVariant(faults);
    const cached = this.#files.get(download.id);
    this.#files.delete(download.id);
    if (cached && cached.variant === variant) {
      this.#files.set(download.id, cached);
      return cached.file;
    }
    if (cached) this.#remove(cached);
    const path = join(this.options.dir, `bulk-${download.id}-${++this.#counter}.zip`);
    const spec = {
      world: download.world,
      customerId: download.customerId,
      types: download.types,
      since: download.since,
      syncTime: download.syncTime,
      extraColumn: faults.bulkExtraColumn,
      unknownRecordType: faults.bulkUnknownRecordType,
    };
    const entry: FileEntry = { variant, built: false, file: writeBulkZip(path, `${download.id}.csv`, spec, faults.bulkCorruptZip, this.#abort.signal).then((size) => ({ path, size })) };
    this.#files.set(download.id, entry);
    entry.file.then(
      () => {
        entry.built = true;
        this.#evict();
      },
      () => {
        if (this.#files.get(download.id) === entry) this.#files.delete(download.id);
      },
    );
    return entry.file;
  }

  #evict(): void {
    for (const [id, e] of this.#files) {
      if (this.#files.size <= MAX_FILES) break;
      if (!e.built) continue;
      this.#files.delete(id);
      this.#remove(e);
    }
  }

  #remove(entry: FileEntry): void {
    entry.file.then((f) => rm(f.path, { force: true })).catch(() => undefined);
  }

  #issueUrl(download: BulkDownload, now: number): string {
    const blob = randomBytes(16).toString('hex');
    const expiresAt = now + this.options.downloadUrlTtlMs;
    this.#urls.set(blob, { requestId: download.id, expiresAt, dead: false });
    const se = new Date(expiresAt).toISOString();
    return `${this.options.base()}${BULK_DOWNLOAD_PREFIX}${blob}?sv=2021-08-06&sr=b&sp=r&se=${encodeURIComponent(se)}&sig=${encodeURIComponent(this.#sign(blob, se))}`;
  }

  #sign(blob: string, se: string): string {
    return createHmac('sha256', this.#key).update(`bulk\n${blob}\n${se}`).digest('base64');
  }

  #prune(now: number): void {
    for (const [id, d] of this.#downloads) {
      if (d.submittedAt + REQUEST_LIFETIME_MS >= now) continue;
      this.#downloads.delete(id);
      const entry = this.#files.get(id);
      if (entry) {
        this.#files.delete(id);
        this.#remove(entry);
      }
    }
    for (const [blob, u] of this.#urls) if (u.expiresAt + 3_600_000 < now || !this.#downloads.has(u.requestId)) this.#urls.delete(blob);
  }

  /** The download host for bulk files: plain GET of the signed URL, Azure-Blob-style errors. */
  async download(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const bulkStats = this.options.bulkStats;
    const reject = (status: number, code: string, message: string) => {
      bulkStats.filesRejected++;
      send(res, status, 'application/xml', blobError(code, message), { 'x-ms-error-code': code });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reject(405, 'UnsupportedHttpVerb', "The resource doesn't support specified Http Verb.");
    const blob = url.pathname.slice(BULK_DOWNLOAD_PREFIX.length);
    const now = Date.now();
    const entry = this.#urls.get(blob);
    const download = entry && this.#downloads.get(entry.requestId);
    if (!entry || !download) return reject(404, 'BlobNotFound', 'The specified blob does not exist.');
    const se = url.searchParams.get('se') ?? '';
    const sig = Buffer.from(url.searchParams.get('sig') ?? '');
    const expected = Buffer.from(this.#sign(blob, se));
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) {
      return reject(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\nSignature did not match.');
    }
    if (entry.dead || now > entry.expiresAt) {
      return reject(403, 'AuthenticationFailed', `Server failed to authenticate the request.\nSigned expiry time [${se}] must be after signed start time [${new Date(now).toISOString()}]`);
    }
    if (consume(this.options.faults, 'bulkExpireDownloadUrls')) {
      entry.dead = true;
      return reject(403, 'AuthenticationFailed', 'Server failed to authenticate the request.\nSigned expiry time has passed (simulator fault bulkExpireDownloadUrls).');
    }
    let file: BuiltFile;
    try {
      file = await this.#file(download);
    } catch {
      return send(res, 500, 'application/xml', blobError('InternalError', 'The server encountered an internal error. Please retry the request.'));
    }
    bulkStats.filesServed++;
    bump(bulkStats.filesServedByAccount, download.accountId);
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename="${download.id}.zip"`,
      'x-ms-blob-type': 'BlockBlob',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(file.path), res).catch(() => res.destroy());
  }
}

const blobError = (code: string, message: string) =>
  `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;

/** The rest of the path after BULK_REST_PREFIX, when it names an operation (case-insensitive, as IIS routes). */
export function bulkRestOperation(pathname: string): BulkOperation | undefined {
  const lower = pathname.toLowerCase();
  for (const [path, operation] of Object.entries(BULK_REST_OPERATIONS)) {
    if (lower === `${BULK_REST_PREFIX}${path}`.toLowerCase()) return operation;
  }
  return undefined;
}

export interface DownloadRequest {
  accountId: string;
  entities: string[];
  /** LastSyncTimeInUTC in ms; null = full. */
  since: number | null;
}

const invalid = (path: string, message: string) => new SimFault(201, { message: `One or more input elements failed validation: ${message}`, details: path });
const notServed = (path: string, message: string) => new SimFault(201, { message, details: `${path} (msads-etl simulator limit)` });

/** Checks a DownloadCampaignsByAccountIds body member by member (BULK-FACTS §3.1, §3.3); throws Microsoft's fault. */
export function parseDownloadRequest(body: Record<string, unknown>, now: number): DownloadRequest {
  for (const member of Object.keys(body)) {
    if (!DOWNLOAD_MEMBERS.has(member)) throw invalid(`$.${member}`, `'${member}' is not a member of DownloadCampaignsByAccountIdsRequest (members are case-sensitive).`);
  }
  // AccountIds: int64 as decimal strings, exactly one.
  const ids = body.AccountIds;
  if (ids === undefined || ids === null) throw new BulkFault(3306, { details: '$.AccountIds' });
  if (!Array.isArray(ids)) throw invalid('$.AccountIds', `AccountIds must be an array, got ${typeof ids}.`);
  if (ids.length === 0) throw new BulkFault(3306, { details: '$.AccountIds' });
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !/^[0-9]{1,19}$/.test(id)) throw invalid(`$.AccountIds[${i}]`, `an int64 travels as a decimal string, e.g. "150000001"; got ${JSON.stringify(id)}.`);
  });
  if (ids.length > 1) throw new BulkFault(3201, { details: `${ids.length} account ids; DownloadCampaignsByAccountIds takes one.` });
  // DownloadEntities: at least one, exact names.
  const entities = body.DownloadEntities;
  if (entities === undefined || entities === null || (Array.isArray(entities) && entities.length === 0)) throw new BulkFault(3210, { details: '$.DownloadEntities' });
  if (!Array.isArray(entities)) throw invalid('$.DownloadEntities', 'DownloadEntities must be an array of DownloadEntity names.');
  entities.forEach((e, i) => {
    if (typeof e !== 'string' || !DOWNLOAD_ENTITIES.has(e)) {
      throw invalid(`$.DownloadEntities[${i}]`, `${JSON.stringify(e)} is not a DownloadEntity value (names are plural and case-sensitive, e.g. "Keywords").`);
    }
  });
  // FormatVersion "6.0".
  const format = body.FormatVersion;
  if (format === undefined || format === null || format === '') throw new BulkFault(3219, { details: '$.FormatVersion' });
  if (typeof format !== 'string') throw invalid('$.FormatVersion', `FormatVersion is a string ("6.0"), got ${JSON.stringify(format)}.`);
  if (format !== '6.0') throw new BulkFault(3217, { details: `FormatVersion ${JSON.stringify(format)}: the only version of API v13 is "6.0".` });
  // DataScope: non-nillable string of flags; omitted = EntityData.
  const scope = body.DataScope;
  if (scope === null) throw invalid('$.DataScope', 'DataScope is not nillable: leave it out or send "EntityData".');
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw invalid('$.DataScope', 'DataScope is one string of flags, e.g. "EntityData".');
    const flags = scope.split(',').map((f) => f.trim());
    const bad = flags.find((f) => !DATA_SCOPES.has(f));
    if (bad !== undefined) throw new BulkFault(3228, { details: `DataScope ${JSON.stringify(scope)}: ${JSON.stringify(bad)} is not a flag (REST separates flags with ", ").` });
    if (flags.some((f) => f !== 'EntityData') || !flags.includes('EntityData')) throw notServed('$.DataScope', `DataScope ${JSON.stringify(scope)}: only EntityData is served.`);
  }
  // Enums with one served value.
  for (const [member, values, served] of [
    ['CompressionType', ['Zip', 'GZip'], 'Zip'],
    ['DownloadFileType', ['Csv', 'Tsv'], 'Csv'],
  ] as const) {
    const v = body[member];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw invalid(`$.${member}`, `${JSON.stringify(v)} is not a ${member} value (${values.join(', ')}).`);
    if (v !== served) throw notServed(`$.${member}`, `${member} ${v} is not served; send ${served}.`);
  }
  // LastSyncTimeInUTC: null = full; else an ISO date-time, not later than now, at most 30 days ago.
  const last = body.LastSyncTimeInUTC;
  let since: number | null = null;
  if (last !== undefined && last !== null) {
    if (typeof last !== 'string') throw invalid('$.LastSyncTimeInUTC', `an ISO 8601 date-time string, got ${JSON.stringify(last)}.`);
    const m = ISO_DATE_TIME.exec(last);
    const t = m ? Date.parse(`${last.slice(0, 19)}${m[7] ? m[7].slice(0, 4) : ''}${m[8] ?? 'Z'}`) : Number.NaN;
    if (!m || Number.isNaN(t)) throw invalid('$.LastSyncTimeInUTC', `${JSON.stringify(last)} is not an xs:dateTime (send e.g. "2026-11-30T21:58:06Z", not the file's MM/DD/YYYY form).`);
    if (t < Date.UTC(1753, 0, 1)) throw new BulkFault(3209, { details: last });
    if (t > now) throw new BulkFault(3208, { details: `LastSyncTimeInUTC ${last} is later than the service's now ${new Date(now).toISOString()}.` });
    if (t < now - 30 * DAY_MS) throw new BulkFault(3603, { details: `LastSyncTimeInUTC ${last} is more than 30 days ago: download everything (LastSyncTimeInUTC null).` });
    since = t;
  }
  return { accountId: ids[0] as string, entities: [...new Set(entities as string[])], since };
}

