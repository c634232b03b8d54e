import type { IncomingMessage, ServerResponse } from 'node:http';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import { consume } from './faultSwitches.js';
import { delay, send } from './httpUtil.js';
import { runOperation, type Operation, type OperationDeps } from './reportingOperations.js';
import { serveSoap } from './soapEndpoint.js';
import { faultEnvelope, HTML_502, responseEnvelope } from './soapXml.js';

/**
 * The HTTP face of ReportingService.svc, as a WCF basicHttpBinding endpoint behaves: WSDL on GET
 * ?wsdl/?singleWsdl, SOAP 1.1 POSTs dispatched on the SOAPAction header, faults with HTTP 500. The
 * SOAP-level fault switches act here, before the request is even read.
 */

export interface EndpointDeps extends OperationDeps {
  /** Our WSDL with the soap:address pointing at this simulator. */
  wsdl: string;
}

const OPERATIONS: readonly Operation[] = ['SubmitGenerateReport', 'PollGenerateReport'];
const XML = 'text/xml; charset=utf-8';
const MAX_BODY = 1024 * 1024;

export function handleReporting(deps: EndpointDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return serveSoap(
    {
      serviceName: 'ReportingService',
      namespace: NS.reporting,
      operations: OPERATIONS,
      maxBodyBytes: MAX_BODY,
      wsdl: deps.wsdl,
      faults: deps.faults,
      stats: deps.stats,
      faultEnvelope,
      responseEnvelope,
      // The SOAP-level fault switches act here, before the request is even read.
      async injectFaults(answerFault, response) {
        const faults = deps.faults;
        if (faults.latencyMs > 0) await delay(faults.latencyMs);
        if (consume(faults, 'htmlInsteadOfSoap')) send(response, 502, 'text/html', HTML_502);
        else if (consume(faults, 'emptyBody')) send(response, 200, XML, '');
        else if (consume(faults, 'throttleNext')) answerFault(new SimFault(117, { injected: true }));
        else if (consume(faults, 'internalErrorNext')) answerFault(new SimFault(0, { injected: true }));
        else if (consume(faults, 'unknownFaultCode')) answerFault(new SimFault(99999, { injected: true }));
        else return false;
        return true;
      },
      run: (operation, header, payload) => runOperation(deps, operation, header, payload),
    },
    req,
    res,
    url,
  );
}
