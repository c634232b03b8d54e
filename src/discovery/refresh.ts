import { listAccounts, syncConnectionAccounts, type DiscoveredAccount } from '../db/accounts.js';
import type { Db } from '../db/client.js';
import { getConnectionHealth, markConnectionDiscovered, markConnectionNeedsReauth, recordDiscoveryFailure } from '../db/connections.js';
import { coerceError } from '../errors.js';
import { deadCredentialReason } from './credentials.js';
import { discoverAccounts, type DiscoveryDeps } from './discoverAccounts.js';

/**
 * Discovers the accounts of several connections, each on its own: one connection's failure never stops
 * another's. Outcomes per connection:
 * - ok: discovery worked with the credential Nango holds now; accounts stored, health back to ok.
 * - needs_reauth: the credentials are dead (credentials.ts); marked, no accounts.
 * - discovery_failed: anything else (network, Microsoft down); the accounts last discovered are used,
 *   unless the connection is already marked needs_reauth.
 */

export type RefreshOutcome =
  | { connectionId: string; status: 'ok'; accounts: DiscoveredAccount[]; userId: string }
  | { connectionId: string; status: 'needs_reauth'; accounts: []; reason: string }
  | { connectionId: string; status: 'discovery_failed'; accounts: DiscoveredAccount[]; reason: string };

export interface RefreshDeps {
  db: Db;
  discovery: DiscoveryDeps;
  /** Connections discovered at once. */
  concurrency?: number;
}

export async function refreshConnections(deps: RefreshDeps, connectionIds: readonly string[], signal?: AbortSignal): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = new Array(connectionIds.length);
  let next = 0;
  const worker = async () => {
    while (next < connectionIds.length) {
      const i = next++;
      outcomes[i] = await refreshOne(deps, connectionIds[i] as string, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 4, connectionIds.length)) }, worker));
  return outcomes;
}

async function refreshOne(deps: RefreshDeps, connectionId: string, signal: AbortSignal | undefined): Promise<RefreshOutcome> {
  const log = deps.discovery.logger.child({ connectionId });
  try {
    const found = await discoverAccounts(deps.discovery, connectionId, signal);
    await syncConnectionAccounts(deps.db, connectionId, found.accounts);
    await markConnectionDiscovered(deps.db, connectionId, found.userId);
    return { connectionId, status: 'ok', accounts: found.accounts, userId: found.userId };
  } catch (err) {
    const error = coerceError(err);
    const dead = deadCredentialReason(err);
    if (dead !== undefined) {
      await markConnectionNeedsReauth(deps.db, connectionId, dead);
      log.warn({ reason: dead }, 'connection needs re-authorization; skipped until Nango has a working credential');
      return { connectionId, status: 'needs_reauth', accounts: [], reason: dead };
    }
    await recordDiscoveryFailure(deps.db, connectionId, error.message);
    const health = await getConnectionHealth(deps.db, connectionId);
    if (health?.health === 'needs_reauth') {
      return { connectionId, status: 'needs_reauth', accounts: [], reason: health.reason ?? error.message };
    }
    const known = await listAccounts(deps.db, { connectionId });
    log.warn({ err: error, knownAccounts: known.length }, 'account discovery failed; using the accounts discovered before');
    return { connectionId, status: 'discovery_failed', accounts: known, reason: error.message };
  }
}
