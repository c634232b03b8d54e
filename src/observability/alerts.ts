import type { Redis } from 'ioredis';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Secret } from '../secret.js';

/**
 * Alerts: a JSON POST with a Slack-compatible `text` field to ALERT_WEBHOOK_URL (Slack and Mattermost
 * incoming webhooks take it as is). Each alert names a condition (its key); the first process to claim
 * the key in Redis (SET NX PX) sends it and every other process, check or job stays quiet for the
 * period, so a bad night sends a handful of messages, not thousands. A delivery that fails gives the
 * key back so the next check tries again.
 */

export interface Alert {
  /** The condition, e.g. `connection:acme:credentials`; one message per key per period. */
  key: string;
  kind: 'run_failed' | 'needs_reauth' | 'stale';
  connectionId: string;
  /** The message; a function is only called once the key was claimed (it may read the ledger). */
  text: string | (() => Promise<string>);
}

export type AlertResult = 'sent' | 'deduplicated' | 'logged' | 'failed';

export interface AlertSender {
  send(alert: Alert): Promise<AlertResult>;
}

export interface AlertSenderOptions {
  /** Unset: alerts go to the log only (still once per condition per period). */
  webhookUrl: Secret | undefined;
  redis: Redis;
  /** Redis key prefix (QUEUE_PREFIX): deployments sharing a Redis keep their own alert keys. */
  prefix: string;
  repeatMs: number;
  logger: Logger;
  timeoutMs?: number;
}

export function createAlertSender(options: AlertSenderOptions): AlertSender {
  const { redis, logger } = options;
  return {
    async send(alert) {
      const key = `${options.prefix}:alerts:${alert.key}`;
      const claimed = await redis.set(key, String(Date.now()), 'PX', options.repeatMs, 'NX');
      if (claimed !== 'OK') return 'deduplicated';
      let text: string;
      try {
        text = typeof alert.text === 'string' ? alert.text : await alert.text();
      } catch (err) {
        text = `msads-etl alert ${alert.kind} for connection ${alert.connectionId} (details unavailable: ${coerceError(err).message})`;
      }
      if (!options.webhookUrl) {
        logger.warn({ alert: alert.key, kind: alert.kind, connectionId: alert.connectionId, text }, 'alert (ALERT_WEBHOOK_URL not set)');
        return 'logged';
      }
      try {
        const response = await fetch(options.webhookUrl.reveal(), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text, kind: alert.kind, key: alert.key, connection_id: alert.connectionId }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
        logger.info({ alert: alert.key, kind: alert.kind, connectionId: alert.connectionId }, 'alert sent');
        return 'sent';
      } catch (err) {
        // Give the condition back: the next check (or failing run) tries again.
        await redis.del(key).catch(() => undefined);
        // The webhook URL is a secret (Slack's carries its token): never log it or fetch's message about it.
        logger.error({ alert: alert.key, error: coerceError(err).name, status: coerceError(err).message.match(/HTTP \d+/)?.[0] }, 'alert delivery failed');
        return 'failed';
      }
    },
  };
}

/** The message texts, in one place. */
export const alertText = {
  needsReauth(connectionId: string, reason: string | null, since: Date | null, integrationId: string): string {
    return (
      `:warning: msads-etl: Nango connection \`${connectionId}\` needs re-authorization${since ? ` (since ${since.toISOString()})` : ''}. ` +
      `Its reports are not loaded until someone reconnects it in Nango (integration \`${integrationId}\`) and runs ` +
      `\`msads-etl connections --refresh --connection ${connectionId}\`.${reason ? `\nReason: ${reason}` : ''}`
    );
  },
  runFailed(run: { connectionId: string; accountId: string; report: string; aggregation: string; runId: number; window?: string; errorClass: string; message?: string | null; repeatMs: number }): string {
    return (
      `:x: msads-etl: a report run failed for good: connection \`${run.connectionId}\`, account ${run.accountId}, ` +
      `${run.report} ${run.aggregation}${run.window ? ` ${run.window}` : ''} (run ${run.runId}, ${run.errorClass}).` +
      `${run.message ? `\n${run.message}` : ''}\nFurther ${run.errorClass} failures of this connection are not announced for ${hours(run.repeatMs)}; see \`msads-etl status\`.`
    );
  },
  entityRunFailed(run: { connectionId: string; accountId: string; runId: number; mode: string; errorClass: string; message: string; repeatMs: number }): string {
    return (
      `:x: msads-etl: an entity load (Bulk, ${run.mode}) failed for good: connection \`${run.connectionId}\`, account ${run.accountId} (entity run ${run.runId}, ${run.errorClass}).` +
      `\n${run.message}\nFurther ${run.errorClass} entity failures of this connection are not announced for ${hours(run.repeatMs)}; see \`msads-etl status\`.`
    );
  },
  stale(connectionId: string, oldestLoadedDay: string, lagDays: number, maxLagDays: number): string {
    return (
      `:hourglass: msads-etl: data of connection \`${connectionId}\` is stale: its stalest report is loaded up to ${oldestLoadedDay}, ` +
      `${lagDays} day(s) behind yesterday (threshold ${maxLagDays}). Check the scheduler and workers, and \`msads-etl status --connection ${connectionId}\`.`
    );
  },
};

function hours(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round((ms / 3_600_000) * 10) / 10} h` : `${Math.round(ms / 60_000)} min`;
}
