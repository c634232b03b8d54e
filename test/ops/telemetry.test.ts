import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport } from '../../src/jobs/reportQueue.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * OpenTelemetry over OTLP/HTTP to a local receiver: with OTEL_EXPORTER_OTLP_ENDPOINT set, a report job
 * exports BullMQ's job span and, inside it, one span per step (submit, poll, download, load) carrying
 * connection, account, report and ReportRequestId, and the run metrics. No token in any attribute.
 */

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
}

let env: E2eEnv;
let receiver: Server;
const bodies: { path: string; body: string }[] = [];
let obs: ProcessObservability;
let worker: RunningWorker;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  env = await startE2e('otel', { generationMs: 30 });
  env.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  env.env.OTEL_SERVICE_NAME = 'msads-etl-test';
  env.config = loadConfig(env.env);
  obs = createProcessObservability(env.config, env.logger);
  worker = await startWorkerProcess(env.config, env.logger, { observer: obs.observer, telemetry: obs.telemetry?.bullmq });
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix, 'reports', obs.telemetry?.bullmq);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents('reports', { connection: eventsConnection, prefix: env.prefix });
  await events.waitUntilReady();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await obs?.close();
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

const attr = (span: OtlpSpan, key: string): string | undefined => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : String(v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue);
};

describe('OpenTelemetry', () => {
  it('exports one span per step inside the job span, with ids and never a token, and the run metrics', async () => {
    expect(obs.telemetry).toBeDefined();
    const connection = env.simOptions.connections[0]!;
    const target = {
      connectionId: connection.connectionId,
      customerId: connection.customerId,
      accountId: connection.accountIds[0]!,
      report: 'campaign_performance' as const,
      aggregation: 'Daily' as const,
      from: '2026-10-01',
      to: '2026-10-03',
    };
    const { jobId } = await enqueueReport(queue, target, { attempts: 2 });
    const summary = (await (await queue.getJob(jobId))!.waitUntilFinished(events, 60_000)) as { reportRequestId: string };
    const exported = () =>
      bodies
        .filter((b) => b.path === '/v1/traces')
        .flatMap((b) => (JSON.parse(b.body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans)
        .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    // The job's last span ends just after the queue reports it completed: flush until it is exported.
    let spans: OtlpSpan[] = [];
    for (let i = 0; i < 50; i++) {
      await obs.telemetry!.flush();
      spans = exported();
      const ids = new Set(spans.map((s) => s.spanId));
      if (spans.some((s) => s.name === 'msads.load') && spans.filter((s) => s.name.startsWith('msads.')).every((s) => ids.has(s.parentSpanId ?? ''))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const steps = spans.filter((s) => s.name.startsWith('msads.'));
    expect(new Set(steps.map((s) => s.name))).toEqual(new Set(['msads.submit', 'msads.poll', 'msads.download', 'msads.load']));
    for (const step of steps) {
      expect(attr(step, 'msads.connection_id')).toBe(connection.connectionId);
      expect(attr(step, 'msads.account_id')).toBe(target.accountId);
      expect(attr(step, 'msads.report')).toBe('campaign_performance');
      expect(attr(step, 'msads.report_request_id')).toBe(summary.reportRequestId);
      // Each step is a child of BullMQ's span of the job (bullmq-otel), in the same trace.
      const parent = spans.find((s) => s.spanId === step.parentSpanId);
      expect(parent?.name, step.name).toBe('process reports');
      expect(parent?.traceId).toBe(step.traceId);
    }
    const everything = bodies.map((b) => b.body).join('\n');
    for (const secret of [...env.sim.issuedSecrets(), env.simOptions.developerToken, env.simOptions.nangoSecretKey]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain('msads-etl-test');

    await obs.telemetry!.flush();
    const metrics = bodies.filter((b) => b.path === '/v1/metrics').map((b) => b.body).join('\n');
    expect(metrics).toContain('msads.report_runs');
    expect(metrics).toContain('msads.load.rows');
    expect(metrics).toContain('msads.microsoft.calls');
  });
});
