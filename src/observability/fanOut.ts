import type { RunObserver } from '../jobs/observer.js';
import { noopObserver } from '../jobs/observer.js';

/**
 * One observer that forwards every fact to several (metrics, traces, alerts). Steps nest, so each
 * observer wraps the step (the first one outermost). A throwing observer never breaks a run: its error
 * goes to `onError` and the others still hear the fact.
 */
export function fanOut(observers: readonly RunObserver[], onError: (err: unknown) => void = () => undefined): RunObserver {
  if (observers.length === 0) return noopObserver;
  if (observers.length === 1) return observers[0] as RunObserver;
  const each = (fn: (o: RunObserver) => void) => {
    for (const o of observers) {
      try {
        fn(o);
      } catch (err) {
        onError(err);
      }
    }
  };
  return {
    step: (name, attributes, fn) => observers.reduceRight<() => Promise<never>>((inner, o) => () => o.step(name, attributes, inner), fn as () => Promise<never>)(),
    microsoftCall: (operation, result, ms, api) => each((o) => o.microsoftCall(operation, result, ms, api)),
    tokenRefreshed: (connectionId) => each((o) => o.tokenRefreshed(connectionId)),
    throttled: (source, attributes) => each((o) => o.throttled(source, attributes)),
    polled: (attributes) => each((o) => o.polled(attributes)),
    concurrencyLevel: (customerId, level) => each((o) => o.concurrencyLevel(customerId, level)),
    loaded: (attributes, rows, ms) => each((o) => o.loaded(attributes, rows, ms)),
    runEnded: (attributes, outcome, errorClass) => each((o) => o.runEnded(attributes, outcome, errorClass)),
    entityRunEnded: (run, outcome, failure) => each((o) => o.entityRunEnded(run, outcome, failure)),
  };
}
