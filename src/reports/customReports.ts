import { z } from 'zod';
import { parseAggregation, type Aggregation } from './aggregations.js';
import { reportNames, tableName, type ReportDefinition } from './catalog.js';
import { requestTypes, type ReportRequestType } from './columnEnums.js';
import { customReportNameClashes } from './customReportNames.js';
import { supportedAggregations } from './requestRules.js';
import { columnProblems } from './validateRequest.js';

/**
 * Custom reports: any request type of the WSDL, the columns a user wants, in any aggregation Microsoft
 * offers. Declared in the configuration (REPORTS_FILE), checked at start with the same rules as every
 * request, and loaded into tables `migrate` creates and widens at runtime (src/db/customTables.ts).
 */

const aggregationName = z.string().transform((text, ctx): Aggregation => {
  const aggregation = parseAggregation(text);
  if (!aggregation) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an aggregation (Summary, Hourly, Daily, Weekly, WeeklyStartingMonday, Monthly, Yearly, DayOfWeek, HourOfDay)` });
    return z.NEVER;
  }
  return aggregation;
});

export const customReportSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _ only, starting with a letter')
      .max(36, 'at most 36 characters (table and index names must fit 63)')
      .refine((n) => !(reportNames as readonly string[]).includes(n), 'is the name of a built-in report'),
    requestType: z.enum(Object.keys(requestTypes) as [ReportRequestType, ...ReportRequestType[]]),
    columns: z.array(z.string().min(1)).min(1),
    /** One aggregation or a list; each gets its own table. */
    aggregation: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(aggregationName).min(1)),
    description: z.string().max(500).optional(),
  })
  .strict();

export type CustomReportConfig = z.input<typeof customReportSchema>;
export type CustomReport = z.output<typeof customReportSchema>;

/**
 * The catalog entry of a custom report. AccountId and CurrencyCode are added where the request type has
 * them (every table carries the account and the currency of its money), and TimePeriod unless every
 * aggregation is Summary; the configured columns follow in their order.
 */
export function customReportDefinition(custom: CustomReport): ReportDefinition {
  const aggregations = [...new Set(custom.aggregation)];
  const has = new Set<string>(requestTypes[custom.requestType].columns);
  const implied = [
    aggregations.some((a) => a !== 'Summary') ? 'TimePeriod' : null,
    'AccountId',
    'CurrencyCode',
  ].filter((c): c is string => c !== null && has.has(c));
  return {
    name: custom.name,
    requestType: custom.requestType,
    aggregations,
    columns: [...new Set([...implied, ...custom.columns])],
    description: custom.description ?? `Custom ${custom.requestType.replace(/ReportRequest$/, '')} report.`,
    custom: true,
  };
}

/** Everything wrong with a custom report, each naming the column, aggregation or clashing name. */
export function customReportProblems(def: ReportDefinition): string[] {
  const problems: string[] = [...customReportNameClashes(def)];
  for (const aggregation of def.aggregations) {
    if (!supportedAggregations(def.requestType).includes(aggregation)) {
      problems.push(`${def.requestType} does not support ${aggregation} aggregation`);
      continue;
    }
    const columns = aggregation === 'Summary' ? def.columns.filter((c) => c !== 'TimePeriod') : def.columns;
    for (const p of columnProblems(def.requestType, columns, aggregation)) problems.push(`${aggregation}: ${p}`);
    if (`${tableName(def, aggregation)}_key`.length > 63) problems.push(`${aggregation}: table name ${tableName(def, aggregation)} is too long`);
  }
  return [...new Set(problems)];
}
