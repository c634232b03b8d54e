import unzipper from 'unzipper';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BULK_HEADERS, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { applyFaultOption } from '../../src/simulator/faultOptions.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';
import { ACCOUNT, testOptions, tokenFor } from './helpers.js';
import { downloadBody, downloadBulk, entityRows, pollBulk, pollBulkUntilDone, postDownload, readBulkZip, statusUrl, submitBulk, syncTimeIso } from './bulkHelpers.js';
import { restFaultOf, restHeaders, restPost } from './restHelpers.js';

/** The Bulk fault switches (faultSwitches.ts), each live on a running simulator, and how they run out. */

let sim: Simulator;
let token: string;
beforeEach(async () => {
  sim = await startSimulator(testOptions({ bulkGenerationMs: 0 }));
  token = await tokenFor(sim);
});
afterEach(async () => {
  await sim.close();
});

const fullFile = async () => {
  const id = await submitBulk(sim, { token });
  const status = await pollBulkUntilDone(sim, { token }, id);
  return { id, status, res: await fetch(status.ResultFileUrl as string) };
};

describe('Bulk call switches', () => {
  it('bulkThrottleNext: 4204 BulkServiceNoMoreCallsPermittedForTheTimePeriod on download submits only, then recovers', async () => {
    const id = await submitBulk(sim, { token });
    await pollBulkUntilDone(sim, { token }, id);
    sim.faults.bulkThrottleNext = 2;
    for (let i = 0; i < 2; i++) {
      const answer = await postDownload(sim, { token });
      expect(answer.status).toBe(400);
      expect(restFaultOf(answer)).toMatchObject({ type: 'ApiFaultDetail', code: 4204, errorCode: 'BulkServiceNoMoreCallsPermittedForTheTimePeriod' });
      // Polls are not throttled by it.
      expect((await pollBulk(sim, { token }, id)).RequestStatus).toBe('Completed');
    }
    expect((await postDownload(sim, { token })).status).toBe(200);
    expect(sim.stats.faultsReturned['4204']).toBe(2);
    expect(sim.stats.requestsRejected).toBe(0);
  });

  it('bulkCallRateNext: 117 CallRateExceeded with HTTP 429 and Retry-After, on downloads and polls', async () => {
    const id = await submitBulk(sim, { token });
    sim.faults.retryAfterSeconds = 3;
    sim.faults.bulkCallRateNext = 2;
    const submit = await postDownload(sim, { token });
    expect(submit.status).toBe(429);
    expect(submit.headers.get('retry-after')).toBe('3');
    expect(restFaultOf(submit)).toMatchObject({ type: 'AdApiFaultDetail', code: 117, errorCode: 'CallRateExceeded' });
    const poll = await restPost(statusUrl(sim), { RequestId: id }, restHeaders({ token }));
    expect(poll.status).toBe(429);
    expect(restFaultOf(poll).code).toBe(117);
    expect((await pollBulkUntilDone(sim, { token }, id)).RequestStatus).toBe('Completed');
  });

  it('bulkFailedNext: the download ends Failed with Errors and no URL', async () => {
    sim.faults.bulkFailedNext = 1;
    const id = await submitBulk(sim, { token });
    const status = await pollBulkUntilDone(sim, { token }, id);
    expect(status).toMatchObject({ RequestStatus: 'Failed', ResultFileUrl: null, ForwardCompatibilityMap: null });
    expect(status.Errors).toEqual([{ Code: 0, Details: expect.any(String), ErrorCode: 'InternalError', Message: expect.any(String) }]);
    expect((await fullFile()).status.RequestStatus).toBe('Completed');
  });

  it('bulkFullSyncRequiredNext: the next delta ends FailedFullSyncRequired (3603); full downloads are not affected', async () => {
    sim.faults.bulkFullSyncRequiredNext = 1;
    const { status, res } = await fullFile();
    expect(status.RequestStatus).toBe('Completed');
    const file = await readBulkZip(Buffer.from(await res.arrayBuffer()));
    const since = syncTimeIso(file.rows[1]?.['Sync Time'] as string);
    const deltaId = await submitBulk(sim, { token }, { LastSyncTimeInUTC: since });
    const failed = await pollBulkUntilDone(sim, { token }, deltaId);
    expect(failed).toMatchObject({ RequestStatus: 'FailedFullSyncRequired', ResultFileUrl: null });
    expect(failed.Errors?.[0]).toMatchObject({ Code: 3603, ErrorCode: 'CampaignServiceFullSyncRequired' });
    const retried = await pollBulkUntilDone(sim, { token }, await submitBulk(sim, { token }, { LastSyncTimeInUTC: since }));
    expect(retried.RequestStatus).toBe('Completed');
  });

  it('bulkCompletedErrorsNext: Completed with a file and a non-null Errors list', async () => {
    sim.faults.bulkCompletedErrorsNext = 1;
    const { status, res } = await fullFile();
    expect(status.RequestStatus).toBe('Completed');
    expect(status.Errors).toHaveLength(1);
    expect(res.status).toBe(200);
    expect((await fullFile()).status.Errors).toBeNull();
  });

  it('malformedJsonNext and unauthorizedNext act on Bulk calls too (every REST call)', async () => {
    sim.faults.malformedJsonNext = 1;
    const half = await postDownload(sim, { token });
    expect(half.status).toBe(200);
    expect(half.json).toBeUndefined();
    sim.faults.unauthorizedNext = 1;
    expect((await postDownload(sim, { token })).status).toBe(401);
    expect((await postDownload(sim, { token })).status).toBe(200);
  });
});

