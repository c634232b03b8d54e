import express from 'express';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { assertSafeBinding, isLoopback, requireAuth } from '../../src/dashboard/auth.js';
import { fanOut } from '../../src/observability/fanOut.js';
import { noopObserver, type RunObserver } from '../../src/jobs/observer.js';
import { Secret } from '../../src/secret.js';

describe('dashboard auth', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'dashboard.internal', '192.168.1.1']) expect(isLoopback(h), h).toBe(false);
  });

  it('refuses to serve the board unauthenticated off loopback', () => {
    const none = { user: 'admin', password: undefined, token: undefined };
    expect(() => assertSafeBinding('0.0.0.0', none)).toThrow(ConfigError);
    expect(() => assertSafeBinding('0.0.0.0', none)).toThrow(/set DASHBOARD_PASSWORD .* or DASHBOARD_TOKEN/);
    expect(() => assertSafeBinding('127.0.0.1', none)).not.toThrow();
    expect(() => assertSafeBinding('0.0.0.0', { ...none, token: new Secret('t') })).not.toThrow();
  });

  it('accepts the basic credentials or the bearer token, nothing else', async () => {
    const app = express();
    app.use(requireAuth({ user: 'ops', password: new Secret('pw'), token: new Secret('tok-123') }));
    app.get('/', (_req, res) => res.send('in'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const status = async (authorization?: string) => (await fetch(url, authorization ? { headers: { authorization } } : {})).status;
    try {
      expect(await status()).toBe(401);
      expect(await status(`Basic ${Buffer.from('ops:pw').toString('base64')}`)).toBe(200);
      expect(await status(`Basic ${Buffer.from('ops:nope').toString('base64')}`)).toBe(401);
      expect(await status(`Basic ${Buffer.from('admin:pw').toString('base64')}`)).toBe(401);
      expect(await status('Bearer tok-123')).toBe(200);
      expect(await status('Bearer tok-12')).toBe(401);
      expect((await fetch(url)).headers.get('www-authenticate')).toContain('Basic realm="msads-etl"');
    } finally {
      server.close();
    }
  });
});

describe('fanOut', () => {
  it('forwards every fact to every observer, nests steps, and survives a throwing observer', async () => {
    const seen: string[] = [];
    const recorder = (name: string): RunObserver => ({
      ...noopObserver,
      step: async (step, _a, fn) => {
        seen.push(`${name}>${step}`);
        const r = await fn();
        seen.push(`${name}<${step}`);
        return r;
      },
      polled: () => {
        seen.push(`${name}:polled`);
      },
    });
    const broken: RunObserver = { ...noopObserver, polled: () => { throw new Error('boom'); } };
    const errors: unknown[] = [];
    const observer = fanOut([recorder('a'), broken, recorder('b')], (e) => errors.push(e));
    const attrs = { api: 'rest' as const, connectionId: 'c', accountId: '1', report: 'r', aggregation: 'Daily', runId: 1 };
    expect(await observer.step('submit', attrs, async () => 42)).toBe(42);
    observer.polled(attrs);
    expect(seen).toEqual(['a>submit', 'b>submit', 'b<submit', 'a<submit', 'a:polled', 'b:polled']);
    expect(errors).toHaveLength(1);
  });
});
