import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * `msads-etl scheduler` as a process: it serves /healthz and /metrics on METRICS_PORT and runs the
 * connection health check, so a connection whose Nango grant was revoked reaches the webhook once.
 */

let env: E2eEnv;
let receiver: Server;
const received: { kind: string; connection_id: string }[] = [];

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body) as { kind: string; connection_id: string });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  env = await startE2e('schedops', {
    connections: [
      { connectionId: 'fine', customerId: '6000001', accountIds: ['650000001'] },
      { connectionId: 'gone', customerId: '7000001', accountIds: ['750000001'] },
    ],
  });
});

afterAll(async () => {
  await env?.cleanup();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

describe('scheduler process', () => {
  it('serves its health and metrics and alerts once for a revoked connection', async () => {
    env.sim.faults.revokedConnections.add('gone');
    const port = await freePort();
    const { child, output, exited } = startCli(['scheduler', '--tick-now'], {
      ...env.env,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      ALERT_CHECK_INTERVAL_MS: '1000',
    });
    try {
      for (let i = 0; i < 150 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(received, output()).toHaveLength(1);
      expect(received[0]).toMatchObject({ kind: 'needs_reauth', connection_id: 'gone' });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('process_cpu_user_seconds_total');
      // More checks, still one message.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(received).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await exited).code).toBe(0);
  });
});
