import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { simulatorSettings } from '../../src/cli/simulator.js';
import { FaultOptionError } from '../../src/simulator/faultOptions.js';
import { generationKey, generationMsFor, GenerationTimeError, meanGenerationMs, parseGenerationTime, type GenerationTime } from '../../src/simulator/generationTime.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, customRange, envelope, faultOf, headerXml, OTHER_ACCOUNT, poll, soapPost, submit, submitBody, testOptions, tokenFor, type SimulatorOptionsOverride } from './helpers.js';
import { customRangeJson, restFaultOf, restHeaders, restPoll, restPost, restSubmit, submitJson, submitUrl } from './restHelpers.js';

/**
 * Report generation time as a distribution (fixed or log-normal, drawn per report request from the seed)
 * and Microsoft's hidden per-customer cap (concurrentLimit → 207 ConcurrentRequestOverLimit). The
 * simulator runs on a fixed clock (only Date is faked; sockets and timers are real), so "Pending until
 * exactly t0 + generation time" is checked to the millisecond without sleeping.
 */

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const LOGNORMAL = 'lognormal:60000,0.8';

describe('parseGenerationTime', () => {
  it('reads a fixed time and a log-normal one', () => {
    expect(parseGenerationTime('60000')).toEqual({ kind: 'fixed', ms: 60_000 });
    expect(parseGenerationTime(' 0 ')).toEqual({ kind: 'fixed', ms: 0 });
    expect(parseGenerationTime('lognormal:60000,0.5')).toEqual({ kind: 'lognormal', medianMs: 60_000, sigma: 0.5 });
    expect(parseGenerationTime('LogNormal: 1500 , 1')).toEqual({ kind: 'lognormal', medianMs: 1_500, sigma: 1 });
  });

  it.each([['-5'], ['1.5s'], ['lognormal:60000'], ['lognormal:0,0.5'], ['lognormal:60000,9'], ['gamma:1,2'], ['86400000'], ['']])('refuses %j', (text) => {
    expect(() => parseGenerationTime(text)).toThrow(GenerationTimeError);
  });
});

describe('generationMsFor', () => {
  const g = parseGenerationTime(LOGNORMAL) as Extract<GenerationTime, { kind: 'lognormal' }>;
  const draws = Array.from({ length: 20_000 }, (_, i) => generationMsFor(g, 'seed-a', `key-${i}`));

  it('is a pure function of seed and key', () => {
    expect(generationMsFor(g, 'seed-a', 'key-7')).toBe(draws[7]);
    const otherSeed = Array.from({ length: 100 }, (_, i) => generationMsFor(g, 'seed-b', `key-${i}`));
    expect(otherSeed).not.toEqual(draws.slice(0, 100));
  });

  it('is log-normal: median and σ of ln as asked, mean e^(σ²/2) × median', () => {
    const sorted = [...draws].sort((a, b) => a - b);
    const median = sorted[sorted.length / 2] as number;
    expect(median / g.medianMs).toBeGreaterThan(0.96);
    expect(median / g.medianMs).toBeLessThan(1.04);
    const logs = draws.map((d) => Math.log(d / g.medianMs));
    const mu = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / logs.length);
    expect(Math.abs(sd - g.sigma)).toBeLessThan(0.03);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean / meanGenerationMs(g)).toBeGreaterThan(0.95);
    expect(mean / meanGenerationMs(g)).toBeLessThan(1.05);
    expect(draws.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
  });

  it('fixed is the same for every key', () => {
    expect(generationMsFor({ kind: 'fixed', ms: 5_000 }, 's', 'a')).toBe(5_000);
    expect(generationMsFor({ kind: 'fixed', ms: 5_000 }, 't', 'b')).toBe(5_000);
  });
});

describe('the simulator CLI settings', () => {
  it('--generation wins over --generation-ms; 1,500 ms fixed by default; --concurrent-limit is a non-negative integer', () => {
    expect(simulatorSettings({ concurrentLimit: '0' })).toEqual({ generation: { kind: 'fixed', ms: 1_500 }, concurrentLimit: 0 });
    expect(simulatorSettings({ generationMs: '400', concurrentLimit: '3' })).toEqual({ generation: { kind: 'fixed', ms: 400 }, concurrentLimit: 3 });
    expect(simulatorSettings({ generation: LOGNORMAL, generationMs: '400', concurrentLimit: '30' }).generation).toEqual({ kind: 'lognormal', medianMs: 60_000, sigma: 0.8 });
    expect(() => simulatorSettings({ generation: 'soon', concurrentLimit: '0' })).toThrow(GenerationTimeError);
    expect(() => simulatorSettings({ concurrentLimit: '-1' })).toThrow(FaultOptionError);
    expect(() => simulatorSettings({ concurrentLimit: 'ten' })).toThrow(FaultOptionError);
  });
});

