import type { Db } from '../db/client.js';
import { getConnectionHealth } from '../db/connections.js';
import type { TokenSource } from '../nango/tokenSource.js';
import { ConnectionNeedsReauthError } from './credentials.js';

/**
 * A TokenSource for the report worker that refuses connections marked needs_reauth before anyone is
 * called: their jobs fail at once with the recorded reason (an 'auth' failure, so no retries) instead
 * of each asking Nango and Microsoft again. The mark is lifted by the scheduler's next discovery that
 * works with the credential Nango then holds (or `msads-etl connections --refresh`).
 */
export function guardTokenSource(tokens: TokenSource, db: Db): TokenSource {
  return {
    async getAccessToken(connectionId, options) {
      const health = await getConnectionHealth(db, connectionId);
      if (health?.health === 'needs_reauth') {
        throw new ConnectionNeedsReauthError(connectionId, health.reason ?? 'credentials refused', health.since);
      }
      return tokens.getAccessToken(connectionId, options);
    },
    getConnectionMetadata: (connectionId) => tokens.getConnectionMetadata(connectionId),
  };
}
