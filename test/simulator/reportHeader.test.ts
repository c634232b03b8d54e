import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../src/reports/periods.js';
import { statedTimeZoneText } from '../../src/reports/statedTimeZone.js';
import type { ReportTimeZone } from '../../src/reports/timeZones.js';
import { applyFaultOption, FaultOptionError } from '../../src/simulator/faultOptions.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';
import { generateRows } from '../../src/simulator/generator.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { reportCsvStream } from '../../src/simulator/reportFile.js';
import { gmtTime, lastCompletedHour, statedZone } from '../../src/simulator/reportHeader.js';
import { ACCOUNT, COLUMNS, CUSTOMER, customRange, OTHER_ACCOUNT, pollUntilDone, submit, testOptions, tokenFor, unzipAll, type SubmitParts } from './helpers.js';
import { restPollUntilDone, restSubmit } from './restHelpers.js';

/** The header block the simulator writes: Microsoft's nine lines, stating what is true of the file. */

const GREEK_ACCOUNT = '150000003';
const UNKNOWN_ZONE_ACCOUNT = '150000004';

let sim: Simulator;
let token: string;
beforeAll(async () => {
  sim = await startSimulator(
    testOptions({
      connections: [{ connectionId: 'conn-a', customerId: CUSTOMER, accountIds: [ACCOUNT, OTHER_ACCOUNT, GREEK_ACCOUNT, UNKNOWN_ZONE_ACCOUNT] }],
      accounts: {
        [ACCOUNT]: { timeZone: 'EasternTimeUSCanada' },
        [OTHER_ACCOUNT]: { timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' },
        // Customer Management's spelling of AthensIslandanbulMinsk.
        [GREEK_ACCOUNT]: { timeZone: 'AthensBuckarestIstanbul' },
        [UNKNOWN_ZONE_ACCOUNT]: { timeZone: 'NoSuchZone' },
      },
    }),
  );
  token = await tokenFor(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.wrongRowCount = 0;
});

interface Served {
  lines: string[];
  /** Date.now() just before the Submit and just after it. */
  before: number;
  after: number;
}

/** Submits with the report header on (unless told otherwise), downloads, splits the CSV into lines. */
async function served(parts: SubmitParts): Promise<Served> {
  // The CustomerAccountId header must be one of the scope's accounts.
  const headers = { accountId: parts.accountIds?.[0] ?? ACCOUNT };
  const before = Date.now();
  const id = await submit(sim, token, { excludeHeader: false, excludeFooter: false, ...parts }, headers);
  const after = Date.now();
  const done = await pollUntilDone(sim, token, id, headers);
  expect(done.status).toBe('Success');
  const [entry] = await unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer()));
  return { lines: (entry?.text ?? '').replace(/^\uFEFF/, '').split('\r\n'), before, after };
}

const header = (s: Served) => s.lines.slice(0, 10);
const field = (s: Served, key: string) => header(s).find((l) => l.startsWith(`"${key}: `));
/** Data rows: after the blank line and the column names, up to the blank line before the footer. */
const dataRows = (s: Served) => s.lines.slice(11, s.lines.indexOf('', 11));

const dailyRows = (accountId: string, from: string, to: string) => [...generateRows(sim.generateOptions({ accountId, columns: COLUMNS, aggregation: 'Daily', from, to }))].length;

/** The simulator stamps the report at Submit; it lies between the two clock readings. */
function expectLastCompleted(s: Served): void {
  const allowed = new Set([s.before, s.after].map((t) => gmtTime(lastCompletedHour(t))));
  const day = field(s, 'Last Completed Available Day')?.replace(/^"Last Completed Available Day: (.*)"$/, '$1') ?? '';
  expect(allowed).toContain(day);
  expect(field(s, 'Last Completed Available Hour')).toBe(`"Last Completed Available Hour: ${day}"`);
}

