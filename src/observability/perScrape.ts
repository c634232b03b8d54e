/**
 * One read of a source per scrape, shared by every gauge it feeds: prom-client collects all metrics of
 * a scrape together, so the gauges that ask in the same turn get the same promise, and the next scrape
 * reads again. The read never rejects: a failure or a timeout becomes `{ ok: false }` (the error goes
 * to `onError` once per outage, i.e. again only after a read succeeded; never into the scrape's body).
 */

export type Scraped<T> = { ok: true; value: T } | { ok: false };

export function perScrape<T>(timeoutMs: number, read: () => Promise<T>, onError: (err: unknown) => void = () => undefined): () => Promise<Scraped<T>> {
  let pending: Promise<Scraped<T>> | undefined;
  let failing = false;
  return () => {
    pending ??= withTimeout(read(), timeoutMs)
      .then(
        (value): Scraped<T> => {
          failing = false;
          return { ok: true, value };
        },
        (err: unknown): Scraped<T> => {
          if (!failing) onError(err);
          failing = true;
          return { ok: false };
        },
      )
      .finally(() => {
        setTimeout(() => (pending = undefined), 0);
      });
    return pending;
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
