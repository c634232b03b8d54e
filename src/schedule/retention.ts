import type { Aggregation } from '../reports/aggregations.js';
import type { ReportRequestType } from '../reports/columnEnums.js';
import { describeSpan, retentionSpan, type Span } from '../reports/requestRules.js';
import { addDays, addMonths } from './dates.js';

/**
 * How far back Microsoft keeps report data (REPORTING-FACTS §6.4), as the planner needs it. The table
 * itself lives with the other request rules (src/reports/requestRules.ts), so validation and planning
 * agree. `null` = Microsoft has no data at this aggregation (no hourly Share of Voice); `undefined` = not
 * documented for the request type: nothing is clamped.
 */
export type Retention = Span | null | undefined;

export function retentionFor(requestType: ReportRequestType, aggregation: Aggregation): Retention {
  return retentionSpan(requestType, aggregation);
}

/** The oldest day Microsoft still has on `today`; undefined when nothing is known (or nothing is kept). */
export function earliestAvailableDay(today: string, retention: Retention): string | undefined {
  if (!retention) return undefined;
  // "6 months" taken literally from today, as the request validation does.
  return 'months' in retention ? addMonths(today, -retention.months) : addDays(today, -retention.days);
}

export function describeRetention(retention: Retention): string {
  if (retention === null) return 'not offered';
  return retention === undefined ? 'not documented' : describeSpan(retention);
}