describe('report header block', () => {
  it('a one-day Daily window: the nine lines exactly, in Microsoft order, then a blank line', async () => {
    const s = await served({ time: customRange('2026-11-02', '2026-11-02', 'EasternTimeUSCanada') });
    expectLastCompleted(s);
    const completed = (field(s, 'Last Completed Available Day') as string).slice('"Last Completed Available Day: '.length, -1);
    expect(completed).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:00:00 [AP]M \(GMT\)$/);
    expect(header(s)).toEqual([
      '"Report Name: daily-campaign"',
      '"Report Time: 11/2/2026"',
      '"Time Zone: (GMT-05:00) Eastern Time (US & Canada)"',
      `"Last Completed Available Day: ${completed}"`,
      `"Last Completed Available Hour: ${completed}"`,
      '"Report Aggregation: Daily"',
      '"Report Filter: "',
      '"Potential Incomplete Data: false"',
      `"Rows: ${dailyRows(ACCOUNT, '2026-11-02', '2026-11-02')}"`,
      '',
    ]);
    expect(s.lines[10]).toBe(COLUMNS.map((c) => `"${c}"`).join(','));
  });

  it('a multi-day window states start and end; Rows is the number of data rows served', async () => {
    const s = await served({ time: customRange('2026-11-01', '2026-11-07', 'PacificTimeUSCanadaTijuana') });
    expect(field(s, 'Report Time')).toBe('"Report Time: 11/1/2026, 11/7/2026"');
    expect(field(s, 'Time Zone')).toBe('"Time Zone: (GMT-08:00) Pacific Time (US & Canada); Tijuana"');
    const rows = dataRows(s);
    expect(rows.length).toBeGreaterThan(1);
    expect(field(s, 'Rows')).toBe(`"Rows: ${rows.length}"`);
    expect(rows.length).toBe(dailyRows(ACCOUNT, '2026-11-01', '2026-11-07'));
    expect(s.lines[11 + rows.length + 1]).toMatch(/Microsoft Corporation/);
  });

  it('Rows counts every scope account', async () => {
    const s = await served({ accountIds: [ACCOUNT, OTHER_ACCOUNT], time: customRange('2026-11-02', '2026-11-02') });
    expect(field(s, 'Rows')).toBe(`"Rows: ${dataRows(s).length}"`);
    expect(dataRows(s).length).toBe(dailyRows(ACCOUNT, '2026-11-02', '2026-11-02') + dailyRows(OTHER_ACCOUNT, '2026-11-02', '2026-11-02'));
  });

  it('without a ReportTimeZone a Daily file states Pacific time, the service default', async () => {
    const time = '<CustomDateRangeEnd><Day>2</Day><Month>11</Month><Year>2026</Year></CustomDateRangeEnd><CustomDateRangeStart><Day>1</Day><Month>11</Month><Year>2026</Year></CustomDateRangeStart>';
    const s = await served({ time });
    expect(field(s, 'Time Zone')).toBe('"Time Zone: (GMT-08:00) Pacific Time (US & Canada); Tijuana"');
  });

  it('a Daily file states the request zone even when it is GMT', async () => {
    const s = await served({ time: customRange('2026-11-02', '2026-11-02', 'GreenwichMeanTimeDublinEdinburghLisbonLondon') });
    expect(field(s, 'Time Zone')).toBe('"Time Zone: (GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London"');
  });

  const zoneLine = (zone: ReportTimeZone) => `"Time Zone: ${statedTimeZoneText(zone)}"`;
  it.each([
    ['Hourly', [ACCOUNT], 'EasternTimeUSCanada'],
    ['HourOfDay', [ACCOUNT], 'EasternTimeUSCanada'],
    ['Hourly', [GREEK_ACCOUNT], 'AthensIslandanbulMinsk'],
    // A GMT account and an unknown zone: never GMT/UTC, Pacific instead.
    ['Hourly', [OTHER_ACCOUNT], 'PacificTimeUSCanadaTijuana'],
    ['Hourly', [UNKNOWN_ZONE_ACCOUNT], 'PacificTimeUSCanadaTijuana'],
    // Several accounts: the first one's zone.
    ['Hourly', [ACCOUNT, OTHER_ACCOUNT], 'EasternTimeUSCanada'],
    ['Hourly', [OTHER_ACCOUNT, ACCOUNT], 'PacificTimeUSCanadaTijuana'],
  ] as const)('a %s file for %j states the account zone %s, whatever ReportTimeZone says', async (aggregation, accountIds, zone) => {
    const gmt = 'GreenwichMeanTimeDublinEdinburghLisbonLondon';
    // HourOfDay takes predefined periods only.
    const time = aggregation === 'HourOfDay' ? `<PredefinedTime>LastMonth</PredefinedTime><ReportTimeZone>${gmt}</ReportTimeZone>` : customRange('2026-11-02', '2026-11-02', gmt);
    const s = await served({ aggregation, accountIds, time });
    expect(field(s, 'Time Zone')).toBe(zoneLine(zone));
    expect(field(s, 'Time Zone')).not.toMatch(/\(GMT\)|UTC/);
    expect(field(s, 'Report Aggregation')).toBe(`"Report Aggregation: ${aggregation}"`);
    expect(field(s, 'Rows')).toBe(`"Rows: ${dataRows(s).length}"`);
  });

  it('Potential Incomplete Data is true for a window ending yesterday or today, false for one ending a week ago', async () => {
    const zone = 'CentralTimeUSCanada';
    const today = todayIn(zone, Date.now());
    const incomplete = async (from: string, to: string) => field(await served({ time: customRange(from, to, zone) }), 'Potential Incomplete Data');
    expect(await incomplete(addDays(today, -3), addDays(today, -1))).toBe('"Potential Incomplete Data: true"');
    expect(await incomplete(today, today)).toBe('"Potential Incomplete Data: true"');
    expect(await incomplete(addDays(today, -7), addDays(today, -7))).toBe('"Potential Incomplete Data: false"');
    expect(await incomplete(addDays(today, -14), addDays(today, -2))).toBe('"Potential Incomplete Data: false"');
  });

  it('ExcludeReportHeader=true: no header block, the file starts with the column names', async () => {
    const s = await served({ excludeHeader: true, time: customRange('2026-11-02', '2026-11-02') });
    expect(s.lines[0]).toBe(COLUMNS.map((c) => `"${c}"`).join(','));
    expect(s.lines.some((l) => l.startsWith('"Rows: ') || l.startsWith('"Report Name: '))).toBe(false);
  });

  it('REST serves the same header block as SOAP', async () => {
    const c = { token };
    const id = await restSubmit(sim, c, { excludeHeader: false, excludeFooter: false, aggregation: 'Hourly' });
    const done = await restPollUntilDone(sim, c, id);
    const [entry] = await unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer()));
    const lines = (entry?.text ?? '').split('\r\n');
    expect(lines[2]).toBe(zoneLine('EasternTimeUSCanada'));
    expect(lines[5]).toBe('"Report Aggregation: Hourly"');
    expect(lines[8]).toMatch(/^"Rows: \d+"$/);
  });
});

