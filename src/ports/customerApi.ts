import type { Secret } from '../secret.js';
import type { MsAdsApi } from './msadsApi.js';

/**
 * The customer port: what account discovery needs of Microsoft's Customer Management service (GetUser,
 * SearchAccounts by user, paged). Implemented by src/soap/customerManagementClient.ts and
 * src/rest/customerClient.ts.
 */

export interface CustomerCallAuth {
  accessToken: Secret;
  developerToken: Secret;
}

export interface CustomerRoleInfo {
  roleId: number | undefined;
  customerId: string;
  /** null (nil) means every account of the customer, current and future. */
  accountIds: string[] | null;
  linkedAccountIds: string[] | null;
}

export interface UserInfo {
  id: string;
  customerId: string | undefined;
  userName: string | undefined;
  roles: CustomerRoleInfo[];
  trackingId?: string;
}

/** The fields of AdvertiserAccount the project keeps (ids as decimal text: they are Int64). */
export interface AdvertiserAccountInfo {
  id: string;
  number: string | undefined;
  name: string | undefined;
  /** The CustomerId header of the account's report requests (REPORTING-FACTS §2.1, §11.21). */
  parentCustomerId: string;
  currencyCode: string | undefined;
  timeZone: string | undefined;
  lifeCycleStatus: string | undefined;
}

export interface SearchAccountsQuery {
  userId: string;
  /** Zero-based page index. */
  pageIndex: number;
  /** At most 1,000 (Microsoft's cap for SearchAccounts). */
  pageSize: number;
}

export const SEARCH_ACCOUNTS_MAX_PAGE_SIZE = 1000;

export interface CustomerApi {
  /** Which adapter this is. */
  readonly api: MsAdsApi;
  getUser(auth: CustomerCallAuth, signal?: AbortSignal): Promise<UserInfo>;
  searchAccountsByUser(
    auth: CustomerCallAuth,
    query: SearchAccountsQuery,
    signal?: AbortSignal,
  ): Promise<{ accounts: AdvertiserAccountInfo[]; trackingId?: string }>;
}
