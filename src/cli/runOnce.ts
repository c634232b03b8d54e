import type { Command } from 'commander';
import { createRunDeps } from '../app/runDeps.js';
import { loadConfig } from '../config.js';
import { runMigrations } from '../db/migrate.js';
import { runInForeground } from '../jobs/runInForeground.js';
import { startTelemetry } from '../observability/telemetry.js';
import { cliLogger } from './output.js';
import { addTargetOptions, resolveTargets, type TargetOptions } from './targetOptions.js';

export function registerRunOnce(program: Command): void {
  addTargetOptions(
    program
      .command('run-once')
      .description('run one report end to end in the foreground, without Redis, and print what happened'),
  ).action(async (options: TargetOptions) => {
    const config = loadConfig();
    const logger = cliLogger(config.logLevel);
    // Traces and metrics of the run when OTEL_EXPORTER_OTLP_ENDPOINT is set (no Redis here, so no alerts).
    const telemetry = config.otel.endpoint ? startTelemetry({ serviceName: config.otel.serviceName, endpoint: config.otel.endpoint }) : undefined;
    const { deps, close } = await createRunDeps(config, logger, telemetry ? { observer: telemetry.observer } : {});
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await runMigrations(deps.database.pool, { reports: deps.reports, enabled: config.reports });
      const targets = await resolveTargets(options, deps.tokens, deps.reports);
      for (const target of targets) {
        process.stdout.write(`${target.report} ${target.aggregation} account ${target.accountId} ${target.from}..${target.to}\n`);
        const result = await runInForeground(deps, target, {
          attempts: config.worker.attempts,
          backoffMs: config.worker.backoffMs,
          signal: abort.signal,
          onWait: (e) => {
            if (e.reason === 'pending') {
              process.stdout.write(`  pending: ReportRequestId ${e.data.reportRequestId ?? '?'}, poll ${e.data.polls}\n`);
            } else {
              process.stdout.write(`  waiting (${e.reason}) ${Math.round((e.untilMs - Date.now()) / 1000)} s\n`);
            }
          },
        });
        process.stdout.write(
          [
            `  run ${result.runId}: ${result.status} (over ${result.api === 'rest' ? 'REST' : 'SOAP'})`,
            `  ReportRequestId ${result.reportRequestId ?? '-'}`,
            `  submits ${result.submits}, polls ${result.polls}`,
            `  bytes ${result.bytes}, rows ${result.rows}${result.repeatedRows > 0 ? ` (${result.repeatedRows} repeating an earlier row's attributes, kept)` : ''}`,
            ...(result.provisional ? ['  provisional: Microsoft says the last day may still change; the nightly lookback re-pulls it first'] : []),
            ...result.warnings.map((w) => `  warning: ${w}`),
            `  duration ${(result.durationMs / 1000).toFixed(1)} s`,
          ].join('\n') + '\n',
        );
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await close();
      await telemetry?.shutdown();
    }
  });
}