describe('wrongRowCount fault switch', () => {
  it('states the true count plus n while set, and the true count again once cleared', async () => {
    const time = customRange('2026-11-02', '2026-11-02');
    const trueCount = dailyRows(ACCOUNT, '2026-11-02', '2026-11-02');
    sim.faults.wrongRowCount = 2;
    const wrong = await served({ time });
    expect(field(wrong, 'Rows')).toBe(`"Rows: ${trueCount + 2}"`);
    expect(dataRows(wrong)).toHaveLength(trueCount);
    sim.faults.wrongRowCount = -1;
    expect(field(await served({ time }), 'Rows')).toBe(`"Rows: ${trueCount - 1}"`);
    sim.faults.wrongRowCount = 0;
    expect(field(await served({ time }), 'Rows')).toBe(`"Rows: ${trueCount}"`);
  });

  it('applies to a report already built: the file is rebuilt when the switch changes', async () => {
    const id = await submit(sim, token, { excludeHeader: false, time: customRange('2026-11-02', '2026-11-02') });
    const done = await pollUntilDone(sim, token, id);
    const rowsLine = async () => (await unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer())))[0]?.text.split('\r\n')[8];
    const trueLine = await rowsLine();
    sim.faults.wrongRowCount = 2;
    expect(await rowsLine()).toBe(`"Rows: ${Number(/\d+/.exec(trueLine ?? '')?.[0]) + 2}"`);
  });

  it('raggedRows keeps the stated count: Microsoft meant every row', async () => {
    sim.faults.raggedRows = true;
    try {
      const s = await served({ time: customRange('2026-11-02', '2026-11-02') });
      expect(field(s, 'Rows')).toBe(`"Rows: ${dataRows(s).length}"`);
    } finally {
      sim.faults.raggedRows = false;
    }
  });

  it('is set with --fault wrongRowCount=<n>, negative values included', () => {
    const faults = defaultFaultSwitches();
    expect(faults.wrongRowCount).toBe(0);
    expect(applyFaultOption(faults, 'wrongRowCount=2')).toBe('wrongRowCount=2');
    expect(faults.wrongRowCount).toBe(2);
    applyFaultOption(faults, 'wrongRowCount=-3');
    expect(faults.wrongRowCount).toBe(-3);
    expect(() => applyFaultOption(faults, 'wrongRowCount')).toThrow(FaultOptionError);
    expect(() => applyFaultOption(faults, 'wrongRowCount=two')).toThrow(/integer value/);
    // Other counters stay non-negative.
    expect(() => applyFaultOption(faults, 'throttleNext=-1')).toThrow(/non-negative/);
  });
});

