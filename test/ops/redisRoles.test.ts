import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redactRedisUrl, redisUnreachableMessage } from '../../src/app/redis.js';
import { startRedisServer, type RedisServer } from '../../src/chaos/redisServer.js';

/** Resolves after the connection has scheduled `count` reconnect attempts (ioredis emits one 'reconnecting' each). */
function reconnectAttempts(redis: Redis, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onReconnecting = () => {
      if (++seen >= count) {
        redis.off('reconnecting', onReconnecting);
        resolve();
      }
    };
    redis.on('reconnecting', onReconnecting);
  });
}

describe('Redis connection roles through an outage', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("a 'producer' connection (short CLI commands) gives up: it ends after a few retries", async () => {
    const producer = createRedis(server.url, 'producer');
    try {
      expect(await producer.ping()).toBe('PONG');
      // events.once would reject on the connection's 'error' events; only the end matters here.
      const ended = new Promise<void>((resolve) => producer.once('end', () => resolve()));
      await server.kill();
      await ended;
      expect(producer.status).toBe('end');
    } finally {
      producer.disconnect();
      await server.start();
    }
  }, 30_000);

  it("a 'service' connection (scheduler, dashboard) fails a command while Redis is away, never ends, and works again once it is back", async () => {
    const service = createRedis(server.url, 'service');
    let ended = false;
    service.on('end', () => (ended = true));
    try {
      expect(await service.ping()).toBe('PONG');
      // More attempts than the producer role allows before it gives up.
      const attempts = reconnectAttempts(service, 8);
      await server.kill();
      await attempts;
      // A command during the outage fails on its own instead of hanging the caller (a health check, a tick) for ever.
      await expect(service.ping()).rejects.toThrow();
      expect(ended).toBe(false);
      expect(service.status).not.toBe('end');
      const ready = once(service, 'ready');
      await server.start();
      await ready;
      expect(await service.ping()).toBe('PONG');
      expect(ended).toBe(false);
    } finally {
      service.disconnect();
    }
  }, 60_000);
});

describe('the Redis unreachable line', () => {
  it('names REDIS_URL without its password and says how to start Redis', () => {
    expect(redactRedisUrl('redis://user:s3cret@redis.example:6380/2')).toBe('redis://user:***@redis.example:6380/2');
    expect(redactRedisUrl('redis://:s3cret@localhost:6379')).not.toContain('s3cret');
    expect(redactRedisUrl('not a url s3cret')).not.toContain('s3cret');
    const line = redisUnreachableMessage('redis://:s3cret@127.0.0.1:6399', new Error('connect ECONNREFUSED 127.0.0.1:6399'));
    expect(line).not.toContain('s3cret');
    expect(line).toContain('REDIS_URL=redis://:***@127.0.0.1:6399');
    expect(line).toContain('ECONNREFUSED');
    expect(line).toMatch(/redis-server/);
    expect(line).toMatch(/docker compose up -d redis/);
    expect(line.split('\n')).toHaveLength(1);
  });
});
