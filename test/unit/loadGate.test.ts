import { describe, expect, it } from 'vitest';
import { createLoadGate } from '../../src/jobs/loadGate.js';

describe('load gate', () => {
  it('lets N loads run, queues the rest in order, and an aborted waiter leaves the queue', async () => {
    const gate = createLoadGate(2);
    const a = await gate.acquire();
    const b = await gate.acquire();
    const order: string[] = [];
    const c = gate.acquire().then((r) => (order.push('c'), r));
    const abort = new AbortController();
    const d = gate.acquire(abort.signal).then(() => order.push('d'), () => order.push('d aborted'));
    const e = gate.acquire().then((r) => (order.push('e'), r));
    expect([gate.active, gate.waiting]).toEqual([2, 3]);
    abort.abort();
    await d;
    a();
    a(); // releasing twice frees one slot only
    const releaseC = await c;
    expect([gate.active, gate.waiting]).toEqual([2, 1]);
    b();
    const releaseE = await e;
    expect(order).toEqual(['d aborted', 'c', 'e']);
    releaseC();
    releaseE();
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });
});