describe('header pieces', () => {
  it('writes UTC times as Microsoft does, 12-hour clock without leading zeros', () => {
    expect(gmtTime(Date.UTC(2020, 1, 8, 22, 15, 0))).toBe('2/8/2020 10:15:00 PM (GMT)');
    expect(gmtTime(Date.UTC(2026, 11, 2, 0, 0, 0))).toBe('12/2/2026 12:00:00 AM (GMT)');
    expect(gmtTime(Date.UTC(2026, 11, 2, 12, 5, 9))).toBe('12/2/2026 12:05:09 PM (GMT)');
    expect(lastCompletedHour(Date.UTC(2026, 11, 2, 1, 59, 59))).toBe(Date.UTC(2026, 11, 1, 22));
  });

  it('chooses the stated zone by aggregation', () => {
    expect(statedZone('Daily', undefined, 'EasternTimeUSCanada')).toBe('PacificTimeUSCanadaTijuana');
    expect(statedZone('Weekly', 'Hawaii', 'EasternTimeUSCanada')).toBe('Hawaii');
    expect(statedZone('Hourly', 'Hawaii', 'EasternTimeUSCanada')).toBe('EasternTimeUSCanada');
    expect(statedZone('HourOfDay', 'Hawaii', 'GreenwichMeanTimeDublinEdinburghLisbonLondon')).toBe('PacificTimeUSCanadaTijuana');
    expect(statedZone('Hourly', 'Hawaii', 'MidwayIslandAndSamoa')).toBe('MidwayIslandandSamoa');
  });

  it('reportCsvStream (benchmarks) writes a true header too: row count, Pacific by default, or the given zone and clock', async () => {
    const options = sim.generateOptions({ accountId: ACCOUNT, columns: COLUMNS, aggregation: 'Daily', from: '2026-11-01', to: '2026-11-03' });
    const layout = { excludeReportHeader: false, excludeReportFooter: true, excludeColumnHeaders: false, reportName: 'bench' };
    const text = async (stream: NodeJS.ReadableStream) => {
      let s = '';
      for await (const c of stream) s += String(c);
      return s.replace(/^\uFEFF/, '').split('\r\n');
    };
    const rows = [...generateRows(options)].length;
    const plain = await text(reportCsvStream(options, layout));
    expect(plain.slice(0, 3)).toEqual(['"Report Name: bench"', '"Report Time: 11/1/2026, 11/3/2026"', '"Time Zone: (GMT-08:00) Pacific Time (US & Canada); Tijuana"']);
    expect(plain[8]).toBe(`"Rows: ${rows}"`);
    const now = Date.UTC(2026, 10, 4, 10, 30);
    const given = await text(reportCsvStream(options, layout, { timeZone: 'Hawaii', now, rowCountError: 1 }));
    expect(given.slice(2, 9)).toEqual([
      '"Time Zone: (GMT-10:00) Hawaii"',
      '"Last Completed Available Day: 11/4/2026 7:00:00 AM (GMT)"',
      '"Last Completed Available Hour: 11/4/2026 7:00:00 AM (GMT)"',
      '"Report Aggregation: Daily"',
      '"Report Filter: "',
      '"Potential Incomplete Data: true"',
      `"Rows: ${rows + 1}"`,
    ]);
  });
});
