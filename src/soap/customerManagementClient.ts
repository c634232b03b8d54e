import type { Element } from '@xmldom/xmldom';
import { ProtocolError, RequestValidationError } from '../errors.js';
import {
  SEARCH_ACCOUNTS_MAX_PAGE_SIZE,
  type AdvertiserAccountInfo,
  type CustomerApi,
  type CustomerCallAuth,
  type CustomerRoleInfo,
  type SearchAccountsQuery,
  type UserInfo,
} from '../ports/customerApi.js';
import { NS } from './namespaces.js';
import { callSoap, createSoapTransport, type SoapTransport } from './soapTransport.js';
import { childElements, childText, firstChild } from './xmlRead.js';

/**
 * GetUser and SearchAccounts of Customer Management v13 over SOAP 1.1, built the way reportingClient.ts
 * builds Reporting calls: the WSDL is parsed once, every call gets its own node-soap Client (headers are
 * per-client state), the envelope carries no WSDL namespace declarations, answers are read with our own
 * namespace-aware DOM reader, and failures become the typed errors of faults.ts (Customer Management's
 * ApiFault/OperationError carries no ErrorCode: §6.1, §11.13; classification keys on the numeric Code).
 *
 * Headers: AuthenticationToken and DeveloperToken only, in the Customer namespace; this service has no
 * CustomerId/CustomerAccountId header parts (REPORTING-FACTS §2.2).
 */

export {
  SEARCH_ACCOUNTS_MAX_PAGE_SIZE,
  type AdvertiserAccountInfo,
  type CustomerCallAuth,
  type CustomerRoleInfo,
  type SearchAccountsQuery,
  type UserInfo,
} from '../ports/customerApi.js';
/** The SOAP adapter of the customer port. */
export type CustomerManagementService = CustomerApi;

export interface CustomerManagementServiceOptions {
  /** Path or URL of the Customer Management WSDL: the bundled one or Microsoft's official one. */
  wsdl: string;
  /** Where to POST; overrides the WSDL's soap:address. */
  endpoint: string;
  timeoutMs: number;
}

type Operation = 'GetUser' | 'SearchAccounts';
const HEADER_NAMES = ['AuthenticationToken', 'DeveloperToken'] as const;

export async function createCustomerManagementService(options: CustomerManagementServiceOptions): Promise<CustomerManagementService> {
  const transport = await createSoapTransport({
    ...options,
    namespace: NS.customer,
    operations: ['GetUser', 'SearchAccounts'],
    serviceName: 'Customer Management',
  });

  return {
    api: 'soap',
    async getUser(auth, signal) {
      // UserId nil = the authenticated user (§9.1); null makes node-soap write xsi:nil="true".
      const { response, status, trackingId } = await invoke(transport, 'GetUser', { UserId: null }, auth, signal);
      return readUser(response, status, trackingId);
    },

    async searchAccountsByUser(auth, query, signal) {
      const args = searchAccountsArgs(query);
      const { response, trackingId } = await invoke(transport, 'SearchAccounts', args, auth, signal);
      const list = firstChild(response, 'Accounts');
      const accounts = (list ? childElements(list, 'AdvertiserAccount') : []).map(readAccount).filter((a): a is AdvertiserAccountInfo => a !== undefined);
      return trackingId === undefined ? { accounts } : { accounts, trackingId };
    },
  };
}

/**
 * The SearchAccounts body: exactly one predicate (UserId Equals), ordered by Id so pages are stable, and
 * one page. Every Entities child is written with a prefix declared on its parent: node-soap would
 * otherwise qualify them with the parent's namespace (the §13 Arrays pitfall, same mechanism).
 */
