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
import { int64List, int64Text, intValue, isObject, text, type JsonObject } from './jsonRead.js';
import { postJson, type FetchFn, type RestAnswer } from './restTransport.js';

/**
 * GetUser and SearchAccounts of Customer Management v13 over REST (REST-FACTS §7, §8): the REST adapter
 * of the customer port, reading answers into exactly what src/soap/customerManagementClient.ts returns.
 * Headers: Authorization and DeveloperToken only; CustomerId/CustomerAccountId are not listed for this
 * service (§3), so none are sent.
 */

export interface RestCustomerOptions {
  /** e.g. https://clientcenter.api.bingads.microsoft.com/CustomerManagement/v13 (a trailing slash is ignored). */
  baseUrl: string;
  timeoutMs: number;
  fetch?: FetchFn;
}

type Operation = 'GetUser' | 'SearchAccounts';
const PATHS: Record<Operation, string> = { GetUser: '/User/Query', SearchAccounts: '/Accounts/Search' };

export function createRestCustomerApi(options: RestCustomerOptions): CustomerApi {
  const base = options.baseUrl.replace(/\/+$/, '');

  const invoke = (operation: Operation, body: unknown, auth: CustomerCallAuth, signal: AbortSignal | undefined): Promise<RestAnswer> => {
    const accessToken = auth.accessToken.reveal();
    const developerToken = auth.developerToken.reveal();
    return postJson({
      operation,
      url: `${base}${PATHS[operation]}`,
      headers: { Authorization: `Bearer ${accessToken}`, DeveloperToken: developerToken },
      body,
      secrets: [accessToken, developerToken],
      timeoutMs: options.timeoutMs,
      signal,
      fetch: options.fetch,
    });
  };

  return {
    api: 'rest',
    async getUser(auth, signal) {
      // UserId null = the authenticated user (§7).
      return readUser(await invoke('GetUser', { UserId: null }, auth, signal));
    },

    async searchAccountsByUser(auth, query, signal) {
      const answer = await invoke('SearchAccounts', searchAccountsBody(query), auth, signal);
      const list = answer.json.Accounts;
      // null = no accounts; a missing member means this is not a SearchAccounts answer at all.
      if (list !== null && !Array.isArray(list)) throw answer.shapeError('response has no Accounts list');
      const accounts = (list ?? []).filter(isObject).map(readAccount).filter((a): a is AdvertiserAccountInfo => a !== undefined);
      return answer.trackingId === undefined ? { accounts } : { accounts, trackingId: answer.trackingId };
    },
  };
}

/** The SearchAccounts body: exactly one predicate (UserId Equals), ordered by Id so pages are stable, one page. */
export function searchAccountsBody(query: SearchAccountsQuery): JsonObject {
  if (!/^[1-9]\d{0,18}$/.test(query.userId)) throw new RequestValidationError(`SearchAccounts: user id "${query.userId}" is not an Int64`);
  if (!Number.isInteger(query.pageIndex) || query.pageIndex < 0) throw new RequestValidationError(`SearchAccounts: page index ${query.pageIndex} is not a non-negative integer`);
  if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > SEARCH_ACCOUNTS_MAX_PAGE_SIZE) {
    throw new RequestValidationError(`SearchAccounts: page size ${query.pageSize} is not between 1 and ${SEARCH_ACCOUNTS_MAX_PAGE_SIZE}`);
  }
  return {
    Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: query.userId }],
    Ordering: [{ Field: 'Id', Order: 'Ascending' }],
    PageInfo: { Index: query.pageIndex, Size: query.pageSize },
  };
}

function readUser(answer: RestAnswer): UserInfo {
  const user = answer.json.User;
  const id = isObject(user) ? int64Text(user.Id) : undefined;
  if (!isObject(user) || !id) throw new ProtocolError('GetUser', 'response has no User.Id', answer.status);
  const rolesList = answer.json.CustomerRoles;
  const roles = (Array.isArray(rolesList) ? rolesList : []).filter(isObject).flatMap((role): CustomerRoleInfo[] => {
    const customerId = int64Text(role.CustomerId);
    if (!customerId) return [];
    const roleId = intValue(role.RoleId);
    return [
      {
        roleId: roleId !== undefined && roleId >= 0 ? roleId : undefined,
        customerId,
        accountIds: int64List(role.AccountIds),
        linkedAccountIds: int64List(role.LinkedAccountIds),
      },
    ];
  });
  const info: UserInfo = { id, customerId: int64Text(user.CustomerId), userName: text(user.UserName), roles };
  if (answer.trackingId !== undefined) info.trackingId = answer.trackingId;
  return info;
}

function readAccount(account: JsonObject): AdvertiserAccountInfo | undefined {
  const id = int64Text(account.Id);
  const parentCustomerId = int64Text(account.ParentCustomerId);
  // An account without an id or parent customer cannot be reported on; skipping it beats failing discovery.
  if (!id || !parentCustomerId) return undefined;
  return {
    id,
    number: text(account.Number),
    // Untrimmed, as the SOAP reader keeps it.
    name: typeof account.Name === 'string' ? account.Name : undefined,
    parentCustomerId,
    currencyCode: text(account.CurrencyCode),
    timeZone: text(account.TimeZone),
    lifeCycleStatus: text(account.AccountLifeCycleStatus),
  };
}
