import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseAggregation, type Aggregation } from './aggregations.js';
import type { ReportDefinition } from './catalog.js';
import { customReportDefinition, customReportProblems, customReportSchema } from './customReports.js';
import { createReportRegistry } from './registry.js';

/**
 * Which reports and aggregations are loaded, and the custom reports: REPORTS (env) and REPORTS_FILE
 * (JSON). REPORTS, when set, names the enabled reports; otherwise the file's "reports" list does;
 * otherwise DEFAULT_REPORTS. Every custom report is enabled in each of its aggregations.
 */

export interface ReportSelection {
  /** A report name of the registry (built-in or custom). */
  report: string;
  aggregation: Aggregation;
}

/** The nightly default: the daily tables BI needs first, at modest API cost. */
export const DEFAULT_REPORTS = [
  'account_performance:daily',
  'campaign_performance:daily',
  'ad_group_performance:daily',
  'keyword_performance:daily',
  'search_query_performance:daily',
] as const;

export const reportsFileSchema = z
  .object({
    /** Enabled reports as "report:aggregation", like REPORTS. */
    reports: z.array(z.string()).optional(),
    customReports: z.array(customReportSchema).default([]),
  })
  .strict();

export interface ReportConfig {
  reports: ReportSelection[];
  customReports: ReportDefinition[];
}

/** Splits "a:daily, b:hourly" (commas or whitespace) into entries. */
export const splitReportList = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** Reads REPORTS / REPORTS_FILE; every problem is listed, each prefixed with the setting it is in. */
export function loadReportConfig(reportsEnv: string | undefined, reportsFile: string | undefined): ReportConfig | { problems: string[] } {
  const problems: string[] = [];
  let file: z.output<typeof reportsFileSchema> = { customReports: [] };
  if (reportsFile !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(reportsFile, 'utf8'));
    } catch (err) {
      return { problems: [`REPORTS_FILE: cannot read ${reportsFile} as JSON: ${(err as Error).message}`] };
    }
    const parsed = reportsFileSchema.safeParse(json);
    if (!parsed.success) {
      return { problems: parsed.error.issues.map((i) => `REPORTS_FILE: ${i.path.join('.') || '(file)'}: ${i.message}`) };
    }
    file = parsed.data;
  }
  const customReports = file.customReports.map(customReportDefinition);
  for (const def of customReports) {
    for (const p of customReportProblems(def)) problems.push(`REPORTS_FILE: custom report ${def.name}: ${p}`);
  }
  const seen = new Set<string>();
  for (const def of customReports) {
    if (seen.has(def.name)) problems.push(`REPORTS_FILE: custom report ${def.name} is declared twice`);
    seen.add(def.name);
  }
  if (problems.length > 0) return { problems };

  const registry = createReportRegistry(customReports);
  const [source, entries] =
    reportsEnv !== undefined
      ? ['REPORTS', splitReportList(reportsEnv)]
      : file.reports !== undefined
        ? ['REPORTS_FILE: reports', file.reports]
        : ['default', [...DEFAULT_REPORTS]];
  const reports: ReportSelection[] = [];
  const add = (selection: ReportSelection) => {
    if (!reports.some((r) => r.report === selection.report && r.aggregation === selection.aggregation)) reports.push(selection);
  };
  for (const entry of entries) {
    const [name = '', aggregationText, extra] = entry.split(':');
    const def = registry.find(name);
    const aggregation = aggregationText === undefined ? undefined : parseAggregation(aggregationText);
    if (!def) problems.push(`${source}: "${entry}": unknown report "${name}"`);
    else if (aggregation === undefined || extra !== undefined) problems.push(`${source}: "${entry}": expected report:aggregation, e.g. ${name}:daily`);
    else if (!def.aggregations.includes(aggregation)) {
      problems.push(`${source}: "${entry}": ${name} has no ${aggregation} table (offered: ${def.aggregations.join(', ')})`);
    } else add({ report: name, aggregation });
  }
  for (const def of customReports) for (const aggregation of def.aggregations) add({ report: def.name, aggregation });
  return problems.length > 0 ? { problems } : { reports, customReports };
}
