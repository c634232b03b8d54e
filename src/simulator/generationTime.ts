import { createHash } from 'node:crypto';

/**
 * How long a submitted report stays Pending in the simulator: a fixed time, or drawn from a log-normal
 * distribution (Microsoft's report generation times are skewed: most reports are quick, a few take many
 * times the median). A draw is a pure function of the simulator's seed and the report request's key
 * (who asked for which report, scope, aggregation and window, and how many times that same request was
 * submitted before), so a run that submits the same requests gets the same generation times whatever
 * the order or timing of its calls, and runs are reproducible. (The ReportRequestId itself starts with
 * the submit time and cannot be that key.)
 *
 * Text form (CLI `--generation`, bench `--generation`): `MS` (fixed, e.g. `60000`) or
 * `lognormal:MEDIAN_MS,SIGMA` (e.g. `lognormal:60000,0.5`: median 60 s, σ of the natural log 0.5).
 */

export type GenerationTime = { kind: 'fixed'; ms: number } | { kind: 'lognormal'; medianMs: number; sigma: number };

export class GenerationTimeError extends Error {
  override name = 'GenerationTimeError';
}

/** A report request id is valid for one day at Microsoft: no report is Pending longer. */
export const MAX_GENERATION_MS = 86_400_000 - 1;

const FORMS = "MS (fixed, e.g. 60000) or lognormal:MEDIAN_MS,SIGMA (e.g. lognormal:60000,0.5)";

export function parseGenerationTime(text: string): GenerationTime {
  const t = text.trim();
  if (/^[0-9]+$/.test(t)) {
    const ms = Number(t);
    if (ms > MAX_GENERATION_MS) throw new GenerationTimeError(`generation time '${text}': at most ${MAX_GENERATION_MS} ms (a report request lives one day)`);
    return { kind: 'fixed', ms };
  }
  const m = /^lognormal:\s*([0-9]+(?:\.[0-9]+)?)\s*,\s*([0-9]+(?:\.[0-9]+)?)$/i.exec(t);
  if (!m) throw new GenerationTimeError(`generation time '${text}': expected ${FORMS}`);
  const medianMs = Number(m[1]);
  const sigma = Number(m[2]);
  if (!(medianMs > 0) || medianMs > MAX_GENERATION_MS) throw new GenerationTimeError(`generation time '${text}': the median must be > 0 and ≤ ${MAX_GENERATION_MS} ms`);
  if (sigma > 5) throw new GenerationTimeError(`generation time '${text}': sigma must be between 0 and 5`);
  return { kind: 'lognormal', medianMs, sigma };
}

export function describeGenerationTime(g: GenerationTime): string {
  return g.kind === 'fixed' ? `${g.ms} ms (fixed)` : `lognormal, median ${g.medianMs} ms, sigma ${g.sigma} (mean ${Math.round(meanGenerationMs(g))} ms)`;
}

/** The expected generation time (for a fixed time the time itself; log-normal: median × e^(σ²/2)). */
export function meanGenerationMs(g: GenerationTime): number {
  return g.kind === 'fixed' ? g.ms : Math.min(MAX_GENERATION_MS, g.medianMs * Math.exp((g.sigma * g.sigma) / 2));
}

/** Two uniforms in (0, 1) from sha256(seed, key): 52 bits each, never 0 or 1. */
function uniforms(seed: string, key: string): [number, number] {
  const h = createHash('sha256').update(seed).update('\0').update(key).digest();
  const u = (offset: number) => (Number(h.readBigUInt64BE(offset) >> 12n) + 0.5) / 2 ** 52;
  return [u(0), u(8)];
}

/** The generation time of the report request `key` under `seed`, in whole milliseconds. */
export function generationMsFor(g: GenerationTime, seed: string, key: string): number {
  if (g.kind === 'fixed') return g.ms;
  const [u1, u2] = uniforms(seed, key);
  // Box-Muller: one standard normal draw.
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.min(MAX_GENERATION_MS, Math.max(0, Math.round(g.medianMs * Math.exp(g.sigma * z))));
}

/** The key a report request's generation time is drawn for: the request's identity and how often it was submitted before. */
export function generationKey(parts: { connectionId: string; accountIds: readonly string[]; requestType: string; aggregation: string; from: string; to: string }, earlierSubmits: number): string {
  return [parts.connectionId, parts.accountIds.join(','), parts.requestType, parts.aggregation, parts.from, parts.to, earlierSubmits].join('|');
}
