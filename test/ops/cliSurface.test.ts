import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestPrefix } from '../helpers/redis.js';
import { killAll, plain, runCliGroup } from './cliGroup.js';

/**
 * The command line's surface through the built CLI: .env in the working directory (the environment
 * wins), `config` (sources, secrets never printed), --version, help texts with exit codes and
 * examples on every command, unknown options and commands (exit 2, named), and terminal output
 * (pino-pretty and colour on a pseudo-terminal, NO_COLOR / FORCE_COLOR, JSON lines off one).
 */

const dir = mkdtempSync(join(tmpdir(), 'msads-cli-'));
const SECRETS = {
  NANGO_SECRET_KEY: 'nango-sk-0f9e8d7c6b5a',
  MSADS_DEVELOPER_TOKEN: 'devtok-77aa88bb99cc',
  DASHBOARD_PASSWORD: 'dash-pw-31415926',
  DASHBOARD_TOKEN: 'dash-bearer-27182818',
  ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/hook-secret-16180339',
};
const DB_PASSWORD = 'pg-pass-14142135';

afterEach(() => killAll());
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

interface ConfigJson {
  envFile: { path: string; found: boolean; fromFile: string[]; shadowed: string[] };
  entries: { name: string; value: string | null; source: string }[];
  problems: string[];
}
const entry = (json: ConfigJson, name: string) => json.entries.find((e) => e.name === name);

describe('.env and config', () => {
  it('reads .env of the working directory; the environment wins; config says where each value came from', async () => {
    writeFileSync(join(dir, '.env'), 'LOOKBACK_DAYS=7\nWORKER_CONCURRENCY=3\n# a comment\nQUEUE_PREFIX="from-file"\n');
    const result = await runCliGroup(['config', '--json'], { WORKER_CONCURRENCY: '9' }, { cwd: dir });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as ConfigJson;
    expect(json.envFile).toEqual({ path: join(dir, '.env'), found: true, fromFile: ['LOOKBACK_DAYS', 'QUEUE_PREFIX'], shadowed: ['WORKER_CONCURRENCY'] });
    expect(entry(json, 'LOOKBACK_DAYS')).toMatchObject({ value: '7', source: '.env' });
    expect(entry(json, 'QUEUE_PREFIX')).toMatchObject({ value: 'from-file', source: '.env' });
    expect(entry(json, 'WORKER_CONCURRENCY')).toMatchObject({ value: '9', source: 'env' });
    expect(entry(json, 'FRESHNESS_MAX_LAG_DAYS')).toMatchObject({ value: '2', source: 'default' });
    expect(entry(json, 'NANGO_SECRET_KEY')).toMatchObject({ value: null, source: 'unset' });

    const table = plain((await runCliGroup(['config'], { WORKER_CONCURRENCY: '9' }, { cwd: dir })).stdout);
    expect(table).toContain(`.env: ${join(dir, '.env')} (2 variable(s) taken from it; WORKER_CONCURRENCY set in the environment too, which wins)`);
    expect(table).toMatch(/LOOKBACK_DAYS\s+7\s+\.env/);
    expect(table).toMatch(/WORKER_CONCURRENCY\s+9\s+env \(over \.env\)/);
    expect(table).toMatch(/LOG_LEVEL\s+info\s+default/);
    expect(table).toContain('configuration valid');
  });

  it('a .env value reaches every command (here: status reads the database .env names)', async () => {
    const db: TestDatabase = await createTestDatabase('cli_dotenv');
    try {
      writeFileSync(join(dir, '.env'), `DATABASE_URL=${db.url}\nREPORTS=campaign_performance:daily\n`);
      const result = await runCliGroup(['status', '--json'], {}, { cwd: dir });
      // An empty ledger: no target, so exit 1, but read from the .env database (its migrations ran).
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ targets: [], connections: [] });
      expect((await db.database.pool.query(`SELECT count(*)::int AS n FROM report_runs`)).rows[0].n).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('never prints a secret, from the environment or from .env, in the table or in JSON', async () => {
    writeFileSync(join(dir, '.env'), `NANGO_SECRET_KEY=${SECRETS.NANGO_SECRET_KEY}\nDASHBOARD_TOKEN=${SECRETS.DASHBOARD_TOKEN}\n`);
    const env = {
      MSADS_DEVELOPER_TOKEN: SECRETS.MSADS_DEVELOPER_TOKEN,
      DASHBOARD_PASSWORD: SECRETS.DASHBOARD_PASSWORD,
      ALERT_WEBHOOK_URL: SECRETS.ALERT_WEBHOOK_URL,
      DATABASE_URL: `postgres://etl:${DB_PASSWORD}@db.internal:5432/msads`,
      REDIS_URL: `redis://:${DB_PASSWORD}@cache:6379`,
    };
    for (const args of [['config'], ['config', '--json']]) {
      const result = await runCliGroup(args, env, { cwd: dir });
      expect(result.code).toBe(0);
      const all = result.stdout + result.stderr;
      for (const secret of [...Object.values(SECRETS), DB_PASSWORD, 'hook-secret-16180339']) expect(all).not.toContain(secret);
      expect(all).toContain('[redacted]');
      expect(all).toContain('postgres://etl:***@db.internal:5432/msads');
    }
    const json = JSON.parse((await runCliGroup(['config', '--json'], env, { cwd: dir })).stdout) as ConfigJson;
    for (const name of Object.keys(SECRETS)) expect(entry(json, name)?.value).toBe('[redacted]');
    expect(entry(json, 'NANGO_SECRET_KEY')?.source).toBe('.env');
  });

  it('an invalid variable: config lists each problem and exits 2', async () => {
    rmSync(join(dir, '.env'), { force: true });
    const result = await runCliGroup(['config'], { LOOKBACK_DAYS: 'soon', MSADS_API: 'fax' }, { cwd: dir });
    expect(result.code).toBe(2);
    expect(plain(result.stdout)).toMatch(/Invalid configuration:\n {2}MSADS_API: .*\n {2}LOOKBACK_DAYS: /);
  });

  it('.env.example copied to .env is a valid configuration', async () => {
    writeFileSync(join(dir, '.env'), readFileSync(join(projectRoot, '.env.example'), 'utf8'));
    const result = await runCliGroup(['config', '--json'], {}, { cwd: dir });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as ConfigJson).problems).toEqual([]);
    rmSync(join(dir, '.env'));
  });
});

