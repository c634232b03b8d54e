import { Nango } from '@nangohq/node';
import type { Secret } from '../secret.js';
import { toNangoTokenError } from './tokenSource.js';

/**
 * The connections of one Nango integration (`listConnections`), paged. Only ids and Nango's own error
 * markers cross this boundary: listing never returns credentials.
 */

export interface NangoConnection {
  connectionId: string;
  /** Nango's errors on the connection, e.g. [{ type: 'auth' }] after a refresh failed. */
  errorTypes: string[];
  createdAt: string | undefined;
}

export interface ConnectionLister {
  listConnections(): Promise<NangoConnection[]>;
}

export interface NangoConnectionListerOptions {
  secretKey: Secret;
  host: string;
  integrationId: string;
  timeoutMs: number;
  /** Connections per page (Nango's `limit`). */
  pageSize?: number;
}

/** Beyond this many pages something is wrong (a server ignoring `page`); stop rather than loop. */
const MAX_PAGES = 1_000;

export function createNangoConnectionLister(options: NangoConnectionListerOptions): ConnectionLister {
  const secretKey = options.secretKey.reveal();
  const nango = new Nango({ apiKey: secretKey, host: options.host });
  nango.http.defaults.timeout = options.timeoutMs;
  const limit = options.pageSize ?? 1_000;
  const ctx = { integrationId: options.integrationId, host: options.host, timeoutMs: options.timeoutMs, secrets: [secretKey] };

  return {
    async listConnections() {
      const found = new Map<string, NangoConnection>();
      for (let page = 0; page < MAX_PAGES; page++) {
        let batch;
        try {
          // The SDK sends `page` (zero-based) although its type leaves it out: pass a variable, not a literal.
          const query = { integrationId: options.integrationId, limit, page };
          batch = await nango.listConnections(query);
        } catch (error) {
          const e = toNangoTokenError('(list)', error, ctx);
          throw new Error(`listing the connections of Nango integration "${options.integrationId}" failed: ${e.message.replace(/^Nango connection "\(list\)": /, '')}`, { cause: e });
        }
        let added = 0;
        for (const c of batch.connections) {
          // Older Nango servers ignore integrationId: filter here too.
          if (c.provider_config_key !== options.integrationId || found.has(c.connection_id)) continue;
          found.set(c.connection_id, { connectionId: c.connection_id, errorTypes: (c.errors ?? []).map((e) => e.type), createdAt: c.created });
          added++;
        }
        if (batch.connections.length < limit || added === 0) break;
      }
      return [...found.values()].sort((a, b) => a.connectionId.localeCompare(b.connectionId));
    },
  };
}
