import { MsAdsFaultError, NangoTokenError } from '../errors.js';

/**
 * Which failures mean a connection's credentials are dead, so that a person must re-authorize it in
 * Nango: Nango could not refresh (or no longer has) the grant, or Microsoft refused the user (105
 * InvalidCredentials, 106 UserIsNotAuthorized, 108 UserCompromised, 120, 122–125 identity mismatches).
 * Throttles, expired access tokens (109), one unauthorized account (2003) and Nango's own outages are
 * not: they say nothing about the grant.
 */

/** Thrown instead of calling anyone when a connection is already marked needs_reauth. */
export class ConnectionNeedsReauthError extends NangoTokenError {
  override name = 'ConnectionNeedsReauthError';
  readonly since: Date | null;
  readonly reason: string;

  constructor(connectionId: string, reason: string, since: Date | null) {
    super(connectionId, `needs re-authorization${since ? ` since ${since.toISOString()}` : ''}: ${reason}`, {
      // A 4xx NangoTokenError is an 'auth' failure for classifyError: no retry.
      httpStatus: 409,
      nangoCode: 'needs_reauth',
    });
    this.since = since;
    this.reason = reason;
  }
}

const MICROSOFT_DEAD = new Set([105, 108, 120, 122, 123, 124, 125]);
const DEVELOPER_TOKEN_TEXT = /developer ?token/i;
const NANGO_DEAD = new Set([
  'invalid_credentials',
  'failed_to_refresh',
  'refresh_token_external_error',
  'connection_refresh_exhausted',
  'not_found',
  'unknown_connection',
  'not_oauth2',
]);

/** The reason to record when `err` means the connection's credentials are dead; undefined otherwise. */
export function deadCredentialReason(err: unknown): string | undefined {
  if (err instanceof ConnectionNeedsReauthError) return undefined;
  if (err instanceof NangoTokenError) {
    if (err.nangoCode !== undefined && NANGO_DEAD.has(err.nangoCode)) return err.message;
    return undefined;
  }
  if (err instanceof MsAdsFaultError) {
    const code = err.code;
    if (err.errors.some((e) => DEVELOPER_TOKEN_TEXT.test(`${e.message ?? ''} ${e.details ?? ''}`))) return undefined;
    if (code !== undefined && MICROSOFT_DEAD.has(code)) return `Microsoft ${err.operation}: ${err.message.replace(/^\w+ failed: /, '')}`;
  }
  return undefined;
}
