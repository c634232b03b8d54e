import type { Config } from '../config.js';
import { reports } from '../reports/catalog.js';
import type { PlannedReport } from './planner.js';
import { retentionFor } from './retention.js';

/**
 * The reports the nightly load and `backfill --report all` cover: `config.reports` (REPORTS) when the
 * configuration has it, else campaign performance by day. Each gets its retention from its request type.
 */

type Enabled = { report: PlannedReport['report']; aggregation: PlannedReport['aggregation'] };

export const DEFAULT_ENABLED_REPORTS: readonly Enabled[] = [{ report: 'campaign_performance', aggregation: 'Daily' }];

export function enabledReports(config: Config): PlannedReport[] {
  const configured = (config as Config & { reports?: readonly Enabled[] }).reports;
  return (configured && configured.length > 0 ? configured : DEFAULT_ENABLED_REPORTS).map((r) => plannedReport(r.report, r.aggregation));
}

export function plannedReport(report: PlannedReport['report'], aggregation: PlannedReport['aggregation']): PlannedReport {
  const requestType = (reports as Record<string, { requestType?: string } | undefined>)[report]?.requestType ?? '';
  return { report, aggregation, retention: retentionFor(requestType, aggregation) };
}
