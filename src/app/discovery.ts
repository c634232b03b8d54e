import { requireCredentials, type Config } from '../config.js';
import type { DiscoveryDeps } from '../discovery/discoverAccounts.js';
import type { AccountFilter } from '../discovery/filters.js';
import type { Logger } from '../logger.js';
import { createNangoConnectionLister, type ConnectionLister } from '../nango/connectionList.js';
import { createNangoTokenSource } from '../nango/tokenSource.js';
import { reportTimeZoneIana } from '../reports/timeZones.js';
import { createCustomerApi, logConfigWarnings } from './msadsClients.js';

/**
 * What connection listing and account discovery need, built from the configuration (scheduler,
 * backfill, `connections --refresh`): the Nango lister and token source, the Customer Management client
 * of the configured API (MSADS_API).
 */
export async function createDiscovery(config: Config, logger: Logger): Promise<{ lister: ConnectionLister; discovery: DiscoveryDeps }> {
  const { nangoSecretKey, developerToken } = requireCredentials(config);
  const nango = { secretKey: nangoSecretKey, host: config.nango.host, integrationId: config.nango.integrationId, timeoutMs: Math.min(config.http.timeoutMs, 30_000) };
  logConfigWarnings(config, logger);
  const customer = await createCustomerApi(config);
  return {
    lister: createNangoConnectionLister(nango),
    discovery: { customer, tokens: createNangoTokenSource(nango), developerToken, logger },
  };
}

export function accountFilter(config: Config): AccountFilter {
  return config.accounts;
}

/** The IANA zone of REPORT_TIME_ZONE: "today" for planning is the date there. */
export function reportTimeZoneIanaOf(config: Config): string {
  return reportTimeZoneIana[config.msads.reportTimeZone];
}

/** The connections to work on: Nango's list for the integration, narrowed by CONNECTION_IDS. */
export async function listWantedConnections(config: Config, lister: ConnectionLister): Promise<string[]> {
  const listed = (await lister.listConnections()).map((c) => c.connectionId);
  const allow = config.nango.connectionIds;
  return allow ? listed.filter((id) => allow.includes(id)) : listed;
}
