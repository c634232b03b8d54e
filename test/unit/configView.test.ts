import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeConfig, redactValue } from '../../src/cli/configView.js';
import { loadEnvFile, SECRET_VARIABLES, type EnvFileOutcome } from '../../src/config.js';

const noFile: EnvFileOutcome = { path: '/nowhere/.env', found: false, fromFile: [], shadowed: [] };
const entry = (view: ReturnType<typeof describeConfig>, name: string) => view.entries.find((e) => e.name === name);

describe('describeConfig', () => {
  it('says where each value came from: env, .env, default or unset', () => {
    const envFile: EnvFileOutcome = { path: '/app/.env', found: true, fromFile: ['LOOKBACK_DAYS'], shadowed: ['WORKER_CONCURRENCY'] };
    const view = describeConfig({ LOOKBACK_DAYS: '7', WORKER_CONCURRENCY: '9', QUEUE_PREFIX: 'etl' }, envFile);
    expect(entry(view, 'LOOKBACK_DAYS')).toMatchObject({ value: '7', source: '.env', shadowsEnvFile: false });
    expect(entry(view, 'WORKER_CONCURRENCY')).toMatchObject({ value: '9', source: 'env', shadowsEnvFile: true });
    expect(entry(view, 'QUEUE_PREFIX')).toMatchObject({ value: 'etl', source: 'env' });
    expect(entry(view, 'FRESHNESS_MAX_LAG_DAYS')).toMatchObject({ value: '2', source: 'default' });
    expect(entry(view, 'ACCOUNT_STATUSES')).toMatchObject({ value: 'Active,Pause', source: 'default' });
    expect(entry(view, 'TMP_DIR')).toMatchObject({ value: null, source: 'unset' });
    // An empty value is unset, as the schema reads it.
    expect(entry(describeConfig({ NANGO_SECRET_KEY: '' }, noFile), 'NANGO_SECRET_KEY')).toMatchObject({ value: null, source: 'unset' });
    expect(view.problems).toEqual([]);
  });

  it('never returns a secret value nor a URL password', () => {
    const env: Record<string, string> = {
      DATABASE_URL: 'postgres://etl:db-pass-4711@db:5432/msads',
      REDIS_URL: 'redis://:redis-pass-4712@cache:6379',
      ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/hook-secret-4713',
    };
    for (const name of SECRET_VARIABLES) env[name] ??= `value-of-${name}-4714`;
    const view = describeConfig(env, noFile);
    const text = JSON.stringify(view);
    for (const value of Object.values(env)) {
      const secretPart = /(?:pass|secret|value-of)[\w-]*\d{4}/.exec(value)?.[0];
      expect(secretPart).toBeDefined();
      expect(text).not.toContain(secretPart);
    }
    for (const name of SECRET_VARIABLES) expect(entry(view, name)).toMatchObject({ value: '[redacted]', secret: true });
    expect(entry(view, 'DATABASE_URL')?.value).toBe('postgres://etl:***@db:5432/msads');
    expect(redactValue('NANGO_HOST', 'https://api.nango.dev')).toBe('https://api.nango.dev');
  });

  it('lists every invalid variable, as loadConfig does', () => {
    const view = describeConfig({ LOOKBACK_DAYS: 'soon', MSADS_API: 'fax' }, noFile);
    expect(view.problems).toEqual([expect.stringMatching(/^MSADS_API: /), expect.stringMatching(/^LOOKBACK_DAYS: /)]);
  });
});

describe('loadEnvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msads-envfile-'));
  const names = ['MSADS_TEST_ENVFILE_A', 'MSADS_TEST_ENVFILE_B'];
  afterEach(() => {
    for (const n of names) delete process.env[n];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file with process.loadEnvFile; the environment wins and is reported as such', () => {
    const path = join(dir, '.env');
    writeFileSync(path, `# comment\n${names[0]}=from-file\n${names[1]}="quoted from file"\n`);
    process.env[names[1]!] = 'from-env';
    const outcome = loadEnvFile(path);
    expect(outcome).toEqual({ path, found: true, fromFile: [names[0]], shadowed: [names[1]] });
    expect(process.env[names[0]!]).toBe('from-file');
    expect(process.env[names[1]!]).toBe('from-env');
  });

  it('no file is not an error', () => {
    expect(loadEnvFile(join(dir, 'missing.env'))).toEqual({ path: join(dir, 'missing.env'), found: false, fromFile: [], shadowed: [] });
  });

  it('an unreadable one is reported, not thrown', () => {
    const outcome = loadEnvFile(dir);
    expect(outcome).toMatchObject({ found: true, fromFile: [], error: expect.stringContaining('EISDIR') });
  });
});
