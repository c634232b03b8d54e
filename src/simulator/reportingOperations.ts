import type { Element } from '@xmldom/xmldom';
import { NS } from '../soap/namespaces.js';
import { SimFault, setupMistakeFault } from './apiErrors.js';
import type { ConnectionDirectory, ConnectionState } from './connections.js';
import { consume, type FaultSwitches } from './faultSwitches.js';
import { generationKey } from './generationTime.js';
import { applyReportRules, type RawReportRequest } from './reportRequest.js';
import { rawReportRequestFromXml } from './reportRequestXml.js';
import type { ReportOutcome, ReportStatus, ReportStore, StoredReport } from './reportStore.js';
import { child, childElements, isNil, textOf, xmlEscape } from './soapXml.js';
import type { SimulatorStats } from './stats.js';
import { isDerivedFrom, qname, type SchemaSet } from './xsdSchema.js';
import type { Violation, XsdValidator } from './xsdValidator.js';

/**
 * What ReportingService does with a well-formed envelope: deserialize the body strictly (schema),
 * authenticate the headers, authorize the customer and accounts, then run SubmitGenerateReport or
 * PollGenerateReport. Every refusal is a SimFault carrying Microsoft's code. The transport-neutral
 * steps (authenticateReporting, acceptReport, pollReport) are shared with the REST endpoint
 * (reportingRest.ts), so both transports store, generate and serve the same reports.
 */

export type Operation = 'SubmitGenerateReport' | 'PollGenerateReport';

export interface OperationDeps {
  schemas: SchemaSet;
  validator: XsdValidator;
  directory: ConnectionDirectory;
  store: ReportStore;
  faults: FaultSwitches;
  stats: SimulatorStats;
  developerToken: string;
  /** How long each submitted report stays Pending: `generationMsFor(key)` for the request's generationKey (generationTime.ts). */
  generationMsFor: (key: string) => number;
  /** Base URL download links are built on. */
  base: string;
  /** Starts building a report's file while it is Pending, as Microsoft generates it then too. */
  prepareFile: (report: StoredReport) => void;
}

const REQUIRED_HEADERS = ['AuthenticationToken', 'CustomerAccountId', 'CustomerId', 'DeveloperToken'] as const;
/** The four credentials of a Reporting call; over REST the access token comes from `Authorization: Bearer`. */
export type ReportingHeaders = Record<(typeof REQUIRED_HEADERS)[number], string>;
type Headers = ReportingHeaders;

/** Runs one operation; returns the body of the response (inside s:Body). */
export function runOperation(deps: OperationDeps, operation: Operation, header: Element | undefined, body: Element): string {
  const now = Date.now();
  if (operation === 'SubmitGenerateReport') checkReportRequestType(deps, body);
  const violation = deps.validator.validate(body);
  if (violation) throw faultForViolation(violation, body);
  const headers = readHeaders(deps, header);
  const user = authenticateReporting(deps, headers, now);
  return operation === 'SubmitGenerateReport' ? submit(deps, headers, user, body, now) : poll(deps, user, body, now);
}

/** The derived type decides the report; the base type or none at all cannot be generated (2002). */
function checkReportRequestType(deps: OperationDeps, body: Element): void {
  const request = child(body, 'ReportRequest');
  if (!request || isNil(request)) return;
  const base = qname(NS.reporting, 'ReportRequest');
  if (!request.hasAttributeNS(NS.xsi, 'type')) {
    throw new SimFault(2002, { details: 'ReportRequest has no xsi:type: name a derived type, e.g. i:type="CampaignPerformanceReportRequest".' });
  }
  const raw = request.getAttributeNS(NS.xsi, 'type') ?? '';
  const type = deps.validator.resolveXsiType(request, raw);
  if (type === undefined || type === base || !deps.schemas.types.has(type) || !isDerivedFrom(deps.schemas, type, base)) {
    throw new SimFault(2002, { details: `xsi:type '${raw}'${type ? ` resolves to ${type}, which` : ' uses an unbound prefix and'} is not a report request type.` });
  }
}

function faultForViolation(v: Violation, body: Element): SimFault {
  if (v.parentType === qname(NS.arrays, 'ArrayOflong') && v.kind === 'unexpected-element') {
    // WCF skips items it does not recognise, so the service sees a scope without account ids.
    return new SimFault(2026, { details: `AccountIds items must be <long> elements in ${NS.arrays}; found '${v.element}' in '${v.namespace}'.` });
  }
  const parameter = v.path.split('/')[1] ?? body.localName;
  return new SimFault(201, {
    message: `The formatter threw an exception while trying to deserialize the message: There was an error while trying to deserialize parameter ${NS.reporting}:${parameter}. The InnerException message was '${v.message}'. Please see InnerException for more details.`,
    details: v.path,
  });
}

function readHeaders(deps: OperationDeps, header: Element | undefined): Headers {
  const found: Partial<Headers> = {};
  for (const el of header ? childElements(header) : []) {
    const name = el.localName as (typeof REQUIRED_HEADERS)[number];
    if (el.namespaceURI !== NS.reporting || !REQUIRED_HEADERS.includes(name)) continue;
    const violation = deps.validator.validate(el);
    if (violation) throw new SimFault(201, { message: violation.message, details: violation.path });
    const value = textOf(el)?.trim();
    if (value) found[name] = value;
  }
  const missing = REQUIRED_HEADERS.filter((h) => found[h] === undefined);
  if (missing.length > 0) throw new SimFault(116, { details: `Missing in namespace ${NS.reporting}: ${missing.join(', ')}` });
  return found as Headers;
}

