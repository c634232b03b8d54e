import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledCustomerManagementWsdl, bundledReportingWsdl } from '../paths.js';
import type { Aggregation } from '../reports/catalog.js';
import { ConnectionDirectory, defaultMetadata } from './connections.js';
import type { SimAccountAttributes } from './customerAccounts.js';
import { BULK_DOWNLOAD_PREFIX, BULK_REST_PREFIX, BulkService, bulkRestOperation, createBulkStats, type BulkStats } from './bulkService.js';
import { DEFAULT_BULK_SHAPE, type BulkDeletion, type BulkEntity, type BulkRecordType, type NewBulkRecord } from './bulkWorld.js';
import { CUSTOMER_PATH, handleCustomer } from './customerEndpoint.js';
import { CUSTOMER_REST_PREFIX, customerRestOperation, handleCustomerRest } from './customerRest.js';
import { handleDownload } from './downloadHost.js';
import { defaultFaultSwitches, type FaultSwitches } from './faultSwitches.js';
import type { AccountShape, GenerateOptions } from './generator.js';
import { send } from './httpUtil.js';
import { handleNango } from './nangoApi.js';
import { JsonValidator } from './jsonValidator.js';
import { handleReporting } from './reportingEndpoint.js';
import { handleReportingRest, REPORTING_REST_PREFIX, reportingRestOperation } from './reportingRest.js';
import { generationMsFor as generationMsForKey, parseGenerationTime, type GenerationTime } from './generationTime.js';
import { ReportFiles } from './reportFiles.js';
import { ReportStore, type StoredReport } from './reportStore.js';
import { generateOptionsFor } from './servedCsv.js';
import { createStats, type SimulatorStats } from './stats.js';
import { loadSchemaSet } from './xsdSchema.js';
import { XsdValidator } from './xsdValidator.js';

/**
 * A local stand-in for Microsoft Advertising's ReportingService and CustomerManagementService v13, over
 * SOAP and over REST (JSON) at Microsoft's paths, its report download host and Nango, on one real HTTP
 * server. It is as strict as the real service: requests are validated against the schemas of our WSDL
 * (REST bodies with rules derived from the same schemas) and answered with Microsoft-shaped faults. Used by the demo, the tests and the
 * benchmarks; fault switches let tests make it misbehave on purpose.
 */

export type { CsvLayoutOverride, FaultSwitches } from './faultSwitches.js';
export type { SimulatorStats } from './stats.js';
export { describeGenerationTime, GenerationTimeError, meanGenerationMs, parseGenerationTime, type GenerationTime } from './generationTime.js';
export { NANGO_INTEGRATION_ID } from './nangoApi.js';
export type { BulkStats } from './bulkService.js';
export type { BulkDeletion, BulkEntity, BulkRecordType, NewBulkRecord } from './bulkWorld.js';
export { BULK_HEADERS } from './bulkFile.js';

export interface SimulatorConnection {
  connectionId: string;
  customerId: string;
  accountIds: string[];
  /** Nango metadata returned as-is; default `{ customer_id, account_ids }`, the keys the worker reads. */
  metadata?: Record<string, unknown>;
  /** Microsoft user id behind the connection (Customer Management GetUser); default 900000000 + position. */
  userId?: string;
  /** Accounts of client customers the user manages through agency links (their own parent customer). */
  linkedAccounts?: { customerId: string; accountIds: string[] }[];
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed?: string;
  nangoSecretKey: string;
  developerToken: string;
  connections: SimulatorConnection[];
  /** Fixed generation time in ms (default 1,500); `generation` wins when both are given. */
  generationMs?: number;
  /** Generation time per report: fixed or log-normal, drawn per report request from `seed` (generationTime.ts); text as `--generation` takes it. */
  generation?: GenerationTime | string;
  /** Microsoft's hidden per-customer cap: the `concurrentLimit` fault switch at start (0 = none; tests may change it live). */
  concurrentLimit?: number;
  tokenTtlMs?: number;
  downloadUrlTtlMs?: number;
  shape?: AccountShape;
  /** Customer Management attributes per account id (name, number, status…); others get defaults. */
  accounts?: Record<string, SimAccountAttributes>;
  /** How long a Bulk download stays InProgress (ms, default 300). */
  bulkGenerationMs?: number;
  /** Size of each account's Bulk entity world: Search campaigns (default 3; one PerformanceMax campaign comes on top), */
  bulkCampaigns?: number;
  /** ad groups per Search campaign (default 2), */
  bulkAdGroupsPerCampaign?: number;
  /** keywords per ad group (default 5). 10 × 100 × 1,000 gives a 1,000,000-keyword file. */
  bulkKeywordsPerAdGroup?: number;
}