describe('version, help and usage errors', () => {
  it('--version prints package.json’s version', async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await runCliGroup([flag], {});
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }
  });

  it('every command’s help has its exit codes and examples', async () => {
    const top = await runCliGroup(['--help'], {});
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+)(?: \[options\])?\s{2,}/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['status', 'runs', 'config', 'backfill', 'worker', 'dashboard', 'connections']));
    expect(top.stdout).toContain('Exit codes');
    for (const command of commands) {
      const help = await runCliGroup([command, '--help'], {});
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/\nExit codes:\n {2}0 /);
      expect(help.stdout, command).toMatch(/\nExamples:\n {2}\$ (\S+=\S+ )*msads-etl /);
    }
  }, 120_000);

  it('an unknown option or command is named as unknown, exit 2', async () => {
    const option = await runCliGroup(['status', '--conection', 'x'], {});
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("error: unknown option '--conection'");
    expect(option.stderr).toContain("(Did you mean --connection?)");
    const runs = await runCliGroup(['runs', '--bogus'], {});
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain("error: unknown option '--bogus'");
    const command = await runCliGroup(['stauts'], {});
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("error: unknown command 'stauts'");
    const missing = await runCliGroup(['backfill', '--connection', 'x'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: required option '--report <name>' not specified/);
  });
});

describe('terminal output', () => {
  let db: TestDatabase;
  const prefix = createTestPrefix('cli_tty');
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase('cli_tty');
    env = { DATABASE_URL: db.url, QUEUE_PREFIX: prefix.prefix, NANGO_SECRET_KEY: 'x', MSADS_DEVELOPER_TOKEN: 'y', LOG_LEVEL: 'info' };
  });
  afterAll(async () => {
    killAll();
    await prefix.cleanup();
    await db?.drop();
  });

  const started = /report worker started/;

  it('on a terminal, logs are pino-pretty lines in colour; NO_COLOR keeps them pretty without colour', async () => {
    const pretty = await runCliGroup(['worker'], env, { tty: true, until: started, timeoutMs: 30_000 });
    expect(pretty.stdout).toMatch(/\u001b\[32mINFO\u001b\[39m: \u001b\[36mreport worker started/);
    expect(plain(pretty.stdout)).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: report worker started\n {4}queue: "reports"/m);

    const noColour = await runCliGroup(['worker'], { ...env, NO_COLOR: '1' }, { tty: true, until: started, timeoutMs: 30_000 });
    expect(noColour.stdout).toMatch(/INFO: report worker started/);
    expect(noColour.stdout).not.toContain('\u001b[');
  });

  it('off a terminal, logs are JSON lines, whatever FORCE_COLOR says', async () => {
    const json = await runCliGroup(['worker'], { ...env, FORCE_COLOR: '1' }, { until: started, timeoutMs: 30_000 });
    const line = json.stdout.split('\n').find((l) => l.includes('report worker started'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'report worker started', queue: 'reports', prefix: prefix.prefix });
  });

  it('states are coloured on a terminal, not with NO_COLOR, and with FORCE_COLOR off one', async () => {
    await db.database.pool.query(`INSERT INTO accounts (connection_id, account_id, account_name, parent_customer_id) VALUES ('conn-t', 1, 'A', 1)`);
    const statusEnv = { ...env, REPORTS: 'campaign_performance:daily' };
    const tty = await runCliGroup(['status'], statusEnv, { tty: true });
    expect(tty.stdout).toContain('\u001b[31mNEVER_LOADED\u001b[39m');
    const noColour = await runCliGroup(['status'], { ...statusEnv, NO_COLOR: '1' }, { tty: true });
    expect(noColour.stdout).toContain('NEVER_LOADED');
    expect(noColour.stdout).not.toContain('\u001b[');
    const piped = await runCliGroup(['status'], statusEnv);
    expect(piped.code).toBe(1);
    expect(piped.stdout).not.toContain('\u001b[');
    const forced = await runCliGroup(['status'], { ...statusEnv, FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\u001b[31mNEVER_LOADED\u001b[39m');
  });
});
