import type { Db } from '../db/client.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { alertText, type AlertResult, type AlertSender } from './alerts.js';
import { connectionFreshness, type FreshnessOptions } from './freshness.js';

/**
 * The periodic health check behind the connection alerts: connections marked needs_reauth, and healthy
 * connections whose data fell more than FRESHNESS_MAX_LAG_DAYS behind yesterday. It runs in the
 * dashboard and in the scheduler (every ALERT_CHECK_INTERVAL_MS); Redis deduplication makes running it
 * in several processes harmless. A connection needing re-authorization is not also reported stale.
 */

export interface AlertMonitorDeps {
  db: Db;
  sender: AlertSender;
  freshness: Omit<FreshnessOptions, 'now'>;
  maxLagDays: number;
  integrationId: string;
  logger: Logger;
  now: () => Date;
}

export interface AlertMonitor {
  /** One check; resolves with what happened to each alert it raised. */
  check(): Promise<{ key: string; result: AlertResult }[]>;
  /** Checks now and then every intervalMs until stop(). */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export function createAlertMonitor(deps: AlertMonitorDeps): AlertMonitor {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const check = async () => {
    const results: { key: string; result: AlertResult }[] = [];
    for (const c of await connectionFreshness(deps.db, { ...deps.freshness, now: deps.now() })) {
      if (c.health === 'needs_reauth') {
        const key = `connection:${c.connectionId}:credentials`;
        const text = alertText.needsReauth(c.connectionId, c.healthReason, c.healthSince, deps.integrationId);
        results.push({ key, result: await deps.sender.send({ key, kind: 'needs_reauth', connectionId: c.connectionId, text }) });
      } else if (c.lagDays !== null && c.oldestLoadedDay !== null && c.lagDays > deps.maxLagDays) {
        const key = `connection:${c.connectionId}:stale`;
        const text = alertText.stale(c.connectionId, c.oldestLoadedDay, c.lagDays, deps.maxLagDays);
        results.push({ key, result: await deps.sender.send({ key, kind: 'stale', connectionId: c.connectionId, text }) });
      }
    }
    return results;
  };

  // setTimeout after each check (not setInterval): a slow or failing database never stacks checks.
  const loop = (intervalMs: number) => {
    if (stopped) return;
    running = check()
      .catch((err: unknown) => deps.logger.warn({ err: coerceError(err) }, 'alert check failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(() => loop(intervalMs), intervalMs);
        timer?.unref();
      });
  };

  return {
    check,
    start(intervalMs) {
      loop(intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
