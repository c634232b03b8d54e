import type { Secret } from '../secret.js';
import type { TokenSource } from './tokenSource.js';

/**
 * A short-lived, in-memory cache of access tokens in front of Nango. Without it every Microsoft call
 * (each submit and each poll) asked Nango first: 16,168 Nango requests for 16,127 Microsoft calls in a
 * night. Nango refreshes a token server-side whenever it is read and advises caching it only briefly
 * (at most 5 minutes): Microsoft's access tokens live about an hour, so a token cached ≤ 5 min is
 * always far from expiry. A forceRefresh (after 109 / HTTP 401) bypasses the cache and stores the
 * fresh token; concurrent misses for one connection share one Nango request. Tokens stay in Secret,
 * in this process's memory only.
 */
export interface TokenCacheOptions {
  ttlMs: number;
  now?: () => number;
}

export function cacheTokenSource(tokens: TokenSource, options: TokenCacheOptions): TokenSource {
  if (options.ttlMs <= 0) return tokens;
  const now = options.now ?? Date.now;
  const cached = new Map<string, { token: Secret; expiresAt: number }>();
  const inFlight = new Map<string, Promise<Secret>>();

  const fetch = (connectionId: string, forceRefresh: boolean): Promise<Secret> => {
    const started = now();
    const request = tokens
      .getAccessToken(connectionId, forceRefresh ? { forceRefresh: true } : undefined)
      .then((token) => {
        cached.set(connectionId, { token, expiresAt: started + options.ttlMs });
        return token;
      })
      .finally(() => {
        if (inFlight.get(connectionId) === request) inFlight.delete(connectionId);
      });
    inFlight.set(connectionId, request);
    return request;
  };

  return {
    async getAccessToken(connectionId, opts) {
      if (opts?.forceRefresh) {
        cached.delete(connectionId);
        return fetch(connectionId, true);
      }
      const hit = cached.get(connectionId);
      if (hit && hit.expiresAt > now()) return hit.token;
      if (hit) cached.delete(connectionId);
      return inFlight.get(connectionId) ?? fetch(connectionId, false);
    },
    getConnectionMetadata: (connectionId) => tokens.getConnectionMetadata(connectionId),
    forget(connectionId) {
      cached.delete(connectionId);
      tokens.forget?.(connectionId);
    },
  };
}
