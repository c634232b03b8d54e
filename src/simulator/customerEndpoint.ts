import type { IncomingMessage, ServerResponse } from 'node:http';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import { runCustomerOperation, type CustomerOperation, type CustomerOperationDeps } from './customerOperations.js';
import { consume } from './faultSwitches.js';
import { serveSoap } from './soapEndpoint.js';
import { FAULT_STRING, xmlEscape } from './soapXml.js';

/**
 * The HTTP face of CustomerManagementService.svc (v13) at Microsoft's path: WSDL on GET ?wsdl, SOAP 1.1
 * POSTs dispatched on SOAPAction (GetUser, SearchAccounts), faults with HTTP 500. Authentication and
 * throttling faults come as AdApiFaultDetail; everything about the request as Customer Management's
 * ApiFault, whose OperationError has no ErrorCode (REPORTING-FACTS §6.1).
 */

export const CUSTOMER_PATH = '/Api/CustomerManagement/v13/CustomerManagementService.svc';

export interface CustomerEndpointDeps extends CustomerOperationDeps {
  /** Our Customer Management WSDL with the soap:address pointing at this simulator. */
  wsdl: string;
}

const OPERATIONS: readonly CustomerOperation[] = ['GetUser', 'SearchAccounts'];
const MAX_BODY = 256 * 1024;

const envelope = (trackingId: string, body: string) =>
  `<s:Envelope xmlns:s="${NS.soapEnvelope}"><s:Header><TrackingId xmlns="${NS.customer}" xmlns:i="${NS.xsi}" i:nil="false">${trackingId}</TrackingId></s:Header><s:Body>${body}</s:Body></s:Envelope>`;

const opt = (name: string, value: string | undefined) => (value === undefined ? `<${name} i:nil="true"/>` : `<${name}>${xmlEscape(value)}</${name}>`);

export function customerFaultEnvelope(trackingId: string, fault: SimFault): string {
  const detail =
    fault.detailKind === 'AdApiFaultDetail'
      ? `<AdApiFaultDetail xmlns="${NS.adapi}" xmlns:i="${NS.xsi}"><TrackingId>${trackingId}</TrackingId><Errors><AdApiError>` +
        `<Code>${fault.code}</Code>${opt('Detail', fault.details)}<ErrorCode>${fault.errorCode}</ErrorCode>${opt('Message', fault.message)}` +
        `</AdApiError></Errors></AdApiFaultDetail>`
      : `<ApiFault xmlns="${NS.customer}" xmlns:e="${NS.customerException}" xmlns:i="${NS.xsi}"><TrackingId xmlns="${NS.adapi}">${trackingId}</TrackingId>` +
        `<e:OperationErrors><e:OperationError><e:Code>${fault.code}</e:Code>${opt('e:Details', fault.details)}${opt('e:Message', fault.message)}` +
        `</e:OperationError></e:OperationErrors></ApiFault>`;
  return envelope(
    trackingId,
    `<s:Fault><faultcode>s:Server</faultcode><faultstring xml:lang="en-US">${FAULT_STRING}</faultstring><detail>${detail}</detail></s:Fault>`,
  );
}

export function handleCustomer(deps: CustomerEndpointDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return serveSoap(
    {
      serviceName: 'CustomerManagementService',
      namespace: NS.customer,
      operations: OPERATIONS,
      maxBodyBytes: MAX_BODY,
      wsdl: deps.wsdl,
      faults: deps.faults,
      stats: deps.stats,
      faultEnvelope: customerFaultEnvelope,
      responseEnvelope: envelope,
      async injectFaults(answerFault) {
        if (!consume(deps.faults, 'customerInternalErrorNext')) return false;
        answerFault(new SimFault(0, { injected: true }));
        return true;
      },
      run: (operation, header, payload) => runCustomerOperation(deps, operation, header, payload),
    },
    req,
    res,
    url,
  );
}
