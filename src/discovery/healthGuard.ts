import type { Db } from '../db/client.js';
import { getConnectionHealth } from '../db/connections.js';
import type { TokenSource } from '../nango/tokenSource.js';
import { ConnectionNeedsReauthError } from './credentials.js';

/** How long a healthy answer is reused per connection (a mark set by another process shows within this). */
export const HEALTH_CACHE_MS = 30_000;

/**
 * A TokenSource for the report worker that refuses connections marked needs_reauth before anyone is
 * called: their jobs fail at once with the recorded reason (an 'auth' failure, so no retries) instead
 * of each asking Nango and Microsoft again. The mark is lifted by the scheduler's next discovery that
 * works with the credential Nango then holds (or `msads-etl connections --refresh`).
 *
 * A healthy answer is kept for `cacheMs` per connection, so a busy night does not read the connection
 * row before every Microsoft call. This process's own marks take effect at once (`forget`, called when
 * a run finds the credentials dead); another worker's mark shows here within `cacheMs`, and until then
 * Microsoft refuses the call the same way and this worker marks it too. A connection marked
 * needs_reauth is never cached: it is read again, so a lifted mark shows at once.
 */
export function guardTokenSource(tokens: TokenSource, db: Db, options: { cacheMs?: number; now?: () => number } = {}): TokenSource {
  const cacheMs = options.cacheMs ?? HEALTH_CACHE_MS;
  const now = options.now ?? Date.now;
  const healthyUntil = new Map<string, number>();
  return {
    async getAccessToken(connectionId, opts) {
      if ((healthyUntil.get(connectionId) ?? 0) <= now()) {
        healthyUntil.delete(connectionId);
        const started = now();
        const health = await getConnectionHealth(db, connectionId);
        if (health?.health === 'needs_reauth') {
          throw new ConnectionNeedsReauthError(connectionId, health.reason ?? 'credentials refused', health.since);
        }
        if (cacheMs > 0) healthyUntil.set(connectionId, started + cacheMs);
      }
      return tokens.getAccessToken(connectionId, opts);
    },
    getConnectionMetadata: (connectionId) => tokens.getConnectionMetadata(connectionId),
    forget(connectionId) {
      healthyUntil.delete(connectionId);
      tokens.forget?.(connectionId);
    },
  };
}
