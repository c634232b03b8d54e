import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { createRun, markLoaded } from '../../src/db/reportRuns.js';
import { ReportFileError } from '../../src/errors.js';
import { loadReportCsv, type LoadFinish, type LoadOutcome, type LoadTarget } from '../../src/load/loadReport.js';
import type { Aggregation, ReportDefinition } from '../../src/reports/catalog.js';
import { reportColumns, reports } from '../../src/reports/catalog.js';
import { customReportDefinition } from '../../src/reports/customReports.js';
import { createReportRegistry } from '../../src/reports/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ACCOUNT, noFinish, tableDigest } from './fixtures.js';

/**
 * Files in the layouts Microsoft documents, written here by hand (never by the project's simulator),
 * loaded through loadReportCsv. The facts each fixture rests on are quoted from
 * MicrosoftDocs/Advertising advertising/bingads-13/guides/reports.md (REPORTING-FACTS §5).
 */

let testDb: TestDatabase;
const pool = () => testDb.database.pool;

// --- Microsoft's verbatim example (guides/reports.md#reportschema, lines 29-48) -----------------

/**
 * The example's request: AccountId, CampaignId, Keyword, KeywordId, DeviceType, Clicks with Summary
 * aggregation. customReportDefinition adds CurrencyCode (every table carries its money's currency), which
 * the example file does not have, so the definition keeps exactly the example's columns.
 */
const EXAMPLE_COLUMNS = ['AccountId', 'CampaignId', 'Keyword', 'KeywordId', 'DeviceType', 'Clicks'];
const EXAMPLE: ReportDefinition = {
  ...customReportDefinition({
    name: 'ms_keyword_example',
    requestType: 'KeywordPerformanceReportRequest',
    columns: EXAMPLE_COLUMNS,
    aggregation: ['Summary'],
  }),
  columns: EXAMPLE_COLUMNS,
};
const EXAMPLE_TABLE = 'ms_keyword_example_summary';
const PACIFIC = '(GMT-08:00) Pacific Time (US & Canada); Tijuana';

/** "YourAccountId"/"YourCampaignId" of the docs, as numbers (the columns are bigint ids). */
const EXAMPLE_ACCOUNT = '41234567';
const EXAMPLE_CAMPAIGN = '76543210';

const EXAMPLE_HEADER = [
  '"Report Name: My Keyword Performance Report"',
  '"Report Time: 2/7/2020"',
  `"Time Zone: ${PACIFIC}"`,
  '"Last Completed Available Day: 2/8/2020 10:15:00 PM (GMT)"',
  '"Last Completed Available Hour: 2/8/2020 10:15:00 PM (GMT)"',
  '"Report Aggregation: Summary"',
  '"Report Filter: "',
  '"Potential Incomplete Data: true"',
];

/** Data rows of the example, each as its fields: AccountId, CampaignId, Keyword, KeywordId, DeviceType, Clicks. */
const EXAMPLE_ROWS: string[][] = [
  [EXAMPLE_ACCOUNT, EXAMPLE_CAMPAIGN, 'red shoes', '123', 'Computer', '35'],
  [EXAMPLE_ACCOUNT, EXAMPLE_CAMPAIGN, 'red shoes', '123', 'Smartphone', '50'],
  [EXAMPLE_ACCOUNT, EXAMPLE_CAMPAIGN, 'shoes delivered', '234', 'Computer', '1'],
  [EXAMPLE_ACCOUNT, EXAMPLE_CAMPAIGN, 'shoe sale', '345', 'Computer', '80'],
  [EXAMPLE_ACCOUNT, EXAMPLE_CAMPAIGN, 'shoe sale', '345', 'Smartphone', '5'],
];

