import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startDashboard, type RunningDashboard } from '../../src/app/dashboardProcess.js';
import { createProcessObservability, type ProcessObservability } from '../../src/app/observability.js';
import { createRedis } from '../../src/app/redis.js';
import { startWorkerProcess, type RunningWorker } from '../../src/app/workerProcess.js';
import { loadConfig } from '../../src/config.js';
import { createReportQueue, enqueueReport, REPORT_QUEUE } from '../../src/jobs/reportQueue.js';
import { addDays, todayIn } from '../../src/schedule/dates.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The shipped Grafana dashboard (ops/grafana/msads-etl.json) and Prometheus alert rules
 * (ops/prometheus/alerts.yml): both parse, and every metric and label they use is exported by the code,
 * as read from a real /metrics after a demo-like run (simulator → worker → Postgres, accounts
 * discovered, one connection with dead credentials). Where promtool is installed, the rules are also
 * checked and evaluated on that /metrics output and on synthetic series (lag thresholds, paused,
 * re-authorization, no worker, backlog).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const ALERTS = join(ROOT, 'ops/prometheus/alerts.yml');
const DASHBOARD = join(ROOT, 'ops/grafana/msads-etl.json');
/** Prometheus's own series (not exported by msads-etl). */
const PROMETHEUS_OWN = new Set(['up']);

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Sample {
  name: string;
  labels: Record<string, string>;
  labelText: string;
  value: string;
}

let env: E2eEnv;
let obs: ProcessObservability;
let worker: RunningWorker;
let dashboard: RunningDashboard;
let producer: Redis;
let eventsConnection: Redis;
let queue: Queue;
let events: QueueEvents;
let exposition: string;
let exported: Set<string>;
let samples: Sample[];

const connections = [
  { connectionId: 'good', customerId: '2000001', accountIds: ['250000001', '250000002'] },
  { connectionId: 'bad', customerId: '3000001', accountIds: ['350000001'] },
];

beforeAll(async () => {
  env = await startE2e('shipped_dashboards', { connections, generationMs: 50 });
  Object.assign(env.env, { THROTTLE_WAIT_MS: '50', MSADS_CALLS_PER_MINUTE: '100000' });
  env.config = loadConfig(env.env);
  obs = createProcessObservability(env.config, env.logger, { alerts: false });
  worker = await startWorkerProcess(env.config, env.logger, { observer: obs.observer });
  dashboard = await startDashboard(env.config, env.logger, obs, { host: '127.0.0.1', port: 0, monitor: false });
  producer = createRedis(env.config.redisUrl, 'producer');
  queue = createReportQueue(producer, env.prefix);
  eventsConnection = createRedis(env.config.redisUrl);
  events = new QueueEvents(REPORT_QUEUE, { connection: eventsConnection, prefix: env.prefix });
  await events.waitUntilReady();

  // Discovered accounts: the two of `good` load, a third of `good` is never planned, `bad`'s fails (105).
  const pool = env.db.database.pool;
  for (const [connectionId, accountId] of [['good', '250000001'], ['good', '250000002'], ['good', '250000003'], ['bad', '350000001']]) {
    await pool.query(`INSERT INTO accounts (connection_id, account_id, parent_customer_id, lifecycle_status) VALUES ($1, $2, 1, 'Active')`, [connectionId, accountId]);
  }
  env.sim.faults.invalidCredentialConnections.add('bad');
  // One throttle, so the throttle series (and its labels) are on /metrics.
  env.sim.faults.throttleNext = 1;
  const yesterday = addDays(todayIn('Europe/London', new Date()), -1);
  const targets = [
    { connectionId: 'good', customerId: '2000001', accountId: '250000001' },
    { connectionId: 'good', customerId: '2000001', accountId: '250000002' },
    { connectionId: 'bad', customerId: '3000001', accountId: '350000001' },
  ];
  await Promise.all(
    targets.map(async (t) => {
      const { jobId } = await enqueueReport(queue, { ...t, report: 'campaign_performance', aggregation: 'Daily', from: addDays(yesterday, -2), to: yesterday }, { attempts: 1 });
      await (await queue.getJob(jobId))!.waitUntilFinished(events, 60_000).catch(() => undefined);
    }),
  );
  await pool.query(`INSERT INTO connections (connection_id) VALUES ('good') ON CONFLICT DO NOTHING`);

  const res = await fetch(`${dashboard.server.url}/metrics`);
  expect(res.status).toBe(200);
  exposition = await res.text();
  exported = exportedNames(exposition);
  samples = parseSamples(exposition);
}, 120_000);

