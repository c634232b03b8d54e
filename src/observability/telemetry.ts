import { metrics, SpanStatusCode, trace, type Attributes, type Meter, type Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BullMQOtel } from 'bullmq-otel';
import type { RunAttributes, RunObserver } from '../jobs/observer.js';

/**
 * OpenTelemetry, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: traces and metrics over OTLP/HTTP. BullMQ
 * traces its own job spans through bullmq-otel (the `telemetry` option of Queue and Worker); inside a
 * job span every step of a run (submit, poll, download, load) gets a span of its own carrying the
 * connection, account, report, aggregation, run id and ReportRequestId. Ids only: a token never
 * becomes an attribute (the observer seam never receives one).
 */

export const TRACER_NAME = 'msads-etl';

export interface Telemetry {
  /** For Queue/Worker `telemetry`: BullMQ's own spans and metrics. */
  bullmq: BullMQOtel;
  observer: RunObserver;
  tracer: Tracer;
  meter: Meter;
  /** Flushes what is buffered to the exporters (tests; shutdown calls it too). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL, e.g. http://collector:4318; signals go to /v1/traces and /v1/metrics. */
  endpoint?: string | undefined;
  /** Instead of the OTLP exporters (tests: in-memory exporters). */
  spanProcessor?: SpanProcessor;
  spanExporter?: SpanExporter;
  metricReader?: IMetricReader;
  metricIntervalMs?: number;
  version?: string;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({ 'service.name': options.serviceName, ...(options.version ? { 'service.version': options.version } : {}) });
  const base = options.endpoint?.replace(/\/+$/, '');
  const spanProcessor =
    options.spanProcessor ??
    new BatchSpanProcessor(options.spanExporter ?? new OTLPTraceExporter({ url: `${base ?? 'http://localhost:4318'}/v1/traces` }));
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global registration: bullmq-otel reads the global tracer and meter, and the AsyncLocalStorage context
  // manager makes a step span the child of BullMQ's job span.
  tracerProvider.register();
  const metricReader =
    options.metricReader ??
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${base ?? 'http://localhost:4318'}/v1/metrics` }),
      exportIntervalMillis: options.metricIntervalMs ?? 60_000,
    });
  const meterProvider = new MeterProvider({ resource, readers: [metricReader] });
  metrics.setGlobalMeterProvider(meterProvider);

  const tracer = tracerProvider.getTracer(TRACER_NAME, options.version);
  const meter = meterProvider.getMeter(TRACER_NAME, options.version);
  const bullmq = new BullMQOtel({ tracerName: TRACER_NAME, meterName: TRACER_NAME, enableMetrics: true, ...(options.version ? { version: options.version } : {}) });
  let down: Promise<void> | undefined;
  return {
    bullmq,
    observer: createOtelObserver(tracer, meter),
    tracer,
    meter,
    async flush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown() {
      down ??= (async () => {
        await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
        trace.disable();
        metrics.disable();
      })();
      return down;
    },
  };
}

/** Span attributes of a run: ids, never a token. */
export function runSpanAttributes(a: RunAttributes): Attributes {
  return {
    'msads.api': a.api,
    'msads.connection_id': a.connectionId,
    'msads.account_id': a.accountId,
    'msads.report': a.report,
    'msads.aggregation': a.aggregation,
    'msads.run_id': a.runId,
    ...(a.reportRequestId ? { 'msads.report_request_id': a.reportRequestId } : {}),
  };
}

export function createOtelObserver(tracer: Tracer, meter: Meter): RunObserver {
  const runs = meter.createCounter('msads.report_runs', { description: 'Report run attempts that ended, by outcome and error class.' });
  const calls = meter.createCounter('msads.microsoft.calls', { description: 'Calls to Microsoft Advertising by operation and fault code.' });
  const callDuration = meter.createHistogram('msads.microsoft.call.duration', { unit: 's', description: 'Duration of calls to Microsoft Advertising.' });
  const throttles = meter.createCounter('msads.throttles', { description: 'Waits because Microsoft or the shared limiter throttled.' });
  const refreshes = meter.createCounter('msads.token_refreshes', { description: 'Access tokens refreshed after 109.' });
  const polls = meter.createCounter('msads.polls', { description: 'PollGenerateReport calls that answered.' });
  const loadDuration = meter.createHistogram('msads.load.duration', { unit: 's', description: 'Duration of one report load into Postgres.' });
  const loadRows = meter.createHistogram('msads.load.rows', { description: 'Rows loaded per run.' });

  return {
    step(name, attributes, fn) {
      return tracer.startActiveSpan(`msads.${name}`, { attributes: { ...runSpanAttributes(attributes), 'msads.step': name } }, async (span) => {
        try {
          const result = await fn();
          // Submit learns the ReportRequestId: put it on its own span too.
          const id = (result as { reportRequestId?: unknown } | null)?.reportRequestId;
          if (typeof id === 'string') span.setAttribute('msads.report_request_id', id);
          return result;
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          // Error messages are built from ids and Microsoft's text only (src/errors.ts), never a token.
          span.recordException({ name: e.name, message: e.message });
          span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    microsoftCall(operation, result, durationMs, api) {
      const attrs = { 'msads.operation': operation, 'msads.api': api, 'msads.fault_code': result.ok ? 'none' : String(result.faultCode) };
      calls.add(1, attrs);
      callDuration.record(durationMs / 1000, { 'msads.operation': operation, 'msads.api': api });
    },
    tokenRefreshed(connectionId) {
      refreshes.add(1, { 'msads.connection_id': connectionId });
    },
    throttled(source, attributes) {
      throttles.add(1, { 'msads.source': source, 'msads.code': attributes.code === undefined ? 'none' : String(attributes.code) });
    },
    // The level is a Prometheus gauge (runMetrics.ts); OTel export of gauges is not set up here.
    concurrencyLevel: () => undefined,
    entityRunEnded: () => undefined,
    polled(attributes) {
      polls.add(1, { 'msads.report': attributes.report, 'msads.aggregation': attributes.aggregation });
    },
    loaded(attributes, rows, durationMs) {
      const attrs = { 'msads.report': attributes.report, 'msads.aggregation': attributes.aggregation };
      loadDuration.record(durationMs / 1000, attrs);
      loadRows.record(rows, attrs);
    },
    runEnded(attributes, outcome, errorClass) {
      runs.add(1, { 'msads.report': attributes.report, 'msads.aggregation': attributes.aggregation, 'msads.outcome': outcome, 'msads.error_class': errorClass ?? 'none', 'msads.api': attributes.api });
    },
  };
}
