import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../src/chaos/redisServer.js';
import { CLI, waitFor, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Long-running commands start or stop at once: an invalid configuration or an unreachable Postgres
 * ends them with one line naming the variable (exit 2 / 1), never a hang and never stack traces; an
 * unreachable Redis keeps them retrying quietly (one line when lost, one when back) and not ready.
 * Each command runs in a process group of its own, killed whole after its test.
 */

interface Spawned {
  child: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<CliResult>;
}

const groups = new Set<number>();

function spawnCli(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the whole tree (the demo's simulator too) can be killed at once.
    detached: true,
  });
  if (child.pid !== undefined) groups.add(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<CliResult>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, output: () => stdout + stderr, stderr: () => stderr, exited };
}

function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Resolves with the command's end, or fails the test when it is still running after `ms` (a hang). */
async function endsWithin(run: Spawned, ms: number): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms (a hang); output:\n${run.output()}`)), ms);
  });
  try {
    return await Promise.race([run.exited, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const linesOf = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

let db: TestDatabase;
let prefix: ReturnType<typeof createTestPrefix>;
let base: Record<string, string>;
let deadPostgres: string;

beforeAll(async () => {
  db = await createTestDatabase('fail_fast');
  prefix = createTestPrefix('failfast');
  base = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix.prefix,
    NANGO_SECRET_KEY: 'nango-secret-for-test',
    MSADS_DEVELOPER_TOKEN: 'dev-token-for-test',
  };
  deadPostgres = `postgres://postgres:pg-pass-123@127.0.0.1:${await closedPort()}/msads_nowhere`;
});
afterEach(() => {
  for (const pid of groups) killGroup(pid);
  groups.clear();
});
afterAll(async () => {
  await db?.drop();
  await prefix?.cleanup();
});

describe('an unreachable Postgres at start: one line naming DATABASE_URL, exit 1', () => {
  for (const command of [['worker'], ['scheduler'], ['dashboard', '--port', '0'], ['demo']]) {
    it(command[0]!, async () => {
      const run = spawnCli(command, { ...base, DATABASE_URL: deadPostgres });
      const result = await endsWithin(run, 20_000);
      expect(result.code, run.output()).toBe(1);
      const lines = linesOf(result.stderr);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`DATABASE_URL=${deadPostgres.replace('pg-pass-123', '***')}`);
      expect(lines[0]).toMatch(/Postgres is unreachable/);
      expect(lines[0]).toContain('docker compose up -d postgres');
      expect(run.output()).not.toContain('pg-pass-123');
    }, 30_000);
  }
});

describe('an invalid configuration at start: one line naming the variable, exit 2', () => {
  it('worker without MSADS_DEVELOPER_TOKEN', async () => {
    const run = spawnCli(['worker'], { ...base, MSADS_DEVELOPER_TOKEN: '' });
    const result = await endsWithin(run, 20_000);
    expect(result.code, run.output()).toBe(2);
    const lines = linesOf(result.stderr);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^msads-etl worker: Invalid configuration: MSADS_DEVELOPER_TOKEN: required/);
  }, 30_000);

  for (const command of ['worker', 'scheduler', 'dashboard', 'demo']) {
    it(`${command} with WORKER_CONCURRENCY=lots`, async () => {
      const run = spawnCli([command], { ...base, WORKER_CONCURRENCY: 'lots' });
      const result = await endsWithin(run, 20_000);
      expect(result.code, run.output()).toBe(2);
      const lines = linesOf(result.stderr);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^msads-etl ${command}: Invalid configuration: WORKER_CONCURRENCY: `));
    }, 30_000);
  }
});

describe('an unreachable Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('a short command (enqueue) exits 1 with one line naming REDIS_URL and how to start Redis', async () => {
    const url = `redis://:redis-pass-9@127.0.0.1:${await closedPort()}`;
    const run = spawnCli(['enqueue', '--connection', 'c1', '--customer', '1', '--account', '2', '--from', '2026-01-01', '--to', '2026-01-01'], { ...base, REDIS_URL: url });
    const result = await endsWithin(run, 30_000);
    expect(result.code).toBe(1);
    const last = linesOf(result.stderr).at(-1) ?? '';
    expect(last).toContain(`Redis is unreachable at REDIS_URL=${url.replace('redis-pass-9', '***')}`);
    expect(last).toContain('redis-server');
    expect(run.output()).not.toContain('redis-pass-9');
  }, 40_000);

  it('the demo (it waits for its own jobs) exits 1 with the same line', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const run = spawnCli(['demo'], { ...base, REDIS_URL: url });
    const result = await endsWithin(run, 30_000);
    expect(result.code, run.output()).toBe(1);
    const lines = linesOf(result.stderr);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`Redis is unreachable at REDIS_URL=${url}`);
  }, 40_000);

  it('a worker keeps retrying quietly, is not ready, and carries on once Redis is back', async () => {
    await redis.kill();
    const metricsPort = await closedPort();
    const run = spawnCli(['worker'], { ...base, REDIS_URL: redis.url, METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' });
    const readyz = async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined))?.status;
    await waitFor('the outage line', async () => run.output().includes('Redis is unreachable'), 20_000);
    // Not ready, several times over (many reconnect attempts), yet running and alive.
    for (let i = 0; i < 3; i++) await waitFor('/readyz 503', async () => (await readyz()) === 503, 20_000);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    expect(run.child.exitCode).toBeNull();
    await redis.start();
    await waitFor('/readyz 200', async () => (await readyz()) === 200, 30_000);
    await waitFor('the back line', async () => run.output().includes('Redis is reachable again'), 20_000);
    const out = run.output();
    expect(out.match(/Redis is unreachable/g)).toHaveLength(1);
    expect(out.match(/Redis is reachable again/g)).toHaveLength(1);
    expect(out).not.toMatch(/ECONNREFUSED[\s\S]*ECONNREFUSED[\s\S]*ECONNREFUSED/);
    expect(out).not.toContain('    at ');
    run.child.kill('SIGTERM');
    expect((await endsWithin(run, 20_000)).code).toBe(0);
  }, 90_000);
});