afterAll(async () => {
  await worker?.stop(5_000);
  await dashboard?.stop();
  await obs?.close();
  await events?.close();
  eventsConnection?.disconnect();
  await queue?.close();
  producer?.disconnect();
  await env?.cleanup();
});

/** Every name /metrics declares (`# TYPE`), with a histogram's _bucket, _sum and _count. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, labelText: m[2] ?? '', value: m[3]! });
  }
  return out;
}

/** Metric names a PromQL expression reads: our prefixes plus Prometheus's own, quoted strings skipped. */
function metricNames(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set([...bare.matchAll(/\b(msads_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b(?!\s*\()/g)].map((m) => m[1]!))];
}

/** Label names an expression selects on (`metric{label=…}`) and groups by (`by (…)`, `on (…)`). */
function labelUses(expr: string): { selectors: [string, string][]; grouping: string[] } {
  const selectors: [string, string][] = [];
  for (const [, metric, body] of expr.matchAll(/\b([a-z_][a-z0-9_]*)\{([^}]*)\}/g)) {
    for (const [, label] of body!.matchAll(/([a-z_][a-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) selectors.push([metric!, label!]);
  }
  const grouping = [...expr.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  return { selectors, grouping };
}

function labelsOf(metric: string): Set<string> {
  return new Set(samples.filter((s) => s.name === metric).flatMap((s) => Object.keys(s.labels)));
}

/** Every name and label an expression uses is exported; labels are checked on metrics with samples. */
function expectExported(where: string, expr: string): void {
  const names = metricNames(expr);
  expect(names.length, `${where}: no metric in ${expr}`).toBeGreaterThan(0);
  for (const name of names) expect(exported.has(name) || PROMETHEUS_OWN.has(name), `${where}: ${name} is not exported`).toBe(true);
  const { selectors, grouping } = labelUses(expr);
  for (const [metric, label] of selectors) {
    if (PROMETHEUS_OWN.has(metric) || labelsOf(metric).size === 0) continue;
    expect(labelsOf(metric).has(label), `${where}: ${metric} has no label ${label}`).toBe(true);
  }
  const available = new Set(names.flatMap((n) => [...labelsOf(n)]).concat(['le']));
  if (names.every((n) => labelsOf(n).size === 0)) return;
  for (const label of grouping) expect(available.has(label), `${where}: no metric of ${expr} has label ${label}`).toBe(true);
}

function rules(): Rule[] {
  const doc = parse(readFileSync(ALERTS, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

describe('shipped Prometheus alert rules', () => {
  it('parse, cover what an operator needs, and use only exported metrics and labels', () => {
    const all = rules();
    expect(all.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['MsadsTargetBehind', 'MsadsTargetFailing', 'MsadsConnectionNeedsReauth', 'MsadsQueueBacklog', 'MsadsNoWorker']),
    );
    for (const r of all) {
      expect(r.labels?.['severity'], r.alert).toMatch(/^(warning|critical)$/);
      expect(r.annotations?.['summary'], r.alert).toBeTruthy();
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expectExported(`alert ${r.alert}`, r.expr);
    }
  });

  it('the demo run exports the series the rules need: a never-loaded target at +Inf, the threshold, re-authorization, workers', () => {
    const lag = samples.filter((s) => s.name === 'msads_target_freshness_lag_days');
    expect(lag.map((s) => [s.labels['connection_id'], s.labels['account_id'], s.value])).toEqual([
      ['bad', '350000001', '+Inf'],
      ['good', '250000001', '0'],
      ['good', '250000002', '0'],
      ['good', '250000003', '+Inf'],
    ]);
    expect(samples.find((s) => s.name === 'msads_freshness_max_lag_days')?.value).toBe(String(env.config.alerts.freshnessMaxLagDays));
    expect(samples.find((s) => s.name === 'msads_connection_needs_reauth' && s.labels['connection_id'] === 'bad')?.value).toBe('1');
    expect(samples.find((s) => s.name === 'msads_queue_workers' && s.labels['queue'] === 'reports')?.value).toBe('1');
  });
});

describe('shipped Grafana dashboard', () => {
  it('is importable (uid, title, a datasource variable, panels with PromQL) and uses only exported metrics and labels', () => {
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      uid: string;
      title: string;
      schemaVersion: number;
      templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
      panels: { id: number; type: string; title: string; gridPos: object; datasource?: { uid: string }; targets?: { expr: string; refId: string; datasource: { uid: string } }[] }[];
    };
    expect(d.uid).toBe('msads-etl');
    expect(d.title).toBeTruthy();
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    const ds = d.templating.list.find((v) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      expect(v.datasource?.uid).toBe('${datasource}');
      expectExported(`variable ${v.name}`, (v.query as { query: string }).query);
    }
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    const withQueries = d.panels.filter((p) => p.type !== 'row');
    expect(withQueries.length).toBeGreaterThanOrEqual(10);
    for (const p of withQueries) {
      expect(p.gridPos, p.title).toBeTruthy();
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource.uid).toBe('${datasource}');
        expectExported(`panel "${p.title}"`, t.expr);
      }
    }
  });
});

describe('docker-compose.yml', () => {
  it('runs Prometheus and Grafana only under the observability profile, mounting the shipped files', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { profiles?: string[]; volumes?: string[] }> };
    for (const name of ['prometheus', 'grafana']) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(['observability']);
      const mounts = (service.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0]!);
      expect(mounts.length).toBeGreaterThan(0);
      for (const m of mounts) expect(() => readFileSync(join(ROOT, m, m.endsWith('provisioning') ? 'datasources/prometheus.yml' : ''))).not.toThrow();
    }
    for (const name of ['postgres', 'redis', 'migrate', 'worker', 'scheduler', 'dashboard']) expect(compose.services[name]?.profiles).toBeUndefined();
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe.skipIf(!promtool)('alert rules evaluated by promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'msads-rules-'));
    // promtool compares annotations exactly: the expressions, `for` and labels are what is tested here.
    const doc = parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: Rule[] }[] };
    for (const g of doc.groups) for (const r of g.rules) delete r.annotations;
    writeFileSync(join(dir, 'rules.yml'), stringify(doc));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (tests: object[]): string => {
    const file = join(dir, `test-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(file, stringify({ rule_files: [join(dir, 'rules.yml')], evaluation_interval: '1m', tests }));
    try {
      return execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`${e.stdout ?? ''}${e.stderr ?? ''}` || String(err));
    }
  };
  const flat = (value: string, minutes: number) => `${value}+0x${minutes}`;

  it('promtool check rules accepts the file', () => {
    expect(execFileSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('fire on the demo run’s real /metrics: the never-loaded targets are behind, the dead connection needs re-authorization', () => {
    const job = { job: 'msads-dashboard', instance: 'dashboard:3000' };
    const gauges = samples.filter((s) => /^msads_(target|connection|queue|scrape|freshness)_/.test(s.name));
    const series = gauges.map((s) => {
      const labels = { ...s.labels, ...job };
      const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      return { series: `${s.name}{${text}}`, values: flat(s.value, 300) };
    });
    series.push({ series: `up{job="msads-dashboard",instance="dashboard:3000"}`, values: flat('1', 300) });
    const target = (connection_id: string, account_id: string) => ({ ...job, connection_id, account_id, report: 'campaign_performance', aggregation: 'Daily', severity: 'warning' });
    run([
      {
        interval: '1m',
        input_series: series,
        alert_rule_test: [
          { eval_time: '4h', alertname: 'MsadsTargetBehind', exp_alerts: [{ exp_labels: target('bad', '350000001') }, { exp_labels: target('good', '250000003') }] },
          { eval_time: '4h', alertname: 'MsadsConnectionNeedsReauth', exp_alerts: [{ exp_labels: { connection_id: 'bad', severity: 'critical' } }] },
          // bad's failing target is its connection's re-authorization, alerted once, above.
          { eval_time: '4h', alertname: 'MsadsTargetFailing', exp_alerts: [] },
          { eval_time: '4h', alertname: 'MsadsNoWorker', exp_alerts: [] },
          { eval_time: '4h', alertname: 'MsadsMetricsSourceDown', exp_alerts: [] },
          { eval_time: '4h', alertname: 'MsadsDashboardDown', exp_alerts: [] },
        ],
      },
    ]);
  });

  it('fire on synthetic series: the configured threshold, paused connections, failing targets, no worker, backlog, a missing dashboard', () => {
    const t = (connection: string, account: string) => `{connection_id="${connection}",account_id="${account}",report="r",aggregation="Daily"}`;
    const labels = (connection: string, account: string, severity: string) => ({ connection_id: connection, account_id: account, report: 'r', aggregation: 'Daily', severity });
    run([
      {
        interval: '1m',
        input_series: [
          { series: `msads_target_freshness_lag_days${t('a', '1')}`, values: flat('3', 300) },
          { series: `msads_target_freshness_lag_days${t('a', '2')}`, values: flat('2', 300) },
          { series: `msads_target_freshness_lag_days${t('p', '3')}`, values: flat('+Inf', 300) },
          { series: 'msads_connection_paused{connection_id="p"}', values: flat('1', 300) },
          { series: 'msads_connection_paused{connection_id="a"}', values: flat('0', 300) },
          { series: `msads_target_failing${t('a', '1')}`, values: flat('1', 300) },
          { series: `msads_target_failing${t('r', '4')}`, values: flat('1', 300) },
          { series: 'msads_connection_needs_reauth{connection_id="r"}', values: flat('1', 300) },
          { series: 'msads_connection_needs_reauth{connection_id="a"}', values: flat('0', 300) },
          { series: 'msads_queue_workers{queue="reports"}', values: flat('0', 300) },
          { series: 'msads_queue_jobs{queue="reports",state="waiting"}', values: flat('5', 300) },
          { series: 'msads_queue_jobs{queue="reports",state="prioritized"}', values: flat('1', 300) },
        ],
        alert_rule_test: [
          // No msads_freshness_max_lag_days: 2 days; 3 is behind, 2 is not, a paused connection never.
          { eval_time: '2h', alertname: 'MsadsTargetBehind', exp_alerts: [{ exp_labels: labels('a', '1', 'warning') }] },
          { eval_time: '30m', alertname: 'MsadsTargetBehind', exp_alerts: [] },
          { eval_time: '1h', alertname: 'MsadsTargetFailing', exp_alerts: [{ exp_labels: labels('a', '1', 'warning') }] },
          { eval_time: '1h', alertname: 'MsadsConnectionNeedsReauth', exp_alerts: [{ exp_labels: { connection_id: 'r', severity: 'critical' } }] },
          { eval_time: '1h', alertname: 'MsadsNoWorker', exp_alerts: [{ exp_labels: { queue: 'reports', severity: 'critical' } }] },
          { eval_time: '2h', alertname: 'MsadsQueueBacklog', exp_alerts: [] },
          { eval_time: '4h', alertname: 'MsadsQueueBacklog', exp_alerts: [{ exp_labels: { queue: 'reports', severity: 'warning' } }] },
          { eval_time: '1h', alertname: 'MsadsDashboardDown', exp_alerts: [{ exp_labels: { severity: 'critical' } }] },
        ],
      },
      {
        interval: '1m',
        input_series: [
          { series: `msads_target_freshness_lag_days${t('a', '1')}`, values: flat('3', 300) },
          { series: `msads_target_freshness_lag_days${t('a', '2')}`, values: flat('+Inf', 300) },
          // FRESHNESS_MAX_LAG_DAYS=5 as two processes export it: 3 days is fine, never loaded is not.
          { series: 'msads_freshness_max_lag_days{instance="w1"}', values: flat('5', 300) },
          { series: 'msads_freshness_max_lag_days{instance="w2"}', values: flat('5', 300) },
          { series: 'up{job="msads-dashboard"}', values: flat('1', 300) },
        ],
        alert_rule_test: [
          { eval_time: '2h', alertname: 'MsadsTargetBehind', exp_alerts: [{ exp_labels: labels('a', '2', 'warning') }] },
          { eval_time: '2h', alertname: 'MsadsDashboardDown', exp_alerts: [] },
        ],
      },
    ]);
  });
});
