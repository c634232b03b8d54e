import { inflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, COLUMNS, envelope, faultOf, headerXml, poll, pollUntilDone, soapPost, submit, submitBody, testOptions, tokenFor, unzipAll, type SimulatorOptionsOverride } from './helpers.js';

let sim: Simulator;
let token: string;
async function start(overrides: SimulatorOptionsOverride = {}) {
  sim = await startSimulator(testOptions(overrides));
  token = await tokenFor(sim);
}
beforeEach(async () => start());
afterEach(async () => {
  await sim.close();
});

const submitAnswer = () => soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()));

/** Submits the §12 report, polls it to the end, downloads it. */
async function downloadReport(): Promise<{ res: Response; bytes: Buffer; url: string }> {
  const done = await pollUntilDone(sim, token, await submit(sim, token));
  expect(done.status).toBe('Success');
  const res = await fetch(done.url as string);
  return { res, bytes: Buffer.from(await res.arrayBuffer()), url: done.url as string };
}

async function csvLines(): Promise<string[]> {
  const [entry] = await unzipAll((await downloadReport()).bytes);
  return (entry?.text ?? '').replace(/^\uFEFF/, '').split('\r\n');
}

describe('SOAP fault switches', () => {
  it('throttleNext answers n calls with 117 CallRateExceeded, then recovers', async () => {
    sim.faults.throttleNext = 2;
    for (let i = 0; i < 2; i++) expect(faultOf(await submitAnswer())).toMatchObject({ detail: 'AdApiFaultDetail', code: 117, errorCode: 'CallRateExceeded' });
    expect((await submitAnswer()).status).toBe(200);
    expect(sim.faults.throttleNext).toBe(0);
    expect(sim.stats.faultsReturned['117']).toBe(2);
    expect(sim.stats.requestsRejected).toBe(0);
  });

  it('internalErrorNext answers OperationError 0 InternalError', async () => {
    sim.faults.internalErrorNext = 1;
    expect(faultOf(await submitAnswer())).toMatchObject({ detail: 'ApiFaultDetail', code: 0, errorCode: 'InternalError', message: 'An internal error has occurred.' });
    expect((await submitAnswer()).status).toBe(200);
  });

  it('unknownFaultCode answers a code nobody documents', async () => {
    sim.faults.unknownFaultCode = 1;
    expect(faultOf(await submitAnswer()).code).toBe(99999);
  });

  it('faultWithHttp200 delivers faults with HTTP 200', async () => {
    sim.faults.faultWithHttp200 = true;
    sim.faults.throttleNext = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(200);
    expect(faultOf(answer).code).toBe(117);
  });

  it('htmlInsteadOfSoap answers an HTML 502 page', async () => {
    sim.faults.htmlInsteadOfSoap = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(502);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(answer.text).toContain('502 Bad Gateway');
    expect((await submitAnswer()).status).toBe(200);
  });

  it('emptyBody answers HTTP 200 with nothing in it', async () => {
    sim.faults.emptyBody = 1;
    const answer = await submitAnswer();
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
  });

  it('latencyMs delays every SOAP response', async () => {
    sim.faults.latencyMs = 150;
    const started = performance.now();
    await submitAnswer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('report generation switches', () => {
  it('concurrentLimit refuses a Submit beyond the Pending limit with 207', async () => {
    await sim.close();
    await start({ generationMs: 400 });
    sim.faults.concurrentLimit = 1;
    const first = await submit(sim, token);
    expect(faultOf(await submitAnswer())).toMatchObject({ code: 207, errorCode: 'ConcurrentRequestOverLimit' });
    await pollUntilDone(sim, token, first);
    await submit(sim, token);
  });

  it('statusErrorNext ends n reports with Status=Error and no URL', async () => {
    sim.faults.statusErrorNext = 1;
    expect(await pollUntilDone(sim, token, await submit(sim, token))).toEqual({ status: 'Error', url: undefined });
    expect((await pollUntilDone(sim, token, await submit(sim, token))).status).toBe('Success');
  });

  it('emptyReport ends with Success and a nil ReportDownloadUrl', async () => {
    sim.faults.emptyReport = true;
    expect(await pollUntilDone(sim, token, await submit(sim, token))).toEqual({ status: 'Success', url: undefined });
  });
});

describe('download switches and URL expiry', () => {
  it('expireDownloadUrls answers 403 AuthenticationFailed at once; the URL stays dead; a fresh Poll gives a working URL', async () => {
    sim.faults.expireDownloadUrls = 1;
    const id = await submit(sim, token);
    const done = await pollUntilDone(sim, token, id);
    const first = await fetch(done.url as string);
    expect(first.status).toBe(403);
    expect(await first.text()).toContain('<Code>AuthenticationFailed</Code>');
    expect((await fetch(done.url as string)).status).toBe(403);
    const again = await poll(sim, token, id);
    expect(again.url).not.toBe(done.url);
    expect((await fetch(again.url as string)).status).toBe(200);
    expect(sim.stats.downloadsRejected).toBe(2);
  });

  it('download URLs expire after downloadUrlTtlMs, reject a tampered signature, 404 an unknown blob', async () => {
    await sim.close();
    await start({ downloadUrlTtlMs: 1 });
    const done = await pollUntilDone(sim, token, await submit(sim, token));
    await new Promise((r) => setTimeout(r, 10));
    expect((await fetch(done.url as string)).status).toBe(403);
    const tampered = (done.url as string).replace(/sig=[^&]+/, 'sig=AAAA');
    expect((await fetch(tampered)).status).toBe(403);
    const unknown = await fetch(`${sim.urls.base}/downloads/0123456789abcdef?sig=x`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('<Code>BlobNotFound</Code>');
  });

  it('corruptZip serves a zip no reader can open or inflate', async () => {
    sim.faults.corruptZip = true;
    const { res, bytes } = await downloadReport();
    expect(res.status).toBe(200);
    await expect(unzipAll(bytes)).rejects.toThrow();
    const dataOffset = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28);
    expect(() => inflateRawSync(bytes.subarray(dataOffset))).toThrow();
  });

  it('zipWithNoEntry and zipWithTwoEntries', async () => {
    sim.faults.zipWithNoEntry = true;
    expect(await unzipAll((await downloadReport()).bytes)).toEqual([]);
    sim.faults.zipWithNoEntry = false;
    sim.faults.zipWithTwoEntries = true;
    const entries = await unzipAll((await downloadReport()).bytes);
    expect(entries).toHaveLength(2);
    expect(entries[0]?.text).toContain('"TimePeriod"');
    expect(entries[1]?.text).not.toContain('"TimePeriod"');
  });

  it('zipBombBytes makes the entry inflate to that many bytes from a tiny zip', async () => {
    sim.faults.zipBombBytes = 20_000_000;
    const { bytes } = await downloadReport();
    expect(bytes.length).toBeLessThan(200_000);
    const unzipper = (await import('unzipper')).default;
    const dir = await unzipper.Open.buffer(bytes);
    expect(dir.files[0]?.uncompressedSize).toBe(20_000_000);
  });

  it('a file-shaping switch turned off again serves the real file for the same report', async () => {
    sim.faults.corruptZip = true;
    const id = await submit(sim, token);
    const done = await pollUntilDone(sim, token, id);
    await expect(unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer()))).rejects.toThrow();
    sim.faults.corruptZip = false;
    expect(await unzipAll(Buffer.from(await (await fetch(done.url as string)).arrayBuffer()))).toHaveLength(1);
  });
});

describe('CSV content switches', () => {
  it('csvHeaderLayout overrides the request layout, adds a Total row and drops the final newline', async () => {
    sim.faults.csvHeaderLayout = { excludeReportHeader: false, excludeReportFooter: false, totalRow: true, noFinalNewline: true };
    const lines = await csvLines();
    expect(lines[0]).toBe('"Report Name: daily-campaign"');
    expect(lines.some((l) => l.startsWith('"Total",'))).toBe(true);
    expect(lines.at(-1)).toMatch(/Microsoft Corporation/);
  });

  it('columnsMismatch renames one column in the header', async () => {
    sim.faults.columnsMismatch = true;
    const header = (await csvLines())[0]?.split(',');
    expect(header).toEqual([...COLUMNS.slice(0, -1), `${COLUMNS.at(-1)}X`].map((c) => `"${c}"`));
  });

  it('raggedRows drops the last field of every third row', async () => {
    sim.faults.raggedRows = true;
    const rows = (await csvLines()).slice(1, 4).map((l) => l.split(',').length);
    expect(rows).toEqual([COLUMNS.length, COLUMNS.length, COLUMNS.length - 1]);
  });

  it('nonNumericValue puts text where the first numeric metric belongs', async () => {
    sim.faults.nonNumericValue = true;
    const row = (await csvLines())[1]?.split(',');
    expect(row?.[COLUMNS.indexOf('Impressions')]).toBe('"n/a"');
    expect(row?.[COLUMNS.indexOf('AccountId')]).toBe(`"${ACCOUNT}"`);
  });
});
