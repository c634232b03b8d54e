import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { reportRuns } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { noopObserver, type RunObserver } from '../jobs/observer.js';
import type { Logger } from '../logger.js';
import { alertText, type AlertSender } from './alerts.js';

/**
 * Runs that fail for good raise an alert per connection and error class; an 'auth' failure is the
 * connection's credentials condition, the same key the health check uses for needs_reauth, so a dead
 * connection is announced once whichever notices first. Delivery never delays or breaks the run.
 */
export function createAlertObserver(deps: {
  sender: AlertSender;
  db: Db;
  repeatMs: number;
  logger: Logger;
}): RunObserver & { idle(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const tracked = p.catch((err: unknown) => deps.logger.error({ err: coerceError(err) }, 'alert failed')).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  return {
    ...noopObserver,
    runEnded(attributes, outcome, errorClass) {
      if (outcome !== 'failed') return;
      const cls = errorClass ?? 'unknown';
      const { connectionId } = attributes;
      const lookup = async () => {
        const [run] = attributes.runId
          ? await deps.db
              .select({ from: reportRuns.windowStart, to: reportRuns.windowEnd, message: reportRuns.errorMessage })
              .from(reportRuns)
              .where(eq(reportRuns.id, attributes.runId))
          : [];
        return run;
      };
      track(
        deps.sender.send({
          // Credentials and permission failures share the key of the health check's needs_reauth alert.
          key: cls === 'auth' ? `connection:${connectionId}:credentials` : `connection:${connectionId}:failed:${cls}`,
          kind: cls === 'auth' ? 'needs_reauth' : 'run_failed',
          connectionId,
          text: async () => {
            const run = await lookup();
            return alertText.runFailed({
              ...attributes,
              errorClass: cls,
              repeatMs: deps.repeatMs,
              ...(run ? { window: `${run.from}..${run.to}`, message: run.message } : {}),
            });
          },
        }),
      );
    },
    entityRunEnded(run, outcome, failure) {
      if (outcome !== 'failed' || !failure) return;
      track(
        deps.sender.send({
          key: failure.errorClass === 'auth' ? `connection:${run.connectionId}:credentials` : `connection:${run.connectionId}:entities-failed:${failure.errorClass}`,
          kind: failure.errorClass === 'auth' ? 'needs_reauth' : 'run_failed',
          connectionId: run.connectionId,
          text: alertText.entityRunFailed({ ...run, ...failure, repeatMs: deps.repeatMs }),
        }),
      );
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
