import type { MsAdsErrorDetail } from './errors.js';

/**
 * What to do about the mistakes a first setup invites, in one place. Error messages append these where
 * they are built (SOAP faults, Nango errors, configuration errors), so the same words reach the log,
 * the run ledger's error_message, `status` and alerts.
 */
export const setupHints = {
  /** Microsoft 105 InvalidCredentials. */
  invalidCredentials:
    'Hint: if every connection fails like this, check that MSADS_ENVIRONMENT (production or sandbox) matches the environment ' +
    'the OAuth token and the Microsoft Entra app were made for (a sandbox token against production, or the reverse, gives 105), and that ' +
    'MSADS_DEVELOPER_TOKEN belongs to that environment (the universal sandbox token BBD37VB98 works in sandbox only); ' +
    'if only this connection fails, re-authorize it in Nango.',
  /** A token without the msads.manage scope (Microsoft: "Authentication token contains invalid scope"). */
  invalidScope:
    'Hint: the access token lacks the Microsoft Advertising scope. The Nango integration must request ' +
    '"https://ads.microsoft.com/msads.manage offline_access" (the microsoft-ads provider’s default scopes); fix its scopes in Nango, ' +
    'then re-authorize the connection.',
  /** requireCredentials: MSADS_DEVELOPER_TOKEN is not set. */
  missingDeveloperToken:
    'MSADS_DEVELOPER_TOKEN: required by every Microsoft Advertising call; request one on the Microsoft Advertising Developer Portal (Account tab, signed in as a Super Admin), ' +
    'or use the universal sandbox token BBD37VB98 with MSADS_ENVIRONMENT=sandbox',
  /** Nango unknown_provider_config. */
  unknownIntegration: (integrationId: string): string =>
    `Nango has no integration "${integrationId}" (unknown_provider_config): set NANGO_INTEGRATION_ID to the unique key of your ` +
    'Microsoft Ads integration in Nango (provider microsoft-ads), and check that NANGO_SECRET_KEY belongs to the Nango environment that has it.',
} as const;

/** The hint for a Microsoft fault, when its errors match a setup mistake. */
export function hintForFault(errors: readonly MsAdsErrorDetail[]): string | undefined {
  const text = errors.map((e) => `${e.message ?? ''} ${e.details ?? ''}`).join(' ');
  if (/invalid scope/i.test(text)) return setupHints.invalidScope;
  if (errors.some((e) => e.code === 105)) return setupHints.invalidCredentials;
  return undefined;
}
