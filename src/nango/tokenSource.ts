import { Nango } from '@nangohq/node';
import { NangoTokenError } from '../errors.js';
import { Secret } from '../secret.js';
import { setupHints } from '../setupHints.js';

/**
 * OAuth access tokens for Microsoft Advertising, fetched from Nango just before each use (Nango refreshes
 * server-side whenever a connection is read). Only connection ids cross this boundary; tokens leave it
 * wrapped in Secret.
 */

export interface TokenSource {
  /** forceRefresh after Microsoft answered 109 AuthenticationTokenExpired (or 105 with a fresh-looking token). */
  getAccessToken(connectionId: string, options?: { forceRefresh?: boolean }): Promise<Secret>;
  getConnectionMetadata(connectionId: string): Promise<Record<string, unknown>>;
  /** The connection's credentials were found dead: forget whatever is cached about it (token, health). */
  forget?(connectionId: string): void;
}

export interface NangoTokenSourceOptions {
  secretKey: Secret;
  host: string;
  /** Nango integration id (provider config key), e.g. microsoft-ads. */
  integrationId: string;
  timeoutMs: number;
}

export function createNangoTokenSource(options: NangoTokenSourceOptions): TokenSource {
  const secretKey = options.secretKey.reveal();
  // The client (which holds the key in clear) stays inside this closure: nothing returned exposes it.
  const nango = new Nango({ apiKey: secretKey, host: options.host });
  // Nango's axios instance has no timeout by default (STACK-NOTES §2).
  nango.http.defaults.timeout = options.timeoutMs;
  const ctx = { integrationId: options.integrationId, host: options.host, timeoutMs: options.timeoutMs, secrets: [secretKey] };

  return {
    async getAccessToken(connectionId, opts) {
      let token: unknown;
      try {
        // The SDK interpolates ids into the URL unencoded.
        token = await nango.getToken(options.integrationId, encodeURIComponent(connectionId), opts?.forceRefresh ?? false);
      } catch (error) {
        throw toNangoTokenError(connectionId, error, ctx);
      }
      // getToken returns a string only for OAUTH2 connections.
      if (typeof token !== 'string' || token === '') {
        // HTTP 200 but unusable: a person must fix the connection, so it carries a status (not transient).
        throw new NangoTokenError(
          connectionId,
          `is not an OAuth2 connection with an access token in Nango integration "${options.integrationId}": reconnect it with the Microsoft Ads OAuth integration`,
          { httpStatus: 200, nangoCode: 'not_oauth2' },
        );
      }
      return new Secret(token);
    },

    async getConnectionMetadata(connectionId) {
      try {
        const metadata: unknown = await nango.getMetadata(options.integrationId, encodeURIComponent(connectionId));
        return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
      } catch (error) {
        throw toNangoTokenError(connectionId, error, ctx);
      }
    },
  };
}

interface NangoContext {
  integrationId: string;
  host: string;
  timeoutMs: number;
  secrets: readonly string[];
}

/** Nango error codes meaning the stored OAuth grant no longer works (refresh failed or was revoked). */
const REAUTHORIZE_CODES = new Set(['invalid_credentials', 'failed_to_refresh', 'refresh_token_external_error', 'connection_refresh_exhausted']);

/**
 * Maps what the Nango SDK throws (plain AxiosErrors) to NangoTokenError with a message a person can act
 * on. The AxiosError itself is never kept: its config carries `Authorization: Bearer <secret key>`, and a
 * token response body could be in it.
 */
export function toNangoTokenError(connectionId: string, error: unknown, ctx: NangoContext): NangoTokenError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    response?: { status?: unknown; data?: unknown };
  };
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
  const data = e.response?.data as { error?: { code?: unknown; message?: unknown } } | undefined;
  const nangoCode = typeof data?.error?.code === 'string' ? data.error.code : undefined;
  const nangoMessage = typeof data?.error?.message === 'string' ? scrubText(data.error.message, ctx.secrets).slice(0, 300) : undefined;
  const opts = { httpStatus: status, nangoCode };
  const said = nangoMessage ? ` Nango said: ${nangoMessage}` : '';

  if (status === undefined) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new NangoTokenError(connectionId, `Nango at ${ctx.host} did not answer within ${ctx.timeoutMs} ms (${code})`);
    }
    const message = scrubText(typeof e.message === 'string' ? e.message : String(error), ctx.secrets);
    return new NangoTokenError(connectionId, `could not reach Nango at ${ctx.host}: ${message}`);
  }
  if (nangoCode === 'unknown_provider_config') {
    return new NangoTokenError(connectionId, `${setupHints.unknownIntegration(ctx.integrationId)}${said}`, opts);
  }
  if (nangoCode !== undefined && REAUTHORIZE_CODES.has(nangoCode)) {
    return new NangoTokenError(connectionId, `Nango could not refresh the credentials (${nangoCode}): re-authorize the connection in Nango.${said}`, opts);
  }
  if (status === 404 || nangoCode === 'not_found' || nangoCode === 'unknown_connection') {
    return new NangoTokenError(connectionId, `not found in Nango integration "${ctx.integrationId}" (HTTP ${status}): check the connection id or connect the account.${said}`, opts);
  }
  if (status === 401 || status === 403) {
    return new NangoTokenError(connectionId, `Nango rejected the secret key (HTTP ${status}): check NANGO_SECRET_KEY and NANGO_HOST.${said}`, opts);
  }
  if (status === 429 || status >= 500) {
    return new NangoTokenError(connectionId, `Nango is unavailable (HTTP ${status}${nangoCode ? `, ${nangoCode}` : ''}): retry later.${said}`, opts);
  }
  return new NangoTokenError(connectionId, `Nango answered HTTP ${status}${nangoCode ? ` (${nangoCode})` : ''}.${said}`, opts);
}

function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