describe('the simulator on a fixed clock', () => {
  const sims: Simulator[] = [];
  async function start(overrides: SimulatorOptionsOverride = {}): Promise<{ sim: Simulator; token: string }> {
    const sim = await startSimulator(testOptions(overrides));
    sims.push(sim);
    return { sim, token: await tokenFor(sim) };
  }
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    vi.useRealTimers();
  });
  const at = (ms: number) => vi.setSystemTime(T0 + ms);
  const windows = (n: number) => Array.from({ length: n }, (_, i) => customRange(`2026-10-${String(i + 1).padStart(2, '0')}`, `2026-10-${String(i + 1).padStart(2, '0')}`));

  it('fixed --generation: Pending until exactly submit + MS (SOAP)', async () => {
    const { sim, token } = await start({ generation: '5000' });
    const id = await submit(sim, token);
    at(4_999);
    expect((await poll(sim, token, id)).status).toBe('Pending');
    expect(sim.stats.pendingRequestIds).toBe(1);
    at(5_000);
    expect((await poll(sim, token, id)).status).toBe('Success');
    expect(sim.stats.pendingRequestIds).toBe(0);
  });

  it('lognormal: each report request is Pending for its own draw, to the millisecond, over SOAP and REST', async () => {
    const { sim, token } = await start({ generation: LOGNORMAL, seed: 'night-1' });
    const g = parseGenerationTime(LOGNORMAL);
    const ids: { id: string; ms: number; rest: boolean }[] = [];
    for (const [i, time] of windows(6).entries()) {
      const day = `2026-10-${String(i + 1).padStart(2, '0')}`;
      const key = generationKey({ connectionId: 'conn-a', accountIds: [ACCOUNT], requestType: 'CampaignPerformanceReportRequest', aggregation: 'Daily', from: day, to: day }, 0);
      const rest = i % 2 === 1;
      const id = rest ? await restSubmit(sim, { token }, { time: customRangeJson(day, day) }) : await submit(sim, token, { time });
      ids.push({ id, ms: generationMsFor(g, 'night-1', key), rest });
    }
    expect(new Set(ids.map((r) => r.ms)).size).toBe(6);
    for (const r of ids) {
      const status = async () => (r.rest ? (await restPoll(sim, { token }, r.id)).status : (await poll(sim, token, r.id)).status);
      at(r.ms - 1);
      expect(await status()).toBe('Pending');
      at(r.ms);
      expect(await status()).toBe('Success');
    }
  });

  it('the same requests get the same times under the same seed, other times under another; a resubmit draws again', async () => {
    const statusesAt = async (seed: string, probes: number[]) => {
      vi.setSystemTime(T0);
      const { sim, token } = await start({ generation: LOGNORMAL, seed });
      const ids = [];
      for (const time of windows(8)) ids.push(await submit(sim, token, { time }));
      ids.push(await submit(sim, token, { time: windows(1)[0] as string }));
      const out: string[] = [];
      for (const ms of probes) {
        at(ms);
        for (const id of ids) out.push((await poll(sim, token, id)).status[0] as string);
      }
      return out.join('');
    };
    const probes = [20_000, 45_000, 60_000, 90_000, 180_000];
    const a = await statusesAt('seed-a', probes);
    expect(await statusesAt('seed-a', probes)).toBe(a);
    expect(await statusesAt('seed-b', probes)).not.toBe(a);
    // Not all the same at one probe: the times really differ per request.
    expect(a.slice(9 * 2, 9 * 3)).toMatch(/P/);
    expect(a.slice(9 * 2, 9 * 3)).toMatch(/S/);
  });

  it('concurrentLimit N: the (N+1)th Pending report of a customer answers 207 (SOAP and REST), other customers are not counted, a finished report frees a slot', async () => {
    const { sim, token } = await start({ generation: '60000', concurrentLimit: 2 });
    expect(sim.faults.concurrentLimit).toBe(2);
    await submit(sim, token);
    await restSubmit(sim, { token, accountId: OTHER_ACCOUNT }, { accountIds: [OTHER_ACCOUNT] });

    const soap = await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()));
    expect(soap.status).toBe(500);
    expect(faultOf(soap)).toMatchObject({ detail: 'ApiFaultDetail', code: 207, errorCode: 'ConcurrentRequestOverLimit' });
    expect(faultOf(soap).message).toBe('You have already reached the maximum number of concurrent report requests. Please wait until the previous reports are completed and then try to submit a new request.');
    const rest = await restPost(submitUrl(sim), submitJson(), restHeaders({ token }));
    expect(rest.status).toBe(400);
    expect(restFaultOf(rest)).toMatchObject({ code: 207, errorCode: 'ConcurrentRequestOverLimit' });
    expect(sim.stats.faultsReturned['207']).toBe(2);
    expect(sim.stats.requestsRejected).toBe(0);
    expect(sim.stats.submits).toBe(2);

    // Another customer (conn-b, customer 2000002) has slots of its own.
    const other = await tokenFor(sim, 'conn-b');
    await submit(sim, other, { accountIds: ['260000001'] }, { customerId: '2000002', accountId: '260000001' });

    at(59_999);
    expect(faultOf(await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()))).code).toBe(207);
    at(60_000);
    await submit(sim, token);
    await restSubmit(sim, { token });
    expect(faultOf(await soapPost(sim, 'SubmitGenerateReport', envelope(headerXml({ token }), submitBody()))).code).toBe(207);
    expect(sim.stats.faultsReturned['207']).toBe(4);
  });

  it('concurrentLimit 0 (the default) never answers 207', async () => {
    const { sim, token } = await start({ generation: '60000' });
    for (let i = 0; i < 25; i++) await submit(sim, token);
    expect(sim.stats.pendingRequestIds).toBe(25);
    expect(sim.stats.faultsReturned['207']).toBeUndefined();
  });

  it('refuses a bad concurrentLimit or generation at start', async () => {
    await expect(startSimulator(testOptions({ concurrentLimit: -1 }))).rejects.toThrow(/concurrentLimit/);
    await expect(startSimulator(testOptions({ generation: 'lognormal:x' }))).rejects.toThrow(GenerationTimeError);
  });
});
