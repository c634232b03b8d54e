import type { Config } from '../config.js';
import type { Aggregation } from '../reports/aggregations.js';
import { createReportRegistry, type ReportRegistry } from '../reports/registry.js';
import type { PlannedReport } from './planner.js';
import { retentionFor } from './retention.js';

/**
 * The reports the nightly load and `backfill --report all` cover: the configuration's enabled reports
 * (REPORTS / REPORTS_FILE, built-in and custom), each with Microsoft's retention for its request type.
 */
export function enabledReports(config: Config, registry: ReportRegistry = createReportRegistry(config.customReports)): PlannedReport[] {
  return config.reports.map((r) => plannedReport(registry, r.report, r.aggregation));
}

export function plannedReport(registry: ReportRegistry, report: string, aggregation: Aggregation): PlannedReport {
  return { report, aggregation, retention: retentionFor(registry.get(report).requestType, aggregation) };
}
