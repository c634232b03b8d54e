import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { ConfigError } from '../config.js';
import type { Secret } from '../secret.js';

/**
 * Who may see the dashboard: HTTP basic auth (DASHBOARD_USER / DASHBOARD_PASSWORD) or a bearer token
 * (DASHBOARD_TOKEN), either one accepted when both are set. Without credentials the server only starts
 * on a loopback address: Bull Board can retry and remove jobs, so it is never open to a network.
 */

export interface DashboardCredentials {
  user: string;
  password: Secret | undefined;
  token: Secret | undefined;
}

export function hasCredentials(c: DashboardCredentials): boolean {
  return c.password !== undefined || c.token !== undefined;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::ffff:127.0.0.1';
}

/** Refuses an unauthenticated dashboard on anything but loopback, with what to set instead. */
export function assertSafeBinding(host: string, credentials: DashboardCredentials, what = 'the dashboard'): void {
  if (hasCredentials(credentials) || isLoopback(host)) return;
  throw new ConfigError(
    `Invalid configuration:\n  DASHBOARD_PASSWORD / DASHBOARD_TOKEN: ${what} would listen on ${host} without authentication; ` +
      'set DASHBOARD_PASSWORD (basic auth, user DASHBOARD_USER) or DASHBOARD_TOKEN (bearer), or bind it to 127.0.0.1',
  );
}

/** Express middleware: 401 with a Basic challenge unless the request carries valid credentials. */
export function requireAuth(credentials: DashboardCredentials): RequestHandler {
  if (!hasCredentials(credentials)) return (_req, _res, next) => next();
  const expectedBasic = credentials.password ? Buffer.from(`${credentials.user}:${credentials.password.reveal()}`) : undefined;
  const expectedToken = credentials.token ? Buffer.from(credentials.token.reveal()) : undefined;
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const [scheme, value = ''] = header.split(/\s+/, 2);
    if (expectedBasic && scheme?.toLowerCase() === 'basic' && safeEqual(Buffer.from(value, 'base64'), expectedBasic)) return next();
    if (expectedToken && scheme?.toLowerCase() === 'bearer' && safeEqual(Buffer.from(value), expectedToken)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="msads-etl", charset="UTF-8"');
    res.status(401).type('text/plain').send('authentication required\n');
  };
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
