import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { generateRows } from '../../src/simulator/generator.js';
import { reportCsvStream } from '../../src/simulator/reportFile.js';
import { ACCOUNT, COLUMNS, OTHER_ACCOUNT, customRange, pollUntilDone, soapPost, envelope, headerXml, submitBody, reportRequestIdOf, submit, testOptions, tokenFor, unzipAll } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  // Long enough to see the report Pending even on a busy machine.
  sim = await startSimulator(testOptions({ generationMs: 1_500 }));
});
afterAll(async () => {
  await sim.close();
});

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}

describe('simulator round trip with hand-written XML', () => {
  it('submits, polls Pending then Success, and serves the generator rows as Microsoft CSV in a zip', async () => {
    const token = await tokenFor(sim);
    const answer = await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/xml/);
    expect(answer.text).toMatch(/<TrackingId xmlns="https:\/\/bingads\.microsoft\.com\/Reporting\/v13"[^>]*>[0-9a-f-]{36}<\/TrackingId>/);
    const id = reportRequestIdOf(answer);
    expect(id.length).toBeLessThanOrEqual(40);
    expect(sim.stats.pendingRequestIds).toBe(1);

    const done = await pollUntilDone(sim, token, id);
    expect(done.status).toBe('Success');
    expect(done.url).toMatch(new RegExp(`^${sim.urls.base}/downloads/[0-9a-f]+\\?.*sig=`));
    expect(sim.stats.pendingRequestIds).toBe(0);

    const res = await fetch(done.url as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const entries = await unzipAll(bytes);
    expect(entries).toHaveLength(1);

    const options = sim.generateOptions({ accountId: ACCOUNT, columns: COLUMNS, aggregation: 'Daily', from: '2026-11-01', to: '2026-11-03' });
    const expected = await text(reportCsvStream(options, { excludeReportHeader: true, excludeReportFooter: true, excludeColumnHeaders: false, reportName: 'x' }));
    expect(entries[0]?.text).toBe(expected);
    const lines = expected.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe(COLUMNS.map((c) => `"${c}"`).join(','));
    expect(lines.length - 1).toBe([...generateRows(options)].length);
    expect(sim.stats.submits).toBe(1);
    expect(sim.stats.submitsByAccount[ACCOUNT]).toBe(1);
    expect(sim.stats.downloads).toBe(1);
  });

  it('honours the report header and footer flags and states the row count', async () => {
    const token = await tokenFor(sim);
    const id = await submit(sim, token, { excludeHeader: false, excludeFooter: false });
    const done = await pollUntilDone(sim, token, id);
    const [entry] = await unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer()));
    const lines = (entry?.text ?? '').replace(/^\uFEFF/, '').split('\r\n');
    const rows = [...generateRows(sim.generateOptions({ accountId: ACCOUNT, columns: COLUMNS, aggregation: 'Daily', from: '2026-11-01', to: '2026-11-03' }))].length;
    expect(lines[0]).toBe('"Report Name: daily-campaign"');
    expect(lines[8]).toBe(`"Rows: ${rows}"`);
    expect(lines[9]).toBe('');
    expect(lines[10]).toBe(COLUMNS.map((c) => `"${c}"`).join(','));
    expect(lines.at(-2)).toMatch(/^"©\d{4} Microsoft Corporation\. All rights reserved\. "$/);
  });

  it('serves every scope account, in scope order', async () => {
    const token = await tokenFor(sim);
    const id = await submit(sim, token, { accountIds: [ACCOUNT, OTHER_ACCOUNT], time: customRange('2026-11-02', '2026-11-02') });
    const done = await pollUntilDone(sim, token, id);
    const [entry] = await unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer()));
    const body = (entry?.text ?? '').replace(/^\uFEFF/, '').trimEnd().split('\r\n').slice(1);
    const expected = [ACCOUNT, OTHER_ACCOUNT].flatMap((accountId) =>
      [...generateRows(sim.generateOptions({ accountId, columns: COLUMNS, aggregation: 'Daily', from: '2026-11-02', to: '2026-11-02' }))].map((r) => r.values.map((v) => `"${v}"`).join(',')),
    );
    expect(body).toEqual(expected);
  });

  it('serves the WSDL with the simulator address at ?wsdl and ?singleWsdl', async () => {
    for (const url of [sim.urls.reportingWsdl, `${sim.urls.reporting}?singleWsdl`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const wsdl = await res.text();
      expect(wsdl).toContain(`<soap:address location="${sim.urls.reporting}"`);
      expect(wsdl).toContain('CampaignPerformanceReportRequest');
    }
  });
});
