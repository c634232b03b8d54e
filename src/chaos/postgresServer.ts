import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './redisServer.js';

/**
 * A private PostgreSQL server the chaos run may stop and start again without touching the machine's
 * shared one on 5432: its own data directory under the temp dir, its own port. initdb refuses to run as
 * root, so the server runs as the `postgres` OS user (runuser) in a directory that user owns. The
 * postmaster is a child of this process (not daemonized by `pg_ctl start`), so it stays in this
 * process group and dies with it; stops go through `pg_ctl stop`, which signals it by its pid file.
 */
export interface PostgresServer {
  port: number;
  /** Connection URL of a database on this server. */
  url(database: string): string;
  /** Stops the server: `immediate` is a crash (recovery at the next start), `fast` a clean shutdown. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  running(): boolean;
  close(): Promise<void>;
  /** Synchronous last resort for process exit: SIGKILLs the postmaster if it still runs. */
  killNow(): void;
}

const execFileAsync = promisify(execFile);
const OS_USER = 'postgres';

export async function startPostgresServer(binDir = '/usr/lib/postgresql/15/bin'): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'msads-chaos-pg-'));
  const { uid, gid } = await osUser(OS_USER);
  await chown(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (command: string, args: string[]) => ['-u', OS_USER, '--', join(binDir, command), ...args];
  await execFileAsync('runuser', asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']));
  let child: ChildProcess | undefined;
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const start = async () => {
    const logFile = await open(join(dir, 'postgres.log'), 'a');
    child = spawn(
      'runuser',
      asPostgres('postgres', [
        '-D', data, '-p', String(port), '-k', dir,
        '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300',
        // A process crash keeps what the kernel was given, so fsync buys nothing here but slowness.
        '-c', 'fsync=off', '-c', 'full_page_writes=off',
      ]),
      { stdio: ['ignore', logFile.fd, logFile.fd] },
    );
    await logFile.close();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`chaos postgres did not start (see ${dir}/postgres.log)`, { cause: err });
        await sleep(200);
      }
    }
  };

  const stop = async (mode: 'fast' | 'immediate') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    await execFileAsync('runuser', asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])).catch(() => c.kill('SIGKILL'));
    await exited;
  };

  await start();
  return {
    port,
    url,
    stop,
    start,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async close() {
      await stop('immediate');
      await rm(dir, { recursive: true, force: true });
    },
    killNow() {
      // runuser is the child; the postmaster is its child, the first line of the pid file. SIGQUIT is
      // an immediate shutdown: the postmaster takes its backends down with it.
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // Not running.
      }
      child?.kill('SIGKILL');
    },
  };
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
