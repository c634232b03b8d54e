import type { Element } from '@xmldom/xmldom';
import { NS } from '../soap/namespaces.js';
import { SimFault, setupMistakeFault } from './apiErrors.js';
import type { ConnectionDirectory, ConnectionState } from './connections.js';
import { simAccount, type SimAccount, type SimAccountAttributes } from './customerAccounts.js';
import type { FaultSwitches } from './faultSwitches.js';
import { child, childElements, textOf, xmlEscape } from './soapXml.js';
import type { SimulatorStats } from './stats.js';
import type { XsdValidator } from './xsdValidator.js';

/**
 * What CustomerManagementService does with GetUser and SearchAccounts: validate the body against the
 * schema, authenticate the two headers (there is no CustomerId header in this service), then answer
 * from the connection directory. SearchAccounts follows the documented rules (REPORTING-FACTS §9.1):
 * exactly one predicate (two when one is AccountLifeCycleStatus), at most one OrderBy honoured, PageInfo
 * required with a zero-based Index and a Size of at most 1,000. The transport-neutral steps
 * (checkCustomerCredentials, userAnswer, findAccounts) are shared with the REST endpoint (customerRest.ts).
 */

export type CustomerOperation = 'GetUser' | 'SearchAccounts';

export interface CustomerOperationDeps {
  validator: XsdValidator;
  directory: ConnectionDirectory;
  faults: FaultSwitches;
  stats: SimulatorStats;
  developerToken: string;
  accountAttributes: Readonly<Record<string, SimAccountAttributes>>;
}

const HEADERS = ['AuthenticationToken', 'DeveloperToken'] as const;
const ent = (el: Element | undefined, local: string) => child(el, local, NS.customerEntities);

export function runCustomerOperation(deps: CustomerOperationDeps, operation: CustomerOperation, header: Element | undefined, body: Element): string {
  const violation = deps.validator.validate(body);
  if (violation) {
    throw new SimFault(201, {
      message: `The formatter threw an exception while trying to deserialize the message: ${violation.message}`,
      details: violation.path,
    });
  }
  const user = authenticate(deps, header, Date.now());
  return operation === 'GetUser' ? getUser(deps, user, body) : searchAccounts(deps, user, body);
}

function authenticate(deps: CustomerOperationDeps, header: Element | undefined, now: number): ConnectionState {
  const found: Partial<Record<(typeof HEADERS)[number], string>> = {};
  for (const el of header ? childElements(header) : []) {
    const name = el.localName as (typeof HEADERS)[number];
    if (el.namespaceURI !== NS.customer || !HEADERS.includes(name)) continue;
    const value = textOf(el)?.trim();
    if (value) found[name] = value;
  }
  const missing = HEADERS.filter((h) => found[h] === undefined);
  if (missing.length > 0) throw new SimFault(116, { details: `Missing in namespace ${NS.customer}: ${missing.join(', ')}` });
  return checkCustomerCredentials(deps, found.DeveloperToken as string, found.AuthenticationToken as string, now);
}

/** Developer token, access token (105/109), then the credential switches. */
export function checkCustomerCredentials(deps: CustomerOperationDeps, developerToken: string, accessToken: string, now: number): ConnectionState {
  if (developerToken !== deps.developerToken) throw new SimFault(105, { details: 'The developer token is not valid.' });
  const token = deps.directory.lookupToken(accessToken, now);
  if (!token) throw new SimFault(105, { details: 'The AuthenticationToken is not a token this service issued.' });
  if (token.expiresAt <= now) throw new SimFault(109);
  const mistake = setupMistakeFault(deps.faults, token.connection.connectionId);
  if (mistake) throw mistake;
  if (deps.faults.invalidCredentialConnections.has(token.connection.connectionId)) {
    throw new SimFault(105, { details: 'The user withdrew the consent or was removed (simulator switch invalidCredentialConnections).' });
  }
  return token.connection;
}

