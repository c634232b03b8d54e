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

/**
 * Which Host and Origin are the server's own. A browser sends the credentials it cached for the
 * dashboard with any request to it, whichever page made the request; and a page on a name the attacker
 * re-points at 127.0.0.1 (DNS rebinding) reaches a loopback dashboard as if it were same-origin. Both
 * carry a name that is not ours: a rebound request in Host, a cross-site one in Origin (or Referer).
 */
export interface OwnAddress {
  /** The address the server listens on (DASHBOARD_HOST / METRICS_HOST). */
  host: string;
  /** The port it listens on (known once it listens: port 0 picks one). */
  port: () => number;
  /** DASHBOARD_PUBLIC_HOSTS: host or host:port (lower case) it is reached under through a proxy. */
  publicHosts: readonly string[];
}

interface HostPort {
  hostname: string;
  /** Explicit or the scheme's default; undefined for a Host header without a port. */
  port: number | undefined;
}

/** host[:port] as a Host header or a DASHBOARD_PUBLIC_HOSTS entry has it (IPv6 in brackets). */
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;

function parseHostPort(host: string): HostPort | undefined {
  const m = HOST_PORT.exec(host.trim());
  if (!m?.[1]) return undefined;
  return { hostname: m[1].toLowerCase(), port: m[2] ? Number(m[2]) : undefined };
}

function isOwn(target: HostPort, own: OwnAddress, defaultPort: number): boolean {
  const port = target.port ?? defaultPort;
  for (const entry of own.publicHosts) {
    const pub = parseHostPort(entry);
    if (!pub || pub.hostname !== target.hostname) continue;
    if (pub.port === undefined || pub.port === port) return true;
  }
  // An IP literal cannot be a rebound name, and browsers resolve localhost to loopback themselves;
  // the listen address itself may be a name (DASHBOARD_HOST=etl-box). All on our port only.
  const bare = target.hostname.replace(/^\[|\]$/g, '');
  const ownName = isIP(bare) !== 0 || bare === 'localhost' || bare === own.host.replace(/^\[|\]$/g, '').toLowerCase();
  return ownName && port === own.port();
}

/** Whether a Host header names this server (through its listen address or a public host). */
export function isOwnHost(hostHeader: string | undefined, own: OwnAddress): boolean {
  if (!hostHeader) return false;
  const target = parseHostPort(hostHeader);
  return target !== undefined && isOwn(target, own, 80);
}

/** Whether an Origin (scheme://host[:port]) is this server's. */
export function isOwnOrigin(origin: string, hostHeader: string | undefined, own: OwnAddress): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  // Same origin as the request's Host (already checked to be ours), e.g. a public host on any port.
  if (hostHeader && u.host === hostHeader.toLowerCase()) return true;
  const target: HostPort = { hostname: u.hostname.toLowerCase(), port: u.port ? Number(u.port) : undefined };
  return isOwn(target, own, u.protocol === 'https:' ? 443 : 80);
}

/** A header value fit to repeat in a plain-text refusal: no control characters, bounded. */
function shown(value: string): string {
  return JSON.stringify(value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100));
}

/** Express middleware: 421 for a Host that is not this server's, on every route. */
export function requireOwnHost(own: OwnAddress): RequestHandler {
  return (req, res, next) => {
    if (isOwnHost(req.headers.host, own)) return next();
    res
      .status(421)
      .type('text/plain')
      .send(
        `Host ${shown(req.headers.host ?? '')} is not this server's address; reach it at its listen address ` +
          'or add the name you use to DASHBOARD_PUBLIC_HOSTS (e.g. behind a reverse proxy)\n',
      );
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Express middleware: 403 for a change (Bull Board's PUT/POST/PATCH/DELETE: retry, pause, clean, remove…)
 * coming from another site. Browsers send Origin with every such request (Referer is the fallback for
 * old ones); a request with neither is not from a browser page, so it carries no cached credentials
 * it did not mean to send, and the credentials check alone decides.
 */
export function requireOwnOrigin(own: OwnAddress): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin ?? refererOrigin(req.headers.referer);
    if (origin === undefined || isOwnOrigin(origin, req.headers.host, own)) return next();
    res.status(403).type('text/plain').send(`cross-site request refused: ${shown(origin)} is not this dashboard's origin (DASHBOARD_PUBLIC_HOSTS lists the others)\n`);
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    // Unparseable: refuse rather than guess (an empty origin never matches).
    return '';
  }
}
