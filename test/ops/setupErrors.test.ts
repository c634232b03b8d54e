import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupHints } from '../../src/setupHints.js';
import { defaultFaultSwitches } from '../../src/simulator/faultSwitches.js';
import { runCli } from '../helpers/cli.js';
import { startE2e, type E2eEnv } from '../helpers/e2e.js';

/**
 * The mistakes a first setup invites, through the real command against the simulator: each ends with a
 * message that says what to change, in stderr and in the run ledger.
 */

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e('setup');
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(() => {
  Object.assign(env.sim.faults, defaultFaultSwitches(), { retryAfterSeconds: 0 });
});

function runOnce(extraEnv: Record<string, string> = {}, account?: string) {
  const c = env.simOptions.connections[0]!;
  return runCli(
    ['run-once', '--connection', c.connectionId, '--customer', c.customerId, '--account', account ?? c.accountIds[0]!, '--from', '2026-10-01', '--to', '2026-10-01'],
    { ...env.env, ...extraEnv },
  );
}

async function ledgerMessage(accountId: string): Promise<{ error_class: string; error_code: number; error_message: string }> {
  const { rows } = await env.db.database.pool.query(`SELECT error_class, error_code, error_message FROM report_runs WHERE account_id = $1 ORDER BY id DESC LIMIT 1`, [accountId]);
  return rows[0];
}

describe('clear errors for setup mistakes', () => {
  it('a token of the other environment (105): check MSADS_ENVIRONMENT against the token and app', async () => {
    const c = env.simOptions.connections[0]!;
    env.sim.faults.wrongEnvironmentConnections.add(c.connectionId);
    const result = await runOnce();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/105 InvalidCredentials/);
    expect(result.stderr).toContain('MSADS_ENVIRONMENT (production or sandbox) matches the environment');
    const run = await ledgerMessage(c.accountIds[0]!);
    expect(run).toMatchObject({ error_class: 'auth', error_code: 105 });
    expect(run.error_message).toContain(setupHints.invalidCredentials);
    // Dead credentials mark the connection: the mark carries the hint too, for `status` and alerts.
    const health = await env.db.database.pool.query(`SELECT health, health_reason FROM connections WHERE connection_id = $1`, [c.connectionId]);
    expect(health.rows[0].health).toBe('needs_reauth');
    expect(health.rows[0].health_reason).toContain('MSADS_ENVIRONMENT');
    await env.db.database.pool.query(`DELETE FROM connections`);
  });

  it('a token without the msads.manage scope: Microsoft’s "invalid scope" with what to request in Nango', async () => {
    const c = env.simOptions.connections[0]!;
    env.sim.faults.missingScopeConnections.add(c.connectionId);
    const result = await runOnce({}, c.accountIds[1]!);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Authentication token contains invalid scope');
    expect(result.stderr).toContain('https://ads.microsoft.com/msads.manage offline_access');
    expect(result.stderr).not.toContain(setupHints.invalidCredentials);
    expect((await ledgerMessage(c.accountIds[1]!)).error_message).toContain(setupHints.invalidScope);
    await env.db.database.pool.query(`DELETE FROM connections`);
  });

  it('a missing developer token: a configuration error saying where to get one (exit 2)', async () => {
    const result = await runOnce({ MSADS_DEVELOPER_TOKEN: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MSADS_DEVELOPER_TOKEN: required by every Microsoft Advertising call');
    expect(result.stderr).toContain('BBD37VB98');
  });

  it('a Nango integration id that does not exist (unknown_provider_config): set NANGO_INTEGRATION_ID', async () => {
    const result = await runOnce({ NANGO_INTEGRATION_ID: 'bing-ads' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(setupHints.unknownIntegration('bing-ads'));
  });
});