/** GetUser's answer for the authenticated user (another user's id: 106). One role per customer (§9.1). */
export function userAnswer(deps: CustomerOperationDeps, user: ConnectionState, requested: string | undefined): { user: ConnectionState; roleId: number } {
  if (requested !== undefined && requested !== user.userId) throw new SimFault(106, { details: `The user cannot read user ${requested}.` });
  deps.stats.customerCalls.GetUser = (deps.stats.customerCalls.GetUser ?? 0) + 1;
  return { user, roleId: 41 };
}

function getUser(deps: CustomerOperationDeps, user: ConnectionState, body: Element): string {
  const { roleId } = userAnswer(deps, user, textOf(child(body, 'UserId', NS.customer))?.trim());
  const longs = (ids: readonly string[]) => ids.map((id) => `<a:long>${id}</a:long>`).join('');
  // AccountIds nil = every account of the customer, current and future.
  const linked =
    user.linkedAccountIds.length > 0 ? `<e:LinkedAccountIds xmlns:a="${NS.arrays}">${longs(user.linkedAccountIds)}</e:LinkedAccountIds>` : '<e:LinkedAccountIds i:nil="true"/>';
  const role =
    `<e:CustomerRole><e:RoleId>${roleId}</e:RoleId><e:CustomerId>${user.customerId}</e:CustomerId><e:AccountIds i:nil="true"/>${linked}` +
    `<e:CustomerLinkPermission i:nil="true"/></e:CustomerRole>`;
  // User and CustomerRoles are Customer-namespace elements whose children are Entities (elementFormDefault qualified).
  return (
    `<GetUserResponse xmlns="${NS.customer}" xmlns:e="${NS.customerEntities}" xmlns:i="${NS.xsi}"><User>` +
    `<e:CustomerId>${user.customerId}</e:CustomerId><e:Id>${user.userId}</e:Id>` +
    `<e:Name><e:FirstName>Sim</e:FirstName><e:LastName>${xmlEscape(user.connectionId)}</e:LastName><e:MiddleInitial i:nil="true"/></e:Name>` +
    `<e:UserLifeCycleStatus>Active</e:UserLifeCycleStatus><e:UserName>${xmlEscape(`${user.connectionId}@example.com`)}</e:UserName></User>` +
    `<CustomerRoles>${role}</CustomerRoles></GetUserResponse>`
  );
}

export interface Predicate {
  field: string;
  operator: string;
  value: string;
}

/** A SearchAccounts request as either transport carries it. `page` undefined = PageInfo missing, nil or empty. */
export interface AccountQuery {
  predicates: Predicate[];
  /** The first OrderBy (the only one honoured). */
  orderBy: { field: string; order: string } | undefined;
  page: { index: number; size: number } | undefined;
}

function searchAccounts(deps: CustomerOperationDeps, user: ConnectionState, body: Element): string {
  const list = child(body, 'Predicates', NS.customer);
  const predicates: Predicate[] = (list ? childElements(list) : []).map((p) => ({
    field: textOf(ent(p, 'Field'))?.trim() ?? '',
    operator: textOf(ent(p, 'Operator'))?.trim() ?? 'Equals',
    value: textOf(ent(p, 'Value'))?.trim() ?? '',
  }));
  const page = child(body, 'PageInfo', NS.customer);
  const orderBy = childElements(child(body, 'Ordering', NS.customer) ?? body).find((o) => o.localName === 'OrderBy' && o.namespaceURI === NS.customerEntities);
  const query: AccountQuery = {
    predicates,
    orderBy: orderBy ? { field: textOf(ent(orderBy, 'Field'))?.trim() ?? 'Id', order: textOf(ent(orderBy, 'Order'))?.trim() ?? 'Ascending' } : undefined,
    page: page && childElements(page).length > 0 ? { index: Number(textOf(ent(page, 'Index')) ?? '0'), size: Number(textOf(ent(page, 'Size')) ?? '0') } : undefined,
  };
  const slice = findAccounts(deps, user, query);
  return `<SearchAccountsResponse xmlns="${NS.customer}" xmlns:e="${NS.customerEntities}" xmlns:i="${NS.xsi}"><Accounts>${slice.map(accountXml).join('')}</Accounts></SearchAccountsResponse>`;
}

