import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CustomerApi } from '../ports/customerApi.js';
import type { ReportingApi } from '../ports/reportingApi.js';
import { createRestCustomerApi } from '../rest/customerClient.js';
import { createRestReportingApi } from '../rest/reportingClient.js';
import { createCustomerManagementService } from '../soap/customerManagementClient.js';
import { createReportingService } from '../soap/reportingClient.js';

/**
 * The one place that picks how Microsoft is spoken to (MSADS_API): the REST adapter (src/rest/, the
 * default) or the SOAP adapter (src/soap/). Every composition root builds its clients here; everything
 * below sees only the ports (src/ports/).
 */

export async function createReportingApi(config: Config): Promise<ReportingApi> {
  if (config.msads.api === 'soap') {
    return createReportingService({ wsdl: config.msads.reportingWsdl, endpoint: config.msads.reportingEndpoint, timeoutMs: config.http.timeoutMs });
  }
  return createRestReportingApi({ baseUrl: config.msads.reportingRestUrl, timeoutMs: config.http.timeoutMs });
}

export async function createCustomerApi(config: Config): Promise<CustomerApi> {
  if (config.msads.api === 'soap') {
    return createCustomerManagementService({ wsdl: config.msads.customerWsdl, endpoint: config.msads.customerEndpoint, timeoutMs: config.http.timeoutMs });
  }
  return createRestCustomerApi({ baseUrl: config.msads.customerRestUrl, timeoutMs: config.http.timeoutMs });
}

const warned = new WeakSet<Config>();

/** Logs the configuration's warnings once per process configuration (several roots may share one). */
export function logConfigWarnings(config: Config, logger: Logger): void {
  if (warned.has(config)) return;
  warned.add(config);
  for (const warning of config.warnings) logger.warn({ api: config.msads.api }, `configuration: ${warning}`);
}
