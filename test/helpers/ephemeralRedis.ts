import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A private redis-server without persistence (no RDB, no AOF), like a Redis deployed without a volume:
 * restartEmpty() kills it and starts it again on the same port, empty — queued jobs and the job
 * scheduler gone. Its own process group, killed whole.
 */
export interface EphemeralRedis {
  url: string;
  port: number;
  restartEmpty(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startEphemeralRedis(): Promise<EphemeralRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    child = c;
    // Redis logs this line once it accepts commands: wait for it rather than probing.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      c.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`)));
      c.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
    });
    c.stdout?.resume();
  };

  const stop = async () => {
    const c = child;
    if (!c || c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    process.kill(-c.pid, 'SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restartEmpty() {
      await stop();
      await start();
    },
    close: stop,
  };
}
