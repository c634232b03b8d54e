import { compact, scrub } from '../httpText.js';

/** How a REST body that is not what we asked for is quoted in messages (the shared helpers: src/httpText.ts). */

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