/**
 * The Bulk entity world, per account (bulkWorld.ts): read it back and change it. Every change stamps
 * Modified Time with the simulator clock (Date.now()); the next delta download brings it. For label
 * associations `id` is the label and `parentId` the labelled entity.
 */
export interface SimulatorBulk {
  /** The current (non-deleted) records, in file order, Type/Format Version/Account records excluded. */
  entities(accountId: string, types?: readonly BulkRecordType[]): BulkEntity[];
  /** The same, lazily (for big worlds). */
  records(accountId: string, types?: readonly BulkRecordType[]): Iterable<BulkEntity>;
  get(accountId: string, type: BulkRecordType, id: string, parentId?: string): BulkEntity | undefined;
  rename(accountId: string, type: BulkRecordType, id: string, name: string): BulkEntity;
  /** Sets fields by Bulk header name ('' or null unsets); Id, Parent Id, Modified Time and derived columns are refused. */
  update(accountId: string, type: BulkRecordType, id: string, fields: Record<string, string | null | undefined>, parentId?: string): BulkEntity;
  /** Deletes the record and everything under it; returns every deletion made (children with cascadedFrom). */
  remove(accountId: string, type: BulkRecordType, id: string, parentId?: string): BulkDeletion[];
  add(accountId: string, record: NewBulkRecord): BulkEntity;
  /** Every deletion so far, cascaded ones included, in order. */
  deleted(accountId: string): BulkDeletion[];
}