describe('Bulk file switches', () => {
  it('bulkExpireDownloadUrls: 403 AuthenticationFailed, the URL stays dead, a new poll gives a working one', async () => {
    const { id, status } = await fullFile();
    sim.faults.bulkExpireDownloadUrls = 1;
    const expired = await fetch(status.ResultFileUrl as string);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('x-ms-error-code')).toBe('AuthenticationFailed');
    expect(await expired.text()).toContain('<Code>AuthenticationFailed</Code>');
    expect((await fetch(status.ResultFileUrl as string)).status).toBe(403);
    const fresh = await pollBulk(sim, { token }, id);
    expect((await fetch(fresh.ResultFileUrl as string)).status).toBe(200);
    expect(sim.stats.bulk.filesRejected).toBe(2);
  });

  it('a URL is valid for downloadUrlTtlMs (5 minutes by default), 403 after', async () => {
    const short = await startSimulator(testOptions({ bulkGenerationMs: 0, downloadUrlTtlMs: 50 }));
    try {
      const t = await tokenFor(short);
      const id = await submitBulk(short, { token: t });
      const status = await pollBulkUntilDone(short, { token: t }, id);
      expect((await fetch(status.ResultFileUrl as string)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 80));
      const late = await fetch(status.ResultFileUrl as string);
      expect(late.status).toBe(403);
      expect(await late.text()).toContain('Signed expiry time');
    } finally {
      await short.close();
    }
    const { status } = await fullFile();
    const se = Date.parse(new URL(status.ResultFileUrl as string).searchParams.get('se') as string);
    expect(se - Date.now()).toBeGreaterThan(290_000);
    expect(se - Date.now()).toBeLessThanOrEqual(300_000);
  });

  it('bulkCorruptZip: the served zip cannot be read; off again, the same download is served intact', async () => {
    const id = await submitBulk(sim, { token });
    sim.faults.bulkCorruptZip = true;
    const status = await pollBulkUntilDone(sim, { token }, id);
    const bytes = Buffer.from(await (await fetch(status.ResultFileUrl as string)).arrayBuffer());
    await expect(unzipper.Open.buffer(bytes).then((d) => d.files[0]?.buffer())).rejects.toThrow();
    sim.faults.bulkCorruptZip = false;
    const again = await pollBulk(sim, { token }, id);
    const good = await readBulkZip(Buffer.from(await (await fetch(again.ResultFileUrl as string)).arrayBuffer()));
    expect(good.rows.slice(2)).toEqual(entityRows(sim));
  });

  it('bulkExtraColumn: an unknown column after Parent Id, filled on every row; the known columns unchanged', async () => {
    sim.faults.bulkExtraColumn = true;
    const file = await downloadBulk(sim, { token });
    expect(file.headers).toHaveLength(BULK_HEADERS.length + 1);
    expect(file.headers[BULK_HEADERS.indexOf('Parent Id') + 1]).toBe('Simulator Future Column');
    expect(file.rows.every((r) => r['Simulator Future Column'])).toBe(true);
    expect(file.rows.slice(2).map(({ 'Simulator Future Column': _x, ...r }) => r)).toEqual(entityRows(sim));
  });

  it('bulkUnknownRecordType: a "Campaign Negative Site" record after each campaign; the rest unchanged', async () => {
    sim.faults.bulkUnknownRecordType = true;
    const file = await downloadBulk(sim, { token });
    const unknown = file.rows.filter((r) => r.Type === 'Campaign Negative Site');
    const campaigns = sim.bulk.entities(ACCOUNT).filter((e) => e.type === 'Campaign');
    expect(unknown.map((r) => r['Parent Id'])).toEqual(campaigns.map((c) => c.id));
    expect(file.headers).toEqual(BULK_HEADERS);
    expect(file.rows.slice(2).filter((r) => r.Type !== 'Campaign Negative Site')).toEqual(entityRows(sim));
  });

  it('the switches parse from --fault and start off', () => {
    const faults = defaultFaultSwitches();
    expect(faults).toMatchObject({
      bulkThrottleNext: 0,
      bulkCallRateNext: 0,
      bulkFailedNext: 0,
      bulkFullSyncRequiredNext: 0,
      bulkCompletedErrorsNext: 0,
      bulkExpireDownloadUrls: 0,
      bulkCorruptZip: false,
      bulkExtraColumn: false,
      bulkUnknownRecordType: false,
    });
    expect(applyFaultOption(faults, 'bulkThrottleNext=2')).toBe('bulkThrottleNext=2');
    expect(applyFaultOption(faults, 'bulkExtraColumn')).toBe('bulkExtraColumn=true');
    expect(downloadBody()).toMatchObject({ FormatVersion: '6.0' });
  });
});
