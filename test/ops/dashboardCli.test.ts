import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/** `msads-etl dashboard` as a process: refuses to run unauthenticated off loopback, serves and stops cleanly. */

let db: TestDatabase;
let redis: ReturnType<typeof createTestPrefix>;
beforeAll(async () => {
  db = await createTestDatabase('dashboard_cli');
  redis = createTestPrefix('dashcli');
});
afterAll(async () => {
  await db?.drop();
  await redis?.cleanup();
});

describe('msads-etl dashboard', () => {
  it('refuses to listen on a non-loopback address without credentials (exit 2)', async () => {
    const result = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('would listen on 0.0.0.0 without authentication');
    expect(result.stderr).toContain('DASHBOARD_TOKEN');
  });

  it('serves with a bearer token and stops on SIGTERM', async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: redis.prefix, DASHBOARD_TOKEN: 'cli-token-123', LOG_LEVEL: 'warn' };
    const { child, output, exited } = startCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], env);
    try {
      let url: string | undefined;
      for (let i = 0; i < 100 && !url; i++) {
        url = /Dashboard: (http:\/\/\S+)\/ /.exec(output())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, output()).toBeDefined();
      const local = url!.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${local}/healthz`)).status).toBe(200);
      // /readyz is 503 until the dashboard's Redis connection is up (it says so at once, by design): wait for it.
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await fetch(`${local}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(200);
      expect((await fetch(`${local}/queues/api/queues`)).status).toBe(401);
      const queues = await fetch(`${local}/queues/api/queues`, { headers: { authorization: 'Bearer cli-token-123' } });
      expect(queues.status).toBe(200);
      const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
      expect(names).toEqual(['reports', 'scheduler']);
      expect(output()).not.toContain('cli-token-123');
    } finally {
      child.kill('SIGTERM');
    }
    const result = await exited;
    expect(result.code).toBe(0);
  });
});
