import type { DiscoveredAccount } from '../db/accounts.js';
import { isExpiredToken } from '../jobs/classifyError.js';
import type { Logger } from '../logger.js';
import type { TokenSource } from '../nango/tokenSource.js';
import type { Secret } from '../secret.js';
import { SEARCH_ACCOUNTS_MAX_PAGE_SIZE, type CustomerApi, type CustomerCallAuth } from '../ports/customerApi.js';

/**
 * Account discovery for one connection, the documented way (REPORTING-FACTS §9.1): GetUser with a nil
 * UserId names the authenticated user, then SearchAccounts with the one predicate `UserId Equals <id>`,
 * ordered by Id so that pages do not shift while we read them, a page of up to 1,000 at a time until a
 * short page. Each account's ParentCustomerId becomes the CustomerId header of its reports.
 */

export interface DiscoveryDeps {
  customer: CustomerApi;
  tokens: TokenSource;
  developerToken: Secret;
  logger: Logger;
  /** Accounts per SearchAccounts page; Microsoft's maximum (1,000) unless a test wants smaller pages. */
  pageSize?: number;
}

export interface Discovery {
  connectionId: string;
  userId: string;
  accounts: DiscoveredAccount[];
  pages: number;
}

/** A user with more accounts than this is beyond any real setup: stop rather than page forever. */
const MAX_PAGES = 500;

export async function discoverAccounts(deps: DiscoveryDeps, connectionId: string, signal?: AbortSignal): Promise<Discovery> {
  const pageSize = Math.min(deps.pageSize ?? SEARCH_ACCOUNTS_MAX_PAGE_SIZE, SEARCH_ACCOUNTS_MAX_PAGE_SIZE);
  const call = withFreshToken(deps, connectionId);
  const user = await call((auth) => deps.customer.getUser(auth, signal));
  const found = new Map<string, DiscoveredAccount>();
  let pages = 0;
  for (let pageIndex = 0; pageIndex < MAX_PAGES; pageIndex++) {
    const page = await call((auth) => deps.customer.searchAccountsByUser(auth, { userId: user.id, pageIndex, pageSize }, signal));
    pages++;
    let added = 0;
    for (const a of page.accounts) {
      if (found.has(a.id)) continue;
      added++;
      found.set(a.id, {
        connectionId,
        accountId: a.id,
        accountNumber: a.number ?? null,
        accountName: a.name ?? null,
        parentCustomerId: a.parentCustomerId,
        currencyCode: a.currencyCode ?? null,
        timeZone: a.timeZone ?? null,
        lifecycleStatus: a.lifeCycleStatus ?? null,
      });
    }
    if (page.accounts.length < pageSize) break;
    if (added === 0) {
      // A full page of accounts we already have: the service is not paging; what we have is all we get.
      deps.logger.warn({ connectionId, pageIndex }, 'SearchAccounts returned a page of known accounts; stopping');
      break;
    }
  }
  const accounts = [...found.values()].sort((a, b) => compareIds(a.accountId, b.accountId));
  deps.logger.info({ connectionId, userId: user.id, accounts: accounts.length, pages }, 'accounts discovered');
  return { connectionId, userId: user.id, accounts, pages };
}

/**
 * Fetches the connection's token from Nango before each call and, when Microsoft says the token expired
 * (109, or a bare REST 401), forces one refresh through Nango and calls again (as the report runs do).
 */
function withFreshToken(deps: DiscoveryDeps, connectionId: string) {
  return async <T>(call: (auth: CustomerCallAuth) => Promise<T>): Promise<T> => {
    const auth = (accessToken: Secret): CustomerCallAuth => ({ accessToken, developerToken: deps.developerToken });
    try {
      return await call(auth(await deps.tokens.getAccessToken(connectionId)));
    } catch (err) {
      if (!isExpiredToken(err)) throw err;
      return call(auth(await deps.tokens.getAccessToken(connectionId, { forceRefresh: true })));
    }
  };
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