export interface Simulator {
  urls: {
    base: string;
    /** SOAP endpoints (and their WSDLs). */
    reporting: string;
    reportingWsdl: string;
    customer: string;
    customerWsdl: string;
    /** REST base URLs, without the operation path: clients append `/GenerateReport/Submit`, `/User/Query`, … */
    reportingRest: string;
    customerRest: string;
    /** Bulk REST base: clients append `/Campaigns/DownloadByAccountIds`, `/BulkDownloadStatus/Query`. */
    bulkRest: string;
    nango: string;
  };
  faults: FaultSwitches;
  stats: SimulatorStats & { bulk: BulkStats };
  bulk: SimulatorBulk;
  /** The exact rows this simulator serves for a report request (for test expectations). */
  generateOptions(req: { accountId: string; columns: readonly string[]; aggregation: Aggregation; from: string; to: string }): GenerateOptions;
  /** Force-expire every issued access token (so the next Microsoft call gets 109 unless the client refreshes via Nango). */
  expireTokens(): void;
  /** Every access and refresh token the fake Nango has issued: what a leak test searches for. */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

export const REPORTING_PATH = '/Api/Advertiser/Reporting/v13/ReportingService.svc';
export { CUSTOMER_PATH } from './customerEndpoint.js';
const NANGO_PREFIX = '/nango';

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  if (!options.nangoSecretKey || !options.developerToken) throw new Error('simulator needs a nangoSecretKey and a developerToken');
  const seed = options.seed ?? 'msads-sim';
  const tokenTtlMs = options.tokenTtlMs ?? 3_600_000;
  const wsdlText = await readFile(bundledReportingWsdl, 'utf8');
  const schemas = loadSchemaSet(wsdlText);
  const customerWsdlText = await readFile(bundledCustomerManagementWsdl, 'utf8');
  const customerSchemas = loadSchemaSet(customerWsdlText);
  const customerValidator = new XsdValidator(customerSchemas);
  const reportingJson = new JsonValidator(schemas);
  const customerJson = new JsonValidator(customerSchemas);
  const directory = new ConnectionDirectory(options.connections, tokenTtlMs, Date.now());
  const store = new ReportStore(options.downloadUrlTtlMs ?? 300_000);
  const faults = defaultFaultSwitches();
  if (options.concurrentLimit !== undefined) {
    if (!Number.isInteger(options.concurrentLimit) || options.concurrentLimit < 0) throw new Error(`concurrentLimit must be a non-negative integer, got ${options.concurrentLimit}`);
    faults.concurrentLimit = options.concurrentLimit;
  }
  const generation: GenerationTime =
    typeof options.generation === 'string' ? parseGenerationTime(options.generation) : (options.generation ?? { kind: 'fixed', ms: options.generationMs ?? 1_500 });
  const generationMsFor = (key: string) => generationMsForKey(generation, seed, key);
  const stats = createStats(() => store.pendingCount(Date.now())) as SimulatorStats & { bulk: BulkStats };
  stats.bulk = createBulkStats();
  const dir = await mkdtemp(join(tmpdir(), 'msads-sim-'));
  const files = new ReportFiles(dir, seed, options.shape, options.accounts ?? {});
  const validator = new XsdValidator(schemas);
  const bulkService = new BulkService({
    directory,
    faults,
    stats,
    bulkStats: stats.bulk,
    developerToken: options.developerToken,
    generationMs: options.bulkGenerationMs ?? 300,
    downloadUrlTtlMs: options.downloadUrlTtlMs ?? 300_000,
    shape: {
      campaigns: options.bulkCampaigns ?? DEFAULT_BULK_SHAPE.campaigns,
      adGroupsPerCampaign: options.bulkAdGroupsPerCampaign ?? DEFAULT_BULK_SHAPE.adGroupsPerCampaign,
      keywordsPerAdGroup: options.bulkKeywordsPerAdGroup ?? DEFAULT_BULK_SHAPE.keywordsPerAdGroup,
    },
    dir,
    base: () => urls.base,
  });

