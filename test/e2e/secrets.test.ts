import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/app/redis.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { runCli, startCli, waitFor } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Runs whole loads — with token expiry, throttling, internal errors, a failing account and a resubmit on
 * the way — through a real worker process and run-once, then searches every log line, every ledger row
 * and every Redis key of the run for the secrets involved. There must be no hit at all.
 */

const DEVELOPER_TOKEN = 'DevTok-7f3a9c1e-SECRET';
const NANGO_SECRET = 'nango-sk-5b2e8d40-SECRET';

let env: E2eEnv;

beforeAll(async () => {
  env = await startE2e('secrets', { developerToken: DEVELOPER_TOKEN, nangoSecretKey: NANGO_SECRET, generationMs: 50 });
  Object.assign(env.env, {
    LOG_LEVEL: 'trace',
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '20',
    POLL_INITIAL_MS: '30',
    POLL_MAX_MS: '60',
    THROTTLE_WAIT_MS: '50',
  });
});

afterAll(async () => {
  await env?.cleanup();
});

async function redisDump(prefix: string): Promise<string> {
  const redis = new Redis(TEST_REDIS_URL);
  const parts: string[] = [];
  try {
    for (const key of await redis.keys(`${prefix}*`)) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'string') parts.push(String(await redis.get(key)));
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.call('ZRANGE', key, '0', '-1', 'WITHSCORES')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

describe('secrets never leak', () => {
  it('appear in no log line, ledger row or Redis key after whole loads with faults', async () => {
    const connection = env.simOptions.connections[0]!;
    const producer = createRedis(env.config.redisUrl, 'producer');
    const queue = createReportQueue(producer, env.prefix);
    const worker = startCli(['worker'], env.env);
    try {
      env.sim.faults.throttleNext = 1;
      env.sim.faults.internalErrorNext = 1;
      env.sim.faults.statusErrorNext = 1;
      env.sim.expireTokens();
      const windows = [
        { from: '2026-10-01', to: '2026-10-02' },
        { from: '2026-10-03', to: '2026-10-04' },
      ];
      for (const accountId of [...connection.accountIds, '999999999']) {
        for (const w of windows) {
          await enqueueReport(
            queue,
            { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report: 'campaign_performance', aggregation: 'Daily', ...w },
            { attempts: 3 },
          );
        }
      }
      await waitFor('every run to finish', async () => {
        const r = await env.db.database.pool.query(`SELECT count(*)::int AS n FROM report_runs WHERE status IN ('succeeded', 'failed', 'empty')`);
        return r.rows[0].n === 6;
      });
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await queue.close();
      producer.disconnect();
    }
    // A foreground run too, including a failure printed to the terminal.
    env.sim.expireTokens();
    const ok = await runCli(['run-once', '--connection', connection.connectionId, '--from', '2026-10-05', '--to', '2026-10-05'], env.env);
    const failed = await runCli(
      ['run-once', '--connection', connection.connectionId, '--customer', connection.customerId, '--account', '999999999', '--from', '2026-10-05', '--to', '2026-10-05'],
      env.env,
    );
    expect(ok.code).toBe(0);
    expect(failed.code).not.toBe(0);

    const runs = await env.db.database.pool.query(`SELECT row_to_json(r)::text AS row FROM report_runs r`);
    expect(runs.rows.some((r) => r.row.includes('"failed"'))).toBe(true);
    const haystacks = {
      logs: (await worker.exited).stdout + (await worker.exited).stderr + ok.stdout + ok.stderr + failed.stdout + failed.stderr,
      ledger: runs.rows.map((r) => r.row).join('\n'),
      redis: await redisDump(env.prefix),
    };
    expect(haystacks.logs.split('\n').length).toBeGreaterThan(20);
    expect(haystacks.redis.length).toBeGreaterThan(100);

    const secrets = [DEVELOPER_TOKEN, NANGO_SECRET, ...env.sim.issuedSecrets()];
    expect(secrets.length).toBeGreaterThan(4);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) {
        expect(text.includes(secret), `${where} contains a secret (${secret.slice(0, 6)}…)`).toBe(false);
      }
    }
  });
});