/** Developer token, access token (105/109), setup-mistake switches, then access to CustomerId and CustomerAccountId (106). */
export function authenticateReporting(deps: OperationDeps, headers: Headers, now: number): ConnectionState {
  if (headers.DeveloperToken !== deps.developerToken) throw new SimFault(105, { details: 'The developer token is not valid.' });
  const token = deps.directory.lookupToken(headers.AuthenticationToken, now);
  if (!token) throw new SimFault(105, { details: 'The AuthenticationToken is not a token this service issued.' });
  if (token.expiresAt <= now) throw new SimFault(109);
  const user = token.connection;
  const mistake = setupMistakeFault(deps.faults, user.connectionId);
  if (mistake) throw mistake;
  if (deps.faults.invalidCredentialConnections.has(user.connectionId)) {
    throw new SimFault(105, { details: 'The user withdrew the consent or was removed (simulator switch invalidCredentialConnections).' });
  }
  if (!user.customerIds.includes(headers.CustomerId)) {
    throw new SimFault(106, { details: `The user has no access to customer ${headers.CustomerId}.` });
  }
  if (!user.accountIds.includes(headers.CustomerAccountId)) {
    throw new SimFault(106, { details: `The user has no access to account ${headers.CustomerAccountId}.` });
  }
  return user;
}

function submit(deps: OperationDeps, headers: Headers, user: ConnectionState, body: Element, now: number): string {
  const request = child(body, 'ReportRequest');
  if (!request || isNil(request)) throw new SimFault(2001);
  const rawType = request.getAttributeNS(NS.xsi, 'type') ?? '';
  const raw = rawReportRequestFromXml(request, deps.validator.resolveXsiType(request, rawType)?.split('}')[1] ?? rawType);
  const id = acceptReport(deps, headers, user, raw, now);
  return `<SubmitGenerateReportResponse xmlns="${NS.reporting}"><ReportRequestId>${xmlEscape(id)}</ReportRequestId></SubmitGenerateReportResponse>`;
}

/** SubmitGenerateReport after authentication: the rules, authorization of the scope (2003), the 207 limit; returns the ReportRequestId. */
export function acceptReport(deps: OperationDeps, headers: Headers, user: ConnectionState, raw: RawReportRequest, now: number): string {
  const spec = applyReportRules(raw, now);
  const denied = spec.accountIds.filter((id) => !user.accountIds.includes(id) || deps.directory.customerOf(id) !== headers.CustomerId);
  if (denied.length > 0) throw new SimFault(2003, { details: denied.slice(0, 20).join(',') });
  if (!spec.accountIds.includes(headers.CustomerAccountId)) {
    throw new SimFault(2003, { details: `The CustomerAccountId header (${headers.CustomerAccountId}) is not one of the scope's AccountIds.` });
  }
  if (deps.faults.concurrentLimit > 0 && deps.store.pendingCount(now, user.customerId) >= deps.faults.concurrentLimit) {
    throw new SimFault(207, { injected: true });
  }
  const outcome: ReportOutcome = consume(deps.faults, 'statusErrorNext') ? 'Error' : deps.faults.emptyReport ? 'Empty' : 'Success';
  const identity = { connectionId: user.connectionId, accountIds: spec.accountIds, requestType: spec.requestType, aggregation: spec.aggregation, from: spec.window.from, to: spec.window.to };
  const windowKey = [identity.connectionId, identity.accountIds.join(','), identity.requestType, identity.aggregation, identity.from, identity.to].join('|');
  const earlier = deps.stats.submitsByWindow[windowKey] ?? 0;
  const readyAt = now + deps.generationMsFor(generationKey(identity, earlier));
  const report = deps.store.add({ connectionId: user.connectionId, customerId: user.customerId, spec, submittedAt: now, readyAt, outcome });
  if (outcome === 'Success') deps.prepareFile(report);
  deps.stats.submits++;
  for (const id of spec.accountIds) deps.stats.submitsByAccount[id] = (deps.stats.submitsByAccount[id] ?? 0) + 1;
  deps.stats.submitsByWindow[windowKey] = earlier + 1;
  return report.id;
}

function poll(deps: OperationDeps, user: ConnectionState, body: Element, now: number): string {
  const { status, url } = pollReport(deps, user, textOf(child(body, 'ReportRequestId'))?.trim(), now);
  const urlXml = url === undefined ? '<ReportDownloadUrl i:nil="true"/>' : `<ReportDownloadUrl>${xmlEscape(url)}</ReportDownloadUrl>`;
  return `<PollGenerateReportResponse xmlns="${NS.reporting}"><ReportRequestStatus xmlns:i="${NS.xsi}">${urlXml}<Status>${status}</Status></ReportRequestStatus></PollGenerateReportResponse>`;
}

/** PollGenerateReport after authentication: the status, and a fresh download URL once a report with data is done. */
export function pollReport(deps: OperationDeps, user: ConnectionState, id: string | undefined, now: number): { status: ReportStatus; url: string | undefined } {
  if (!id) throw new SimFault(2100, { details: 'ReportRequestId is missing or nil.' });
  const report = deps.store.get(id);
  // Reports belong to the user who submitted them; to anyone else the id does not exist.
  if (!report || report.connectionId !== user.connectionId) throw new SimFault(2100, { details: id });
  const status = deps.store.status(report, now);
  const url = status === 'Success' && report.outcome === 'Success' ? deps.store.issueUrl(report, deps.base, now) : undefined;
  deps.stats.polls++;
  return { status, url };
}