/** SearchAccounts' rules (§9.1) over the user's accounts: predicates, one OrderBy, the page. */
export function findAccounts(deps: CustomerOperationDeps, user: ConnectionState, query: AccountQuery): SimAccount[] {
  const { predicates } = query;
  const withStatus = predicates.some((p) => p.field === 'AccountLifeCycleStatus');
  if (predicates.length !== (withStatus ? 2 : 1)) {
    throw new SimFault(201, { details: 'You must include exactly one predicate (two when one of them is AccountLifeCycleStatus).' });
  }
  if (!query.page) throw new SimFault(201, { details: 'PageInfo is required.' });
  const { index, size } = query.page;
  if (index < 0 || size < 0 || size > 1000) throw new SimFault(201, { details: `PageInfo: Index must be >= 0 and Size between 0 and 1000 (got ${index}, ${size}).` });

  let accounts = user.accountIds.map((id) => simAccount(id, deps.directory.customerOf(id) ?? user.customerId, deps.accountAttributes[id]));
  for (const p of predicates) accounts = accounts.filter(matcher(user, p));

  if (query.orderBy) {
    const dir = query.orderBy.order === 'Descending' ? -1 : 1;
    const field = query.orderBy.field;
    accounts.sort((a, b) => dir * compare(a, b, field));
  }
  const slice = accounts.slice(index * size, (index + 1) * size);
  deps.stats.customerCalls.SearchAccounts = (deps.stats.customerCalls.SearchAccounts ?? 0) + 1;
  return slice;
}

function matcher(user: ConnectionState, p: Predicate): (a: SimAccount) => boolean {
  const key = `${p.field} ${p.operator}`;
  switch (key) {
    case 'UserId Equals':
      // A user may search its own accounts; other users' ids are not visible to it.
      if (p.value !== user.userId) throw new SimFault(106, { details: `The user cannot search accounts of user ${p.value}.` });
      return () => true;
    case 'AccountId Equals':
      return (a) => a.id === p.value;
    case 'AccountId In':
      return (a) => p.value.split(',').map((v) => v.trim()).includes(a.id);
    case 'CustomerId Equals':
      return (a) => a.parentCustomerId === p.value;
    case 'AccountName Contains':
      return (a) => a.name.toLowerCase().includes(p.value.toLowerCase());
    case 'AccountName Equals':
      return (a) => a.name === p.value;
    case 'AccountLifeCycleStatus Equals':
      return (a) => a.status === p.value;
    default:
      throw new SimFault(201, { details: `Predicate ${key} is not supported by SearchAccounts.` });
  }
}

function compare(a: SimAccount, b: SimAccount, field: string): number {
  switch (field) {
    case 'Name':
      return a.name.localeCompare(b.name) || compare(a, b, 'Id');
    case 'Number':
      return a.number.localeCompare(b.number);
    case 'LifeCycleStatus':
      return a.status.localeCompare(b.status) || compare(a, b, 'Id');
    default: {
      const d = BigInt(a.id) - BigInt(b.id);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    }
  }
}

/** AdvertiserAccount in Microsoft's element order (the fields our WSDL subset declares). */
function accountXml(a: SimAccount): string {
  return (
    `<e:AdvertiserAccount><e:BillToCustomerId>${a.parentCustomerId}</e:BillToCustomerId><e:CurrencyCode>${a.currencyCode}</e:CurrencyCode>` +
    `<e:Id>${a.id}</e:Id><e:Name>${xmlEscape(a.name)}</e:Name><e:Number>${xmlEscape(a.number)}</e:Number>` +
    `<e:ParentCustomerId>${a.parentCustomerId}</e:ParentCustomerId><e:PrimaryUserId i:nil="true"/>` +
    `<e:AccountLifeCycleStatus>${a.status}</e:AccountLifeCycleStatus><e:TimeZone>${a.timeZone}</e:TimeZone></e:AdvertiserAccount>`
  );
}