export function searchAccountsArgs(query: SearchAccountsQuery): Record<string, unknown> {
  if (!/^[1-9]\d{0,18}$/.test(query.userId)) throw new RequestValidationError(`SearchAccounts: user id "${query.userId}" is not an Int64`);
  if (!Number.isInteger(query.pageIndex) || query.pageIndex < 0) throw new RequestValidationError(`SearchAccounts: page index ${query.pageIndex} is not a non-negative integer`);
  if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > SEARCH_ACCOUNTS_MAX_PAGE_SIZE) {
    throw new RequestValidationError(`SearchAccounts: page size ${query.pageSize} is not between 1 and ${SEARCH_ACCOUNTS_MAX_PAGE_SIZE}`);
  }
  const ent = { 'xmlns:e': NS.customerEntities };
  return {
    Predicates: { attributes: ent, 'e:Predicate': [{ 'e:Field': 'UserId', 'e:Operator': 'Equals', 'e:Value': query.userId }] },
    Ordering: { attributes: ent, 'e:OrderBy': [{ 'e:Field': 'Id', 'e:Order': 'Ascending' }] },
    PageInfo: { attributes: ent, 'e:Index': query.pageIndex, 'e:Size': query.pageSize },
  };
}

async function invoke(
  transport: SoapTransport,
  operation: Operation,
  args: Record<string, unknown>,
  auth: CustomerCallAuth,
  signal: AbortSignal | undefined,
): Promise<{ response: Element; status: number; trackingId: string | undefined }> {
  const accessToken = auth.accessToken.reveal();
  const developerToken = auth.developerToken.reveal();
  const values: Record<(typeof HEADER_NAMES)[number], string> = { AuthenticationToken: accessToken, DeveloperToken: developerToken };
  return callSoap(transport, {
    operation,
    args,
    headers: HEADER_NAMES.map((name) => [name, values[name]] as const),
    secrets: [accessToken, developerToken],
    signal,
  });
}

const INT64 = /^-?\d{1,19}$/;

function idText(parent: Element, name: string): string | undefined {
  const v = childText(parent, name)?.trim();
  return v !== undefined && INT64.test(v) ? v : undefined;
}

function longList(parent: Element, name: string): string[] | null {
  const list = firstChild(parent, name);
  if (!list || list.getAttributeNS(NS.xsi, 'nil') === 'true') return null;
  return childElements(list, 'long')
    .map((e) => e.textContent?.trim() ?? '')
    .filter((v) => INT64.test(v));
}

function readUser(response: Element, status: number, trackingId: string | undefined): UserInfo {
  const user = firstChild(response, 'User');
  const id = user && idText(user, 'Id');
  if (!user || !id) throw new ProtocolError('GetUser', 'response has no User.Id', status);
  const rolesList = firstChild(response, 'CustomerRoles');
  const roles = (rolesList ? childElements(rolesList, 'CustomerRole') : []).flatMap((role): CustomerRoleInfo[] => {
    const customerId = idText(role, 'CustomerId');
    if (!customerId) return [];
    const roleId = childText(role, 'RoleId')?.trim();
    return [
      {
        roleId: roleId && /^\d+$/.test(roleId) ? Number(roleId) : undefined,
        customerId,
        accountIds: longList(role, 'AccountIds'),
        linkedAccountIds: longList(role, 'LinkedAccountIds'),
      },
    ];
  });
  const info: UserInfo = {
    id,
    customerId: idText(user, 'CustomerId'),
    userName: childText(user, 'UserName')?.trim() || undefined,
    roles,
  };
  if (trackingId !== undefined) info.trackingId = trackingId;
  return info;
}

function readAccount(el: Element): AdvertiserAccountInfo | undefined {
  const id = idText(el, 'Id');
  const parentCustomerId = idText(el, 'ParentCustomerId');
  // An account without an id or parent customer cannot be reported on; skipping it beats failing discovery.
  if (!id || !parentCustomerId) return undefined;
  const text = (name: string) => childText(el, name)?.trim() || undefined;
  return {
    id,
    number: text('Number'),
    name: childText(el, 'Name') ?? undefined,
    parentCustomerId,
    currencyCode: text('CurrencyCode'),
    timeZone: text('TimeZone'),
    lifeCycleStatus: text('AccountLifeCycleStatus'),
  };
}
