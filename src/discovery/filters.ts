import type { DiscoveredAccount } from '../db/accounts.js';

/**
 * Which discovered accounts are loaded (ACCOUNT_IDS_INCLUDE / _EXCLUDE, ACCOUNT_NAME_PATTERN,
 * ACCOUNT_STATUSES). Pure. Statuses use Customer Management's spelling ("Pause"); an account whose
 * status Microsoft did not say is kept, since dropping it silently would lose data.
 */

export interface AccountFilter {
  includeIds: readonly string[] | undefined;
  excludeIds: readonly string[];
  namePattern: string | undefined;
  statuses: readonly string[];
}

export type FilterReason = 'not_included' | 'excluded' | 'name' | 'status';

export interface FilterOutcome<A> {
  kept: A[];
  dropped: { account: A; reason: FilterReason }[];
}

export function accountFilterReason(
  account: Pick<DiscoveredAccount, 'accountId' | 'accountName' | 'lifecycleStatus'>,
  filter: AccountFilter,
): FilterReason | undefined {
  if (filter.includeIds !== undefined && !filter.includeIds.includes(account.accountId)) return 'not_included';
  if (filter.excludeIds.includes(account.accountId)) return 'excluded';
  if (filter.namePattern !== undefined && !new RegExp(filter.namePattern, 'i').test(account.accountName ?? '')) return 'name';
  if (account.lifecycleStatus !== null && !filter.statuses.includes(account.lifecycleStatus)) return 'status';
  return undefined;
}

export function filterAccounts<A extends Pick<DiscoveredAccount, 'accountId' | 'accountName' | 'lifecycleStatus'>>(
  accounts: readonly A[],
  filter: AccountFilter,
): FilterOutcome<A> {
  const kept: A[] = [];
  const dropped: FilterOutcome<A>['dropped'] = [];
  for (const account of accounts) {
    const reason = accountFilterReason(account, filter);
    if (reason === undefined) kept.push(account);
    else dropped.push({ account, reason });
  }
  return { kept, dropped };
}
