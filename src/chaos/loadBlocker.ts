import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * Makes report loads long on purpose, so a deploy or a freeze can be aimed at a worker that is
 * provably in the middle of one: an EXCLUSIVE lock on the report tables (reads go on, writes wait)
 * holds every load that reaches its DELETE/INSERT inside its open transaction, whatever the load code
 * does before. The workers whose Postgres backends wait on the lock are found through the backend's
 * client port and the socket table (`ss`), which names the OS process that owns that port.
 */
export interface LoadBlocker {
  /** OS pids of processes with a backend waiting on the lock, polled until there is one or timeoutMs passes. */
  waitForBlockedLoads(timeoutMs: number): Promise<number[]>;
  release(): Promise<void>;
}

const execFileAsync = promisify(execFile);

export async function blockLoads(pool: pg.Pool, tables: readonly string[]): Promise<LoadBlocker> {
  const client = await pool.connect();
  let released = false;
  try {
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${tables.map((t) => pg.escapeIdentifier(t)).join(', ')} IN EXCLUSIVE MODE`);
  } catch (err) {
    client.release(true);
    throw err;
  }
  const ownPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  return {
    async waitForBlockedLoads(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await pool.query<{ client_port: number }>(
          `SELECT client_port FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1 AND client_port IS NOT NULL`,
          [ownPid],
        );
        const pids = new Set<number>();
        for (const r of rows) {
          const pid = await pidOfClientPort(r.client_port);
          if (pid !== undefined) pids.add(pid);
        }
        if (pids.size > 0 || Date.now() > deadline) return [...pids];
        await sleep(200);
      }
    },
    async release() {
      if (released) return;
      released = true;
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    },
  };
}

/** The pid of the local process whose TCP socket has this source port. */
async function pidOfClientPort(port: number): Promise<number | undefined> {
  const { stdout } = await execFileAsync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`]);
  const match = /pid=(\d+)/.exec(stdout);
  return match ? Number(match[1]) : undefined;
}