const quoted = (fields: readonly string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');

/**
 * The example file: header lines, `"Rows: n"`, a blank line, the column row, the data rows, a blank
 * line and the footer `"@2020 Microsoft Corporation. All rights reserved. "` (docs line 47, with its
 * trailing space). `rowsStated` defaults to the data rows' count; `before` rows go before the footer.
 */
function exampleFile(
  options: { rows?: readonly (readonly string[])[]; rowsStated?: number; header?: readonly string[]; before?: readonly string[]; eol?: string; bom?: boolean } = {},
): string {
  const rows = options.rows ?? EXAMPLE_ROWS;
  const eol = options.eol ?? '\r\n';
  const lines = [
    ...EXAMPLE_HEADER,
    `"Rows: ${options.rowsStated ?? rows.length}"`,
    '',
    quoted(options.header ?? EXAMPLE_COLUMNS),
    ...rows.map(quoted),
    ...(options.before ?? []),
    '',
    '"@2020 Microsoft Corporation. All rights reserved. "',
  ];
  return `${options.bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

const exampleTarget: LoadTarget = {
  report: EXAMPLE,
  aggregation: 'Summary',
  accountId: EXAMPLE_ACCOUNT,
  // Docs: "Report Time: 2/7/2020" — one day.
  from: '2020-02-07',
  to: '2020-02-07',
  timeZone: 'PacificTimeUSCanadaTijuana',
  runId: 1,
};

const csv = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

async function exampleTableRows(): Promise<string[][]> {
  const { rows } = await pool().query<Record<string, string>>(
    `SELECT account_id::text, campaign_id::text, keyword, keyword_id::text, device_type, clicks::text
       FROM ${EXAMPLE_TABLE} WHERE account_id = $1 ORDER BY keyword_id, device_type`,
    [EXAMPLE_ACCOUNT],
  );
  return rows.map((r) => Object.values(r));
}

const byKeywordAndDevice = (rows: readonly string[][]) =>
  [...rows].sort((a, b) => Number(a[3]) - Number(b[3]) || (a[4] as string).localeCompare(b[4] as string));

// --- Hand-made rows of built-in reports ----------------------------------------------------------

/** Plausible values of the text attributes the built-in reports request (docs' enum spellings). */
const TEXT_VALUES: Record<string, string> = {
  AccountName: 'Contoso Shoes',
  AccountNumber: 'F1234567',
  CustomerName: 'Contoso Ltd',
  CampaignName: 'Spring sale',
  CampaignType: 'Search & content',
  CampaignStatus: 'Active',
  AdGroupName: 'Red shoes',
  AdGroupStatus: 'Active',
  Keyword: 'red shoes',
  KeywordStatus: 'Active',
  AdType: 'Responsive search ad',
  BidStrategyType: 'ManualCpc',
  CurrencyCode: 'USD',
  AdDistribution: 'Search',
  DeviceType: 'Computer',
  Network: 'Microsoft sites and select traffic',
  DeliveredMatchType: 'Exact',
  BidMatchType: 'Exact',
  DeviceOS: 'Windows',
  TopVsOther: 'Microsoft sites and select traffic - top',
  Language: 'English',
};

const ID_VALUES: Record<string, string> = { CustomerId: '2345678', CampaignId: '111', AdGroupId: '2222', KeywordId: '33333', AdId: '444444' };

/** One data row in `columns`' order: `values` where given, else a plausible value of the column's type. */
function rowOf(report: ReportDefinition, aggregation: Aggregation, values: Record<string, string>): string[] {
  return reportColumns(report, aggregation).map((c) => {
    if (c.name in values) return values[c.name] as string;
    if (c.name === 'AccountId') return ACCOUNT;
    if (c.name in ID_VALUES) return ID_VALUES[c.name] as string;
    if (c.name in TEXT_VALUES) return TEXT_VALUES[c.name] as string;
    switch (c.type) {
      case 'bigint':
        return '0';
      case 'numeric':
        // Score columns: "--" when not computed (report-attributes-performance-statistics.md).
        return c.role === 'attribute' ? '--' : '0.00';
      case 'percent':
        return '0.00';
      case 'text':
        return '';
      default:
        throw new Error(`no default value for ${c.name} (${c.type})`);
    }
  });
}

const usDay = (day: string) => {
  const [y, m, d] = day.split('-');
  return `${Number(m)}/${Number(d)}/${y}`;
};

/** A whole file of a built-in report in Microsoft's layout: header block, columns, rows, footer. */
function builtinFile(
  report: ReportDefinition,
  aggregation: Aggregation,
  facts: { from: string; to: string; zone: string; potentialIncomplete: boolean; rowsStated?: number },
  rows: readonly (readonly string[])[],
  before: readonly (readonly string[])[] = [],
): string {
  const lines = [
    `"Report Name: ${report.name} ${aggregation}"`,
    `"Report Time: ${facts.from === facts.to ? usDay(facts.from) : `${usDay(facts.from)}, ${usDay(facts.to)}`}"`,
    `"Time Zone: ${facts.zone}"`,
    '"Last Completed Available Day: 3/30/2026 4:00:00 AM (GMT)"',
    '"Last Completed Available Hour: 3/30/2026 4:00:00 AM (GMT)"',
    `"Report Aggregation: ${aggregation}"`,
    '"Report Filter: "',
    `"Potential Incomplete Data: ${facts.potentialIncomplete}"`,
    `"Rows: ${facts.rowsStated ?? rows.length}"`,
    '',
    quoted(reportColumns(report, aggregation).map((c) => c.name)),
    ...rows.map(quoted),
    ...before.map(quoted),
    '',
    '"@2026 Microsoft Corporation. All rights reserved. "',
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

const hours = (day: string) => Array.from({ length: 24 }, (_, h) => `${day}|${h}`);

/** A campaign_performance Hourly row for "YYYY-MM-DD|H" (FormatVersion 2.0, docs reports.md#formatversion). */
const hourlyRow = (timePeriod: string, clicks: number) =>
  rowOf(reports.campaign_performance, 'Hourly', {
    TimePeriod: timePeriod,
    Impressions: String(clicks * 20),
    Clicks: String(clicks),
    Ctr: '5.00',
    Spend: (clicks * 0.5).toFixed(2),
  });

let runCount = 0;

/** A report_runs row as the worker makes it, and a finish callback writing the load's outcome onto it (markLoaded). */
async function ledgerRun(target: Omit<LoadTarget, 'runId'>): Promise<{ runId: number; finish: LoadFinish }> {
  const lease = `lease-${++runCount}`;
  const run = await createRun(
    testDb.database.db,
    {
      connectionId: 'documented-layouts',
      customerId: '2345678',
      accountId: target.accountId,
      report: target.report.name,
      aggregation: target.aggregation,
      from: target.from,
      to: target.to,
    },
    { jobId: null, api: 'rest', lease },
  );
  const finish: LoadFinish = (client, outcome) =>
    markLoaded(client, run.id, lease, { status: 'succeeded', rows: outcome.rows, bytes: 0, polls: 1, attempt: 1 }, outcome);
  return { runId: run.id, finish };
}

async function rejection(promise: Promise<unknown>): Promise<ReportFileError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportFileError);
  return err as ReportFileError;
}

beforeAll(async () => {
  testDb = await createTestDatabase('documented_layouts');
  await runMigrations(pool(), { reports: createReportRegistry([EXAMPLE]) });
});

afterAll(async () => {
  await testDb?.drop();
});

describe("Microsoft's example file (guides/reports.md#reportschema)", () => {
  it.each([
    ['as documented (CRLF)', {}],
    ['with a UTF-8 BOM and LF line ends', { bom: true, eol: '\n' }],
  ])('loads its 5 rows %s, every value as the file has it, and reads its header', async (_name, layout) => {
    const outcome = await loadReportCsv(pool(), exampleTarget, csv(exampleFile(layout)), noFinish);
    expect(outcome.rows).toBe(5);
    expect(outcome.repeatedRows).toBe(0);
    expect(outcome.warnings).toEqual([]);
    expect(await exampleTableRows()).toEqual(byKeywordAndDevice(EXAMPLE_ROWS));
    expect(outcome.metadata).toEqual({
      reportName: 'My Keyword Performance Report',
      // "Report Time: 2/7/2020"
      reportTime: { from: '2020-02-07', to: '2020-02-07' },
      // "Time Zone: (GMT-08:00) Pacific Time (US & Canada); Tijuana"
      timeZone: { stated: PACIFIC, zone: 'PacificTimeUSCanadaTijuana', iana: 'America/Los_Angeles' },
      // "The time is always reported relative to UTC, so please ignore the (GMT) suffix"
      lastCompletedAvailableDay: new Date('2020-02-08T22:15:00Z'),
      lastCompletedAvailableHour: new Date('2020-02-08T22:15:00Z'),
      aggregation: 'Summary',
      potentialIncompleteData: true,
      // "Rows: 5" — "The count of report record data excluding blank lines header, column names, and footer metadata."
      rows: 5,
      problems: [],
    });
    const { rows } = await pool().query(
      `SELECT DISTINCT window_start::text, window_end::text, file_time_zone, report_time_zone, row_ordinal FROM ${EXAMPLE_TABLE} WHERE account_id = $1`,
      [EXAMPLE_ACCOUNT],
    );
    expect(rows).toEqual([
      { window_start: '2020-02-07', window_end: '2020-02-07', file_time_zone: PACIFIC, report_time_zone: 'PacificTimeUSCanadaTijuana', row_ordinal: 1 },
    ]);
  });

  it('with one data row removed but "Rows: 5" kept, is refused (rows_stated_mismatch) and the table keeps its rows', async () => {
    await loadReportCsv(pool(), exampleTarget, csv(exampleFile()), noFinish);
    const before = await tableDigest(pool(), EXAMPLE_TABLE, EXAMPLE_ACCOUNT);
    expect(before).not.toBe('empty');
    const cut = exampleFile({ rows: EXAMPLE_ROWS.slice(0, 4), rowsStated: 5 });
    const err = await rejection(loadReportCsv(pool(), exampleTarget, csv(cut), noFinish));
    expect(err.reason).toBe('rows_stated_mismatch');
    expect(err.message).toMatch(/Rows: 5 but the file holds 4 data rows/);
    expect(await tableDigest(pool(), EXAMPLE_TABLE, EXAMPLE_ACCOUNT)).toBe(before);
    expect(await exampleTableRows()).toEqual(byKeywordAndDevice(EXAMPLE_ROWS));
  });

  it('with more rows than "Rows:" states is refused too', async () => {
    const before = await tableDigest(pool(), EXAMPLE_TABLE, EXAMPLE_ACCOUNT);
    const err = await rejection(loadReportCsv(pool(), exampleTarget, csv(exampleFile({ rowsStated: 4 })), noFinish));
    expect(err.reason).toBe('rows_stated_mismatch');
    expect(await tableDigest(pool(), EXAMPLE_TABLE, EXAMPLE_ACCOUNT)).toBe(before);
  });

  // SDKs skip a row whose first field matches "Total|©\d+ Microsoft Corporation…" (REPORTING-FACTS §5.2,
  // [NET] RowReportRecordReader.cs, [PY] row_report_iterator.py::valid_record). In the example's column
  // order the first field IS AccountId, so such a Total row has "Total" where the account id goes.
  // This was a bug (isSummaryRow dropped a Total row only when its AccountId field was empty, so here the
  // file was refused: "the report header states Rows: 5 but the file holds 6 data rows"); fixed since.
  it('a Total row before the footer ("Total" in the first field, here the AccountId column) is not loaded; Rows still checks', async () => {
    const file = exampleFile({ before: [quoted(['Total', '', '', '', '', '171'])] });
    const outcome = await loadReportCsv(pool(), exampleTarget, csv(file), noFinish);
    expect(outcome.rows).toBe(5);
    expect(await exampleTableRows()).toEqual(byKeywordAndDevice(EXAMPLE_ROWS));
  });

  it('a blank header name with values under it: loads, and the warning names the column position and count', async () => {
    // A blank column between Keyword (3) and KeywordId: position 4 of the file, values in 2 of the 5 rows.
    const header = [...EXAMPLE_COLUMNS.slice(0, 3), '', ...EXAMPLE_COLUMNS.slice(3)];
    const widen = (r: readonly string[], extra: string) => [...r.slice(0, 3), extra, ...r.slice(3)];
    const rows = EXAMPLE_ROWS.map((r, i) => widen(r, i === 1 ? 'stray' : i === 3 ? 'other' : ''));
    const outcome = await loadReportCsv(pool(), exampleTarget, csv(exampleFile({ header, rows })), noFinish);
    expect(outcome.rows).toBe(5);
    expect(await exampleTableRows()).toEqual(byKeywordAndDevice(EXAMPLE_ROWS));
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatch(/^column 4 of the file has no header name; 2 rows have values there \(first: "stray"\), not loaded$/);
  });

  it('a blank header name with no values under it warns of nothing', async () => {
    const header = [...EXAMPLE_COLUMNS, ''];
    const rows = EXAMPLE_ROWS.map((r) => [...r, '']);
    const outcome = await loadReportCsv(pool(), exampleTarget, csv(exampleFile({ header, rows })), noFinish);
    expect(outcome).toMatchObject({ rows: 5, warnings: [] });
  });
});

describe('hourly files, FormatVersion 2.0 ("2020-03-15|7"), stored as delivered', () => {
  const TABLE = 'campaign_performance_hourly';
  const HOURLY = reports.campaign_performance;

  it('a one-day Pacific file loads all 24 hours as delivered; bi_campaign_hourly gives the Los Angeles instant (PDT, UTC-7)', async () => {
    const day = '2026-03-15';
    const target = { report: HOURLY, aggregation: 'Hourly' as const, accountId: ACCOUNT, from: day, to: day, timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const };
    const { runId, finish } = await ledgerRun(target);
    const file = builtinFile(HOURLY, 'Hourly', { from: day, to: day, zone: PACIFIC, potentialIncomplete: false }, hours(day).map((tp, h) => hourlyRow(tp, h + 1)));
    const outcome = await loadReportCsv(pool(), { ...target, runId }, csv(file), finish);
    // Hours 17..23 Pacific fall on 2026-03-16 in UTC: none is refused as outside the window.
    expect(outcome.rows).toBe(24);

    const { rows } = await pool().query(
      `SELECT time_period::text AS tp, file_time_zone, clicks::int, run_id FROM ${TABLE} WHERE account_id = $1 AND time_period::date = $2 ORDER BY time_period`,
      [ACCOUNT, day],
    );
    expect(rows.map((r) => r.tp)).toEqual(Array.from({ length: 24 }, (_, h) => `${day} ${String(h).padStart(2, '0')}:00:00`));
    expect(rows.map((r) => r.clicks)).toEqual(Array.from({ length: 24 }, (_, h) => h + 1));
    expect(new Set(rows.map((r) => r.file_time_zone))).toEqual(new Set([PACIFIC]));
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set([runId]));

    const run = (await pool().query(`SELECT * FROM report_runs WHERE id = $1`, [runId])).rows[0];
    expect(run).toMatchObject({
      status: 'succeeded',
      rows: 24,
      file_rows_stated: 24,
      file_time_zone: PACIFIC,
      file_time_zone_iana: 'America/Los_Angeles',
      potential_incomplete: false,
      repeated_rows: 0,
      warnings: null,
    });
    expect((run.last_completed_hour as Date).toISOString()).toBe('2026-03-30T04:00:00.000Z');

    const view = await pool().query(
      `SELECT day::text, hour, local_hour_start::text, file_time_zone, hour_start_utc, clicks::int, complete
         FROM bi_campaign_hourly WHERE account_id = $1 AND day = $2 ORDER BY hour`,
      [ACCOUNT, day],
    );
    expect(view.rows).toHaveLength(24);
    // 2026-03-08 is the US switch to daylight time, so 2026-03-15 is PDT: local hour h is (h + 7):00 UTC.
    const pdt = (h: number) => new Date(Date.UTC(2026, 2, 15, h + 7)).toISOString();
    expect(view.rows.map((r) => (r.hour_start_utc as Date).toISOString())).toEqual(Array.from({ length: 24 }, (_, h) => pdt(h)));
    expect(view.rows.map((r) => r.hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
    expect(view.rows.every((r) => r.day === day && r.file_time_zone === PACIFIC && r.complete === true)).toBe(true);
  });

  it('a 3-day × 24-hour Berlin file loads 72 rows; re-loading the window replaces exactly those, and the days around it stay', async () => {
    const BERLIN = '(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna';
    const target = { report: HOURLY, aggregation: 'Hourly' as const, accountId: ACCOUNT, timeZone: 'AmsterdamBerlinBernRomeStockholmVienna' as const, runId: 7 };
    const days = ['2026-03-20', '2026-03-21', '2026-03-22'];
    const facts = { from: days[0] as string, to: days[2] as string, zone: BERLIN, potentialIncomplete: true };
    // The day before and the day after, loaded first by their own runs: the window must not touch them.
    for (const day of ['2026-03-19', '2026-03-23']) {
      const file = builtinFile(HOURLY, 'Hourly', { ...facts, from: day, to: day }, hours(day).map((tp) => hourlyRow(tp, 9)));
      await loadReportCsv(pool(), { ...target, from: day, to: day }, csv(file), noFinish);
    }
    const neighbours = async () =>
      (await pool().query(`SELECT time_period::text, clicks::int FROM ${TABLE} WHERE account_id = $1 AND time_period::date IN ('2026-03-19', '2026-03-23') ORDER BY 1`, [ACCOUNT])).rows;
    const around = await neighbours();
    expect(around).toHaveLength(48);

    const windowRows = async () =>
      (
        await pool().query(
          `SELECT time_period::text AS tp, clicks::int, file_time_zone, row_ordinal FROM ${TABLE}
            WHERE account_id = $1 AND time_period >= '2026-03-20' AND time_period < '2026-03-23' ORDER BY time_period`,
          [ACCOUNT],
        )
      ).rows;
    const allHours = days.flatMap(hours);
    const first = builtinFile(HOURLY, 'Hourly', facts, allHours.map((tp) => hourlyRow(tp, 2)));
    expect(await loadReportCsv(pool(), { ...target, from: facts.from, to: facts.to }, csv(first), noFinish)).toMatchObject({ rows: 72, warnings: [] });
    const loaded = await windowRows();
    expect(loaded).toHaveLength(72);
    expect(loaded[0]).toEqual({ tp: '2026-03-20 00:00:00', clicks: 2, file_time_zone: BERLIN, row_ordinal: 1 });
    expect(loaded[71]).toEqual({ tp: '2026-03-22 23:00:00', clicks: 2, file_time_zone: BERLIN, row_ordinal: 1 });

    const second = builtinFile(HOURLY, 'Hourly', facts, allHours.map((tp, i) => hourlyRow(tp, 100 + i)));
    expect(await loadReportCsv(pool(), { ...target, from: facts.from, to: facts.to }, csv(second), noFinish)).toMatchObject({ rows: 72, repeatedRows: 0 });
    const reloaded = await windowRows();
    expect(reloaded).toHaveLength(72);
    expect(new Set(reloaded.map((r) => r.tp)).size).toBe(72);
    expect(reloaded.map((r) => r.clicks)).toEqual(allHours.map((_, i) => 100 + i));
    expect(reloaded.every((r) => r.row_ordinal === 1 && r.file_time_zone === BERLIN)).toBe(true);
    expect(await neighbours()).toEqual(around);
  });

  it('a Total row before the footer (TimePeriod first, AccountId empty) is not loaded; Rows counts only data rows', async () => {
    const day = '2026-03-24';
    const target = { report: HOURLY, aggregation: 'Hourly' as const, accountId: ACCOUNT, from: day, to: day, timeZone: 'PacificTimeUSCanadaTijuana' as const, runId: 8 };
    const columns = reportColumns(HOURLY, 'Hourly').map((c) => c.name);
    const total = columns.map((c, i) => (i === 0 ? 'Total' : c === 'Clicks' ? '300' : ''));
    const data = hours(day).map((tp) => hourlyRow(tp, 12));
    const file = builtinFile(HOURLY, 'Hourly', { from: day, to: day, zone: PACIFIC, potentialIncomplete: false }, data, [total]);
    expect(file).toContain('"Rows: 24"');
    const outcome = await loadReportCsv(pool(), target, csv(file), noFinish);
    expect(outcome).toMatchObject({ rows: 24, warnings: [] });
    const { rows } = await pool().query(`SELECT count(*)::int AS n, sum(clicks)::int AS clicks FROM ${TABLE} WHERE account_id = $1 AND time_period::date = $2`, [ACCOUNT, day]);
    expect(rows[0]).toEqual({ n: 24, clicks: 288 });
  });
});

describe('rows repeating every attribute (score columns are attributes)', () => {
  const TABLE = 'keyword_performance_daily';
  const KEYWORD = reports.keyword_performance;
  const day = '2026-03-10';
  const target: LoadTarget = { report: KEYWORD, aggregation: 'Daily', accountId: ACCOUNT, from: day, to: day, timeZone: 'PacificTimeUSCanadaTijuana', runId: 9 };
  const row = (qualityScore: string, clicks: string) =>
    rowOf(KEYWORD, 'Daily', { TimePeriod: day, QualityScore: qualityScore, ExpectedCtr: '2', AdRelevance: '3', LandingPageExperience: '2', Clicks: clicks, Impressions: '100' });
  const file = (rows: string[][]) => builtinFile(KEYWORD, 'Daily', { from: day, to: day, zone: PACIFIC, potentialIncomplete: false }, rows);
  const stored = async () =>
    (await pool().query(`SELECT quality_score::text, clicks::int, row_ordinal FROM ${TABLE} WHERE account_id = $1 AND time_period = $2 ORDER BY clicks`, [ACCOUNT, day])).rows;

  it('two rows identical in every attribute both load, row_ordinal 1 and 2; one differing only in QualityScore is its own row', async () => {
    const outcome: LoadOutcome = await loadReportCsv(pool(), target, csv(file([row('7', '3'), row('7', '5'), row('8', '11')])), noFinish);
    expect(outcome).toMatchObject({ rows: 3, repeatedRows: 1, warnings: [] });
    expect(await stored()).toEqual([
      { quality_score: '7', clicks: 3, row_ordinal: 1 },
      { quality_score: '7', clicks: 5, row_ordinal: 2 },
      { quality_score: '8', clicks: 11, row_ordinal: 1 },
    ]);
  });

  it('two rows differing only in QualityScore are two rows, row_ordinal 1 each', async () => {
    const outcome = await loadReportCsv(pool(), target, csv(file([row('7', '3'), row('6', '4')])), noFinish);
    expect(outcome).toMatchObject({ rows: 2, repeatedRows: 0 });
    expect(await stored()).toEqual([
      { quality_score: '7', clicks: 3, row_ordinal: 1 },
      { quality_score: '6', clicks: 4, row_ordinal: 1 },
    ]);
  });

  it('"--" (score not computed) twice counts as the same attribute value: a repeat', async () => {
    const outcome = await loadReportCsv(pool(), target, csv(file([row('--', '3'), row('--', '4')])), noFinish);
    expect(outcome).toMatchObject({ rows: 2, repeatedRows: 1 });
    expect(await stored()).toEqual([
      { quality_score: null, clicks: 3, row_ordinal: 1 },
      { quality_score: null, clicks: 4, row_ordinal: 2 },
    ]);
  });
});
