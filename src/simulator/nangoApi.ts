import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionDirectory, ConnectionState } from './connections.js';
import type { FaultSwitches } from './faultSwitches.js';
import { BodyTooLargeError, readBody, sendJson } from './httpUtil.js';
import type { SimulatorStats } from './stats.js';

/**
 * The part of Nango's HTTP API that @nangohq/node 0.71.10 calls for this project (STACK-NOTES §2):
 * get a connection with fresh credentials, list connections, set/update metadata, delete. Nango
 * refreshes an expired token whenever a connection is fetched, and on force_refresh=true.
 */

/** The Nango integration id (provider_config_key) the simulator knows. */
export const NANGO_INTEGRATION_ID = 'microsoft-ads';

export interface NangoDeps {
  directory: ConnectionDirectory;
  faults: FaultSwitches;
  stats: SimulatorStats;
  secretKey: string;
  tokenTtlMs: number;
}

const nangoError = (res: ServerResponse, status: number, code: string, message: string) => sendJson(res, status, { error: { code, message } });

function authorized(req: IncomingMessage, secretKey: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${secretKey}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function publicConnection(c: ConnectionState, revoked: boolean) {
  return {
    id: c.id,
    connection_id: c.connectionId,
    provider_config_key: NANGO_INTEGRATION_ID,
    provider: 'microsoft',
    created: c.createdAt,
    metadata: c.metadata,
    errors: revoked ? [{ type: 'auth', log_id: `log-${c.id}` }] : [],
    end_user: null,
    tags: {},
  };
}

function fullConnection(c: ConnectionState, includeRefreshToken: boolean, tokenTtlMs: number) {
  return {
    id: c.id,
    connection_id: c.connectionId,
    provider_config_key: NANGO_INTEGRATION_ID,
    provider: 'microsoft',
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    last_fetched_at: c.lastFetchedAt,
    metadata: c.metadata,
    connection_config: {},
    errors: [],
    end_user: null,
    tags: {},
    credentials: {
      type: 'OAUTH2',
      access_token: c.accessToken,
      ...(includeRefreshToken ? { refresh_token: c.refreshToken } : {}),
      expires_at: new Date(c.expiresAt).toISOString(),
      raw: { token_type: 'Bearer', scope: 'https://ads.microsoft.com/msads.manage offline_access', expires_in: Math.round(tokenTtlMs / 1000) },
    },
  };
}

/** Handles a request whose path is relative to the Nango base (e.g. "/connections/abc"). */
export async function handleNango(deps: NangoDeps, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
  deps.stats.nangoRequests++;
  if (!req.headers.authorization) return nangoError(res, 401, 'missing_auth_header', 'Authentication failed. The request is missing the Authorization header.');
  if (!authorized(req, deps.secretKey)) return nangoError(res, 401, 'unknown_account', 'Authentication failed. The provided secret key is not valid.');
  const live = (id: string) => (deps.faults.deletedConnections.has(id) ? undefined : deps.directory.get(id));

  if (path === '/connections' && req.method === 'GET') {
    const wantedId = query.get('connectionId');
    const integrations = query.get('integrationId')?.split(',');
    const connections = deps.directory
      .list()
      .filter((c) => live(c.connectionId) && (!wantedId || c.connectionId === wantedId) && (!integrations || integrations.includes(NANGO_INTEGRATION_ID)))
      .map((c) => publicConnection(c, deps.faults.revokedConnections.has(c.connectionId)));
    // Nango pages with limit and a zero-based page; without limit every connection comes back.
    const limit = Number(query.get('limit') ?? '0');
    const page = Number(query.get('page') ?? '0');
    if (limit > 0) return sendJson(res, 200, { connections: connections.slice(page * limit, (page + 1) * limit) });
    return sendJson(res, 200, { connections });
  }

  if (path === '/connections/metadata' && (req.method === 'POST' || req.method === 'PATCH')) {
    let body: { metadata?: unknown; connection_id?: unknown; provider_config_key?: unknown };
    try {
      body = JSON.parse((await readBody(req, 1024 * 1024)).toString('utf8')) as typeof body;
    } catch (error) {
      if (error instanceof BodyTooLargeError) return nangoError(res, 413, 'payload_too_large', 'Body too large.');
      return nangoError(res, 400, 'invalid_body', 'The body is not valid JSON.');
    }
    const ids = Array.isArray(body.connection_id) ? body.connection_id : [body.connection_id];
    if (typeof body.metadata !== 'object' || body.metadata === null || ids.some((id) => typeof id !== 'string')) {
      return nangoError(res, 400, 'invalid_body', 'Expected { metadata: object, connection_id: string | string[], provider_config_key: string }.');
    }
    if (body.provider_config_key !== NANGO_INTEGRATION_ID) return nangoError(res, 404, 'unknown_provider_config', `Unknown integration "${String(body.provider_config_key)}".`);
    const targets = (ids as string[]).map((id) => [id, live(id)] as const);
    const missing = targets.find(([, c]) => !c);
    if (missing) return nangoError(res, 404, 'not_found', `Connection "${missing[0]}" not found.`);
    for (const [, c] of targets) {
      const state = c as ConnectionState;
      state.metadata = req.method === 'POST' ? { ...(body.metadata as object) } : { ...state.metadata, ...(body.metadata as object) };
      state.updatedAt = new Date().toISOString();
    }
    return sendJson(res, 200, { metadata: body.metadata, connection_id: body.connection_id, provider_config_key: NANGO_INTEGRATION_ID });
  }

  const match = /^\/connections\/([^/]+)$/.exec(path);
  if (match && (req.method === 'GET' || req.method === 'DELETE')) {
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(match[1] as string);
    } catch {
      return nangoError(res, 400, 'invalid_uri_params', 'The connection id is not a valid URI component.');
    }
    const pck = query.get('provider_config_key');
    if (!pck) return nangoError(res, 400, 'missing_provider_config_key', 'provider_config_key is required.');
    if (pck !== NANGO_INTEGRATION_ID) return nangoError(res, 404, 'unknown_provider_config', `Unknown integration "${pck}".`);
    const state = live(connectionId);
    if (!state) return nangoError(res, 404, 'not_found', `No connection matching connection_id "${connectionId}" and provider_config_key "${pck}".`);
    if (req.method === 'DELETE') {
      deps.faults.deletedConnections.add(connectionId);
      return sendJson(res, 200, { success: true });
    }
    if (deps.faults.revokedConnections.has(connectionId)) {
      // What Nango answers once Microsoft refused the refresh grant (invalid_grant): the user must reconnect.
      return nangoError(res, 400, 'invalid_credentials', 'The external API returned an error when trying to refresh the access token: invalid_grant (AADSTS70000: the provided grant has expired or was revoked).');
    }
    const { refreshed } = deps.directory.fetchCredentials(state, query.get('force_refresh') === 'true', Date.now());
    if (refreshed) deps.stats.tokenRefreshes++;
    return sendJson(res, 200, fullConnection(state, query.get('refresh_token') === 'true', deps.tokenTtlMs));
  }
  return nangoError(res, 404, 'unknown_endpoint', `No route ${req.method ?? ''} ${path}.`);
}
