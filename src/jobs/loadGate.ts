/**
 * At most N downloads + loads at once in one worker process. A worker runs many jobs at once
 * (WORKER_CONCURRENCY) because submits and polls are short calls; loads are long and lean on
 * Postgres. Without the gate, a night's loads took every job slot and the polls of reports already
 * ready at Microsoft waited behind them, holding concurrency slots Microsoft had long freed. A job
 * waiting here has polled already (its Microsoft slot is released), so Microsoft keeps generating.
 */
export interface LoadGate {
  /** Resolves with the release function once a load may start. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly active: number;
  readonly waiting: number;
}

export function createLoadGate(limit: number): LoadGate {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active -= 1;
    const next = queue.shift();
    if (next) next();
  };
  const once = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (active < limit) {
        active += 1;
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
        const start = () => {
          signal?.removeEventListener('abort', onAbort);
          active += 1;
          resolve(once());
        };
        const onAbort = () => {
          const at = queue.indexOf(start);
          if (at >= 0) queue.splice(at, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted while waiting to load'));
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(start);
      });
    },
  };
}
