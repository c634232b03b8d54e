import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunObserver } from '../jobs/observer.js';

/**
 * Prometheus counters and histograms of what this process's runs did (prom-client). They live in the
 * memory of the process that ran the work: every worker serves its own on /metrics (METRICS_PORT or
 * DASHBOARD_PORT) and Prometheus adds them up across workers (`sum by (report) (…)`). Gauges that any
 * process can compute from Redis and Postgres (queue depths, ledger counts, freshness) are in
 * clusterMetrics.ts instead.
 */

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const ROWS = [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

export function createRunMetrics(registry: Registry): RunObserver {
  const registers = [registry];
  const runs = new Counter({
    name: 'msads_report_runs_total',
    help: 'Report run attempts that ended, by outcome (succeeded, empty, retrying, failed) and error class.',
    labelNames: ['report', 'aggregation', 'outcome', 'error_class', 'api'] as const,
    registers,
  });
  const steps = new Histogram({
    name: 'msads_step_duration_seconds',
    help: 'Duration of one step of a run (submit, poll, download, load), including failed ones.',
    labelNames: ['step', 'report', 'result'] as const,
    buckets: SECONDS,
    registers,
  });
  const loadSeconds = new Histogram({
    name: 'msads_load_duration_seconds',
    help: 'Duration of loading one report file into Postgres (COPY, window replace, ledger update).',
    labelNames: ['report', 'aggregation'] as const,
    buckets: SECONDS,
    registers,
  });
  const loadRows = new Histogram({
    name: 'msads_load_rows',
    help: 'Rows loaded per run (the histogram sum is the total rows loaded).',
    labelNames: ['report', 'aggregation'] as const,
    buckets: ROWS,
    registers,
  });
  const calls = new Counter({
    name: 'msads_microsoft_calls_total',
    help: 'Calls to Microsoft Advertising by operation, API (rest or soap) and fault code (none = success; transport, protocol, or the numeric code).',
    labelNames: ['operation', 'fault_code', 'api'] as const,
    registers,
  });
  const callSeconds = new Histogram({
    name: 'msads_microsoft_call_duration_seconds',
    help: 'Duration of calls to Microsoft Advertising by operation and API.',
    labelNames: ['operation', 'api'] as const,
    buckets: SECONDS,
    registers,
  });
  const level = new Gauge({
    name: 'msads_concurrency_level',
    help: 'Learned concurrency level per customer (reports allowed pending at Microsoft at once), as this worker last saw it after a submit; max over workers is the shared value.',
    labelNames: ['customer_id'] as const,
    registers,
  });
  const entityRuns = new Counter({
    name: 'msads_entity_runs_total',
    help: 'Entity runs (Bulk downloads of one account) that ended, by mode (full, delta), outcome and error class.',
    labelNames: ['mode', 'outcome', 'error_class'] as const,
    registers,
  });
  const throttles = new Counter({
    name: 'msads_throttles_total',
    help: 'Waits because Microsoft throttled (117, 207, HTTP 429) or our shared limiter said so.',
    labelNames: ['source', 'code'] as const,
    registers,
  });
  const refreshes = new Counter({
    name: 'msads_token_refreshes_total',
    help: 'Access tokens refreshed through Nango after Microsoft answered 109 AuthenticationTokenExpired.',
    labelNames: ['connection_id'] as const,
    registers,
  });
  // Per connection and account: one series per account × enabled report × aggregation (rows) and per
  // account × outcome (runs); the per-report counters above stay small for dashboards over everything.
  const accountRows = new Counter({
    name: 'msads_rows_loaded_total',
    help: 'Rows loaded into Postgres, per connection, account, report and aggregation.',
    labelNames: ['connection_id', 'account_id', 'report', 'aggregation'] as const,
    registers,
  });
  const accountRuns = new Counter({
    name: 'msads_account_runs_total',
    help: 'Report run attempts that ended, per connection and account, by outcome (succeeded, empty, retrying, failed).',
    labelNames: ['connection_id', 'account_id', 'outcome'] as const,
    registers,
  });
  const polls = new Counter({
    name: 'msads_polls_total',
    help: 'PollGenerateReport calls that answered, by report.',
    labelNames: ['report', 'aggregation'] as const,
    registers,
  });

  return {
    async step(name, attributes, fn) {
      const end = steps.startTimer({ step: name, report: attributes.report });
      try {
        const result = await fn();
        end({ result: 'ok' });
        return result;
      } catch (err) {
        end({ result: 'error' });
        throw err;
      }
    },
    microsoftCall(operation, result, durationMs, api) {
      calls.inc({ operation, api, fault_code: result.ok ? 'none' : String(result.faultCode) });
      callSeconds.observe({ operation, api }, durationMs / 1000);
    },
    tokenRefreshed(connectionId) {
      refreshes.inc({ connection_id: connectionId });
    },
    throttled(source, attributes) {
      throttles.inc({ source, code: attributes.code === undefined ? 'none' : String(attributes.code) });
    },
    entityRunEnded(run, outcome, failure) {
      entityRuns.inc({ mode: run.mode, outcome, error_class: failure?.errorClass ?? 'none' });
    },
    concurrencyLevel(customerId, value) {
      level.set({ customer_id: customerId }, value);
    },
    polled(attributes) {
      polls.inc({ report: attributes.report, aggregation: attributes.aggregation });
    },
    loaded(attributes, rows, durationMs) {
      const labels = { report: attributes.report, aggregation: attributes.aggregation };
      loadSeconds.observe(labels, durationMs / 1000);
      loadRows.observe(labels, rows);
      accountRows.inc({ connection_id: attributes.connectionId, account_id: attributes.accountId, ...labels }, rows);
    },
    runEnded(attributes, outcome, errorClass) {
      runs.inc({ report: attributes.report, aggregation: attributes.aggregation, outcome, error_class: errorClass ?? 'none', api: attributes.api });
      accountRuns.inc({ connection_id: attributes.connectionId, account_id: attributes.accountId, outcome });
    },
  };
}
