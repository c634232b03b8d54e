/**
 * Report time as the service interprets it: "today" is established in the request's ReportTimeZone
 * (PacificTimeUSCanadaTijuana when omitted), predefined periods resolve to inclusive day windows, and
 * each aggregation accepts only some predefined periods (REPORTING-FACTS §3.3). The rules are shared
 * with the client side (src/reports/periods.ts), which builds the requests the simulator reads.
 */
export {
  aggregationAllowsPeriod,
  calendarDate,
  DEFAULT_REPORT_TIME_ZONE,
  predefinedWindow,
  todayIn,
  type DayWindow,
} from '../reports/periods.js';
