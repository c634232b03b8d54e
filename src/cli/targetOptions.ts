import { Command, Option } from 'commander';
import { aggregationSlug, aggregations, parseAggregation } from '../reports/aggregations.js';
import { reportNames } from '../reports/catalog.js';
import { builtinRegistry, type ReportRegistry } from '../reports/registry.js';
import type { TokenSource } from '../nango/tokenSource.js';
import { reportTargetSchema, type ReportTarget } from '../jobs/reportJobData.js';

/** The options that name one unit of work, shared by run-once and enqueue. */
export interface TargetOptions {
  connection: string;
  customer?: string;
  account?: string[];
  report: string;
  aggregation: string;
  from: string;
  to: string;
}

export function addTargetOptions(command: Command): Command {
  return command
    .requiredOption('--connection <id>', 'Nango connection id')
    .option('--customer <id>', 'Microsoft CustomerId (default: the connection metadata key customer_id)')
    .option('--account <id...>', 'Microsoft account id(s) (default: the connection metadata key account_ids)')
    // No fixed choices: custom reports of the configuration are valid names too (checked in resolveTargets).
    .addOption(new Option('--report <name>', `report: ${reportNames.join(', ')} or a custom report`).default('campaign_performance'))
    .addOption(new Option('--aggregation <name>', `aggregation: ${aggregations.map(aggregationSlug).join(', ')}`).default('daily'))
    .requiredOption('--from <YYYY-MM-DD>', 'first day of the window')
    .requiredOption('--to <YYYY-MM-DD>', 'last day of the window (inclusive)');
}

/** Ids from a Nango metadata value: an array, or a comma-separated string or number. */
export function metadataIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
  if (typeof value === 'string' || typeof value === 'number') return String(value).split(',').map((v) => v.trim()).filter(Boolean);
  return [];
}

/**
 * Turns CLI options into validated targets. Customer and accounts come from the flags or, when left
 * out, from the Nango connection's metadata (keys customer_id and account_ids).
 */
export async function resolveTargets(
  options: TargetOptions,
  tokens: TokenSource | null,
  reports: ReportRegistry = builtinRegistry,
): Promise<ReportTarget[]> {
  const report = reports.find(options.report);
  if (!report) throw new Error(`--report: unknown report "${options.report}"; known: ${reports.all().map((r) => r.name).join(', ')}`);
  const aggregation = parseAggregation(options.aggregation);
  if (!aggregation || !report.aggregations.includes(aggregation)) {
    throw new Error(`--aggregation: ${report.name} has ${report.aggregations.map(aggregationSlug).join(', ')}, not "${options.aggregation}"`);
  }
  let customer = options.customer;
  let accounts = options.account ?? [];
  if (!customer || accounts.length === 0) {
    if (!tokens) throw new Error('--customer and --account are required here');
    const metadata = await tokens.getConnectionMetadata(options.connection);
    customer ??= metadataIds(metadata['customer_id'])[0];
    if (accounts.length === 0) accounts = metadataIds(metadata['account_ids']);
    if (!customer) throw new Error(`no --customer given and connection "${options.connection}" has no customer_id in its Nango metadata`);
    if (accounts.length === 0) throw new Error(`no --account given and connection "${options.connection}" has no account_ids in its Nango metadata`);
  }
  return accounts.map((accountId) => {
    const parsed = reportTargetSchema.safeParse({
      connectionId: options.connection,
      customerId: customer,
      accountId,
      report: options.report,
      aggregation,
      from: options.from,
      to: options.to,
    });
    if (!parsed.success) {
      throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0] ?? 'options')}: ${i.message}`).join('; '));
    }
    return parsed.data;
  });
}
