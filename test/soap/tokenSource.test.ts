import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NangoTokenError } from '../../src/errors.js';
import { createNangoTokenSource, type TokenSource } from '../../src/nango/tokenSource.js';
import { Secret } from '../../src/secret.js';

/**
 * The real @nangohq/node SDK against a tiny local HTTP server that answers like Nango's
 * GET /connections/:id (STACK-NOTES §2), including its error shape { error: { code, message } }.
 */

const SECRET_KEY = 'nango-secret-key-5d1f0e';
const INTEGRATION = 'microsoft-ads';

interface Seen {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

function oauth2(token: string, metadata: Record<string, unknown> | null = null): unknown {
  return {
    id: 1,
    connection_id: 'x',
    provider_config_key: INTEGRATION,
    provider: 'microsoft-ads',
    metadata,
    credentials: { type: 'OAUTH2', access_token: token, raw: { access_token: token } },
  };
}

async function startFakeNango(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string): void => reply(status, { error: { code, message } });
    if (req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
      return error(401, 'unknown_account', `No account matches the secret key ${req.headers.authorization ?? ''}`);
    }
    const id = decodeURIComponent(url.pathname.replace(/^\/connections\//, ''));
    if (url.searchParams.get('provider_config_key') !== INTEGRATION) return error(404, 'unknown_provider_config', 'Unknown provider config');
    const force = url.searchParams.get('force_refresh') === 'true';
    switch (id) {
      case 'conn-ok':
      case 'tenant/a b':
        return reply(200, oauth2(force ? 'access-token-refreshed' : 'access-token-1', { customerId: '7000123' }));
      case 'conn-nometa':
        return reply(200, oauth2('access-token-1', null));
      case 'conn-apikey':
        return reply(200, { ...(oauth2('') as object), credentials: { type: 'API_KEY', apiKey: 'provider-api-key-99' } });
      case 'conn-expired':
        return error(400, 'invalid_credentials', `Refresh failed: invalid_grant (client used ${SECRET_KEY})`);
      case 'conn-500':
        return error(500, 'server_error', 'boom');
      case 'conn-slow':
        return; // never answers
      default:
        return error(404, 'not_found', 'Connection not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function dump(err: unknown): string {
  const own = (v: unknown): unknown =>
    typeof v === 'object' && v !== null ? Object.fromEntries(Object.getOwnPropertyNames(v).map((k) => [k, own((v as Record<string, unknown>)[k])])) : v;
  return [inspect(err, { depth: 20, showHidden: true }), JSON.stringify(err), JSON.stringify(own(err)), String(err)].join('\n');
}

describe('Nango token source', () => {
  let fake: Awaited<ReturnType<typeof startFakeNango>>;
  let tokens: TokenSource;

  beforeAll(async () => {
    fake = await startFakeNango();
    tokens = createNangoTokenSource({ secretKey: new Secret(SECRET_KEY), host: fake.url, integrationId: INTEGRATION, timeoutMs: 300 });
  });
  afterAll(async () => {
    fake.server.closeAllConnections();
    await new Promise<void>((r) => fake.server.close(() => r()));
  });

  it('returns the access token as a Secret, fetched with the secret key for our integration', async () => {
    const token = await tokens.getAccessToken('conn-ok');
    expect(token).toBeInstanceOf(Secret);
    expect(token.reveal()).toBe('access-token-1');
    expect(inspect(token)).not.toContain('access-token-1');
    const last = fake.seen.at(-1)!;
    expect(last.path).toBe('/connections/conn-ok');
    expect(last.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(last.query.get('provider_config_key')).toBe(INTEGRATION);
    expect(last.query.get('force_refresh')).toBe('false');
  });

  it('asks Nango to refresh when forceRefresh is set', async () => {
    expect((await tokens.getAccessToken('conn-ok', { forceRefresh: true })).reveal()).toBe('access-token-refreshed');
    expect(fake.seen.at(-1)!.query.get('force_refresh')).toBe('true');
  });

  it('encodes connection ids (the SDK puts them in the path as they are)', async () => {
    expect((await tokens.getAccessToken('tenant/a b')).reveal()).toBe('access-token-1');
    expect(fake.seen.at(-1)!.path).toBe('/connections/tenant%2Fa%20b');
  });

  it('reads connection metadata, {} when there is none', async () => {
    expect(await tokens.getConnectionMetadata('conn-ok')).toEqual({ customerId: '7000123' });
    expect(await tokens.getConnectionMetadata('conn-nometa')).toEqual({});
  });

  const failures: [string, () => TokenSource, string, Partial<NangoTokenError>, RegExp][] = [
    ['unknown connection', () => tokens, 'conn-missing', { httpStatus: 404, nangoCode: 'not_found' }, /not found in Nango integration "microsoft-ads"/],
    [
      'credentials Nango cannot refresh',
      () => tokens,
      'conn-expired',
      { httpStatus: 400, nangoCode: 'invalid_credentials' },
      /Nango could not refresh the credentials \(invalid_credentials\): re-authorize the connection/,
    ],
    ['Nango server error', () => tokens, 'conn-500', { httpStatus: 500, nangoCode: 'server_error' }, /Nango is unavailable \(HTTP 500, server_error\): retry later/],
    ['not an OAuth2 connection', () => tokens, 'conn-apikey', { httpStatus: 200, nangoCode: 'not_oauth2' }, /is not an OAuth2 connection/],
    ['timeout', () => tokens, 'conn-slow', { httpStatus: undefined }, /did not answer within 300 ms \(ECONNABORTED\)/],
    [
      'wrong secret key',
      () => createNangoTokenSource({ secretKey: new Secret('wrong-key-123456'), host: fake.url, integrationId: INTEGRATION, timeoutMs: 300 }),
      'conn-ok',
      { httpStatus: 401, nangoCode: 'unknown_account' },
      /Nango rejected the secret key \(HTTP 401\): check NANGO_SECRET_KEY/,
    ],
    [
      'unknown integration',
      () => createNangoTokenSource({ secretKey: new Secret(SECRET_KEY), host: fake.url, integrationId: 'bing', timeoutMs: 300 }),
      'conn-ok',
      { httpStatus: 404, nangoCode: 'unknown_provider_config' },
      /Nango has no integration "bing" \(unknown_provider_config\)/,
    ],
    [
      'Nango unreachable',
      () => createNangoTokenSource({ secretKey: new Secret(SECRET_KEY), host: 'http://127.0.0.1:9', integrationId: INTEGRATION, timeoutMs: 300 }),
      'conn-ok',
      { httpStatus: undefined },
      /could not reach Nango at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/,
    ],
  ];

  for (const [name, source, connectionId, fields, message] of failures) {
    it(`${name} → NangoTokenError naming the fix, with no secret in it`, async () => {
      const err = await source()
        .getAccessToken(connectionId)
        .then(() => expect.fail('should fail'), (e: unknown) => e);
      expect(err).toBeInstanceOf(NangoTokenError);
      expect(err).toMatchObject({ connectionId, ...fields });
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message.startsWith(`Nango connection "${connectionId}": `)).toBe(true);
      const text = dump(err);
      for (const secret of [SECRET_KEY, 'wrong-key-123456', 'access-token-1', 'provider-api-key-99']) expect(text).not.toContain(secret);
    });
  }

  it('metadata failures are NangoTokenErrors too', async () => {
    await expect(tokens.getConnectionMetadata('conn-missing')).rejects.toBeInstanceOf(NangoTokenError);
  });

  it('the token source prints no secret key', () => {
    expect(inspect(tokens, { depth: 10, showHidden: true })).not.toContain(SECRET_KEY);
  });
});
