import type { ReportTarget } from '../jobs/reportJobData.js';
import { reportJobId } from '../jobs/reportJobData.js';
import { reports, requestColumns, tableName } from '../reports/catalog.js';
import { addDays } from '../reports/periods.js';
import { expectedTotals } from '../simulator/generator.js';
import type { Simulator, SimulatorConnection } from '../simulator/index.js';

/**
 * What the chaos run loads: three connections, two of them users of the same customer sharing one
 * account, so the same account's rows arrive through two connections in windows that overlap (offset
 * by half a window); three report types of very different sizes (keyword_performance's loads are the
 * long ones). The plan is enqueued in waves, one before each part of the fault script, so every fault
 * meets work in flight.
 */

export const CHAOS_REPORTS = ['campaign_performance', 'ad_group_performance', 'keyword_performance'] as const;
export type ChaosReport = (typeof CHAOS_REPORTS)[number];

export const CHAOS_CONNECTIONS: SimulatorConnection[] = [
  { connectionId: 'chaos-a', customerId: '2000001', accountIds: ['160000011', '160000012'] },
  { connectionId: 'chaos-b', customerId: '2000002', accountIds: ['160000021', '160000022'] },
  // A second user of customer 2000001: account 160000012 is reachable through chaos-a too.
  { connectionId: 'chaos-c', customerId: '2000001', accountIds: ['160000012', '160000031'] },
];

export interface PlannedWindow {
  target: ReportTarget & { report: ChaosReport };
  jobId: string;
  table: string;
  /** The key of the simulator's submitsByWindow. */
  submitKey: string;
  wave: number;
  expected: { rows: number; impressions: number; clicks: number };
  /** Expected rows per day, to check the union of overlapping windows of one account and table. */
  byDay: Map<string, number>;
}

export function planWindows(sim: Simulator, options: { windows: number; windowDays: number; waves: number; firstDay: string }): PlannedWindow[] {
  const planned: PlannedWindow[] = [];
  for (let w = 0; w < options.windows; w++) {
    for (const report of CHAOS_REPORTS) {
      for (const [c, connection] of CHAOS_CONNECTIONS.entries()) {
        // chaos-c runs half a window behind, so its windows overlap chaos-a's on the shared account.
        const offset = c === 2 ? Math.floor(options.windowDays / 2) : 0;
        const from = addDays(options.firstDay, w * options.windowDays + offset);
        const to = addDays(from, options.windowDays - 1);
        for (const accountId of connection.accountIds) {
          const target = { connectionId: connection.connectionId, customerId: connection.customerId, accountId, report, aggregation: 'Daily' as const, from, to };
          const definition = reports[report];
          const totals = expectedTotals(sim.generateOptions({ accountId, columns: requestColumns(definition, 'Daily'), aggregation: 'Daily', from, to }));
          let impressions = 0;
          let clicks = 0;
          const byDay = new Map<string, number>();
          for (const [day, t] of totals.byPeriod) {
            impressions += t.impressions;
            clicks += t.clicks;
            byDay.set(day, t.rows);
          }
          planned.push({
            target,
            jobId: reportJobId(target),
            table: tableName(definition, 'Daily'),
            submitKey: [connection.connectionId, accountId, definition.requestType, 'Daily', from, to].join('|'),
            wave: planned.length % options.waves,
            expected: { rows: totals.rows, impressions, clicks },
            byDay,
          });
        }
      }
    }
  }
  return planned;
}