  // Filled in once the server listens and the port is known.
  const urls = { base: '', reporting: '', reportingWsdl: '', customer: '', customerWsdl: '', reportingRest: '', customerRest: '', bulkRest: '', nango: '' };
  let wsdl = '';
  let customerWsdl = '';
  const opDeps = () => ({
    schemas,
    validator,
    directory,
    store,
    faults,
    stats,
    developerToken: options.developerToken,
    generationMsFor,
    base: urls.base,
    wsdl,
    prepareFile: (report: StoredReport) => void files.get(report, faults).catch(() => undefined),
  });

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', urls.base);
    // WCF matches service paths case-insensitively.
    if (url.pathname.toLowerCase() === REPORTING_PATH.toLowerCase()) {
      stats.soapInFlight++;
      stats.reportingInFlight++;
      res.once('close', () => {
        stats.soapInFlight--;
        stats.reportingInFlight--;
      });
      return handleReporting(opDeps(), req, res, url);
    }
    const customerDeps = () => ({
      validator: customerValidator,
      directory,
      faults,
      stats,
      developerToken: options.developerToken,
      accountAttributes: options.accounts ?? {},
    });
    if (url.pathname.toLowerCase() === CUSTOMER_PATH.toLowerCase()) return handleCustomer({ ...customerDeps(), wsdl: customerWsdl }, req, res, url);
    const reportingOperation = reportingRestOperation(url.pathname);
    if (reportingOperation) {
      stats.reportingInFlight++;
      res.once('close', () => stats.reportingInFlight--);
    }
    if (reportingOperation) return handleReportingRest({ ...opDeps(), jsonValidator: reportingJson }, reportingOperation, req, res);
    const customerOperation = customerRestOperation(url.pathname);
    if (customerOperation) return handleCustomerRest({ ...customerDeps(), jsonValidator: customerJson }, customerOperation, req, res);
    const bulkOperation = bulkRestOperation(url.pathname);
    if (bulkOperation) return bulkService.handle(bulkOperation, req, res);
    if (url.pathname.startsWith(BULK_DOWNLOAD_PREFIX)) return bulkService.download(req, res, url);
    if (url.pathname.startsWith('/downloads/')) return handleDownload({ store, files, faults, stats }, req, res, url);
    if (url.pathname === NANGO_PREFIX || url.pathname.startsWith(`${NANGO_PREFIX}/`)) {
      const deps = { directory, faults, stats, secretKey: options.nangoSecretKey, tokenTtlMs };
      return handleNango(deps, req, res, url.pathname.slice(NANGO_PREFIX.length) || '/', url.searchParams);
    }
    send(res, 404, 'text/plain', 'Not Found');
  };
  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'simulator error');
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  urls.base = `http://${host}:${address.port}`;
  urls.reporting = `${urls.base}${REPORTING_PATH}`;
  urls.reportingWsdl = `${urls.reporting}?wsdl`;
  urls.customer = `${urls.base}${CUSTOMER_PATH}`;
  urls.customerWsdl = `${urls.customer}?wsdl`;
  urls.reportingRest = `${urls.base}${REPORTING_REST_PREFIX}`;
  urls.customerRest = `${urls.base}${CUSTOMER_REST_PREFIX}`;
  urls.bulkRest = `${urls.base}${BULK_REST_PREFIX}`;
  urls.nango = `${urls.base}${NANGO_PREFIX}`;
  wsdl = wsdlText.replace(/(<soap:address\s+location=")[^"]*(")/, `$1${urls.reporting}$2`);
  customerWsdl = customerWsdlText.replace(/(<soap:address\s+location=")[^"]*(")/, `$1${urls.customer}$2`);

  let closing: Promise<void> | undefined;
  return {
    urls,
    faults,
    stats,
    generateOptions: (req) => generateOptionsFor(req, req.accountId, seed, options.shape),
    expireTokens: () => directory.expireAll(Date.now()),
    issuedSecrets: () => directory.issuedSecrets(),
    bulk: {
      entities: (accountId, types) => [...bulkService.world(accountId).records(types ? new Set(types) : undefined)],
      records: (accountId, types) => bulkService.world(accountId).records(types ? new Set(types) : undefined),
      get: (accountId, type, id, parentId) => bulkService.world(accountId).get(type, id, parentId),
      rename: (accountId, type, id, name) => bulkService.world(accountId).rename(type, id, name, Date.now()),
      update: (accountId, type, id, fields, parentId) => bulkService.world(accountId).update(type, id, fields, Date.now(), parentId),
      remove: (accountId, type, id, parentId) => bulkService.world(accountId).remove(type, id, Date.now(), parentId),
      add: (accountId, record) => bulkService.world(accountId).add(record, Date.now()),
      deleted: (accountId) => bulkService.world(accountId).deletions(),
    },
    close: () =>
      (closing ??= (async () => {
        files.abort();
        bulkService.abort();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/** The demo setup: one Nango connection for customer 1000001 with two ad accounts. */
export function demoSimulatorOptions(): SimulatorOptions {
  const connection = { connectionId: 'demo-connection', customerId: '1000001', accountIds: ['150000001', '150000002'] };
  return {
    nangoSecretKey: 'sim-nango-secret',
    developerToken: 'sim-developer-token',
    connections: [{ ...connection, metadata: defaultMetadata(connection) }],
  };
}
