/**
 * Small text helpers for REST failures. Kept here rather than imported from src/soap/faults.ts so the
 * REST adapter does not depend on the SOAP one, which goes away with SOAP itself (REST-FACTS §1).
 */

/** Replaces every occurrence of each secret (4+ characters, so ids and empty strings stay) with [redacted]. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Whitespace collapsed, cut at `max` characters. */
export function compact(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** The first bytes of a body, quoted, for a message: scrubbed first so a cut can never leave half a token. */
export function quoteStart(body: string, secrets: readonly string[], max = 160): string {
  return `"${compact(scrub(body, secrets), max)}"`;
}

/** What a body that is not the JSON we wanted looks like, in a few words. */
export function describeBody(body: string, secrets: readonly string[]): string {
  if (body.trim() === '') return 'an empty body';
  // Gateways and login pages answer HTML; its title is usually the whole story ("502 Bad Gateway").
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  if (title !== undefined) return `an HTML page: ${quoteStart(title, secrets)}`;
  return `a body of ${quoteStart(body, secrets)}`;
}
