import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A Postgres server of the test's own, on a port of its own, which the test may stop and start again
 * without touching the shared one on 5432. initdb refuses root, so it runs as the postgres OS user
 * (runuser) in a temp directory that user owns; the postmaster is our child, so it dies with us.
 */
export interface PrivatePostgres {
  port: number;
  url(database: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

async function freePort(): Promise<number> {
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

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'msads-ops-pg-'));
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  const data = join(dir, 'data');
  const port = await freePort();
  await run('runuser', ['-u', 'postgres', '--', join(BIN, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
      'runuser',
      ['-u', 'postgres', '--', join(BIN, 'postgres'), '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      { stdio: 'ignore' },
    );
    // Accepting connections has no event to wait on from outside: ask until it answers.
    for (let i = 0; ; i++) {
      const client = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 1_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => undefined);
        if (i > 300 || child.exitCode !== null) throw new Error('private postgres did not start', { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    await run('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => c.kill('SIGKILL'));
    await exited;
  };

  await start();
  return {
    port,
    url,
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
