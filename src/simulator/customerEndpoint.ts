import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import { runCustomerOperation, type CustomerOperation, type CustomerOperationDeps } from './customerOperations.js';
import { consume } from './faultSwitches.js';
import { BodyTooLargeError, readBody, send } from './httpUtil.js';
import { childElements, dispatcherFault, FAULT_STRING, parseXml, xmlEscape } from './soapXml.js';

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
const XML = 'text/xml; charset=utf-8';
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

export async function handleCustomer(deps: CustomerEndpointDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET') {
    const keys = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    if (keys.includes('wsdl') || keys.includes('singlewsdl')) return send(res, 200, XML, deps.wsdl);
    return send(res, 200, 'text/html; charset=utf-8', '<html><body><h1>CustomerManagementService Service</h1></body></html>');
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'Method not allowed', { Allow: 'GET, POST' });

  const trackingId = randomUUID();
  const answerFault = (fault: SimFault) => {
    const code = String(fault.code);
    deps.stats.faultsReturned[code] = (deps.stats.faultsReturned[code] ?? 0) + 1;
    if (!fault.injected) deps.stats.requestsRejected++;
    send(res, deps.faults.faultWithHttp200 ? 200 : 500, XML, customerFaultEnvelope(trackingId, fault));
  };
  const answerDispatcherFault = (status: number, code: string, text: string) => {
    deps.stats.requestsRejected++;
    send(res, status, XML, dispatcherFault(trackingId, code, text));
  };

  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return send(res, 413, 'text/plain', 'Request Entity Too Large');
    throw error;
  }
  if (consume(deps.faults, 'customerInternalErrorNext')) return answerFault(new SimFault(0, { injected: true }));

  const contentType = req.headers['content-type'] ?? '';
  if (!/^text\/xml\s*(;|$)/i.test(contentType)) {
    deps.stats.requestsRejected++;
    return send(res, 415, 'text/plain', `Cannot process the message because the content type '${contentType}' was not the expected type 'text/xml; charset=utf-8'.`);
  }
  const action = String(req.headers['soapaction'] ?? '').trim().replace(/^"(.*)"$/, '$1');
  if (!OPERATIONS.includes(action as CustomerOperation)) {
    return answerDispatcherFault(500, 'a:ActionNotSupported', `The message with Action '${action}' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher. This simulator serves GetUser and SearchAccounts.`);
  }
  const doc = parseXml(raw.toString('utf8'));
  if (typeof doc === 'string') return answerDispatcherFault(400, 's:Client', `The message is not well-formed XML: ${doc}`);
  const env = doc.documentElement;
  if (!env || env.localName !== 'Envelope' || env.namespaceURI !== NS.soapEnvelope) {
    return answerDispatcherFault(500, 's:VersionMismatch', `The root element must be the SOAP 1.1 Envelope in ${NS.soapEnvelope}.`);
  }
  const parts = childElements(env).filter((e) => e.namespaceURI === NS.soapEnvelope);
  const header = parts.find((e) => e.localName === 'Header');
  const body = parts.find((e) => e.localName === 'Body');
  const operation = action as CustomerOperation;
  const payload = body ? childElements(body)[0] : undefined;
  try {
    if (!payload || payload.localName !== `${operation}Request` || payload.namespaceURI !== NS.customer) {
      throw new SimFault(100, {
        details: `Expected element '${operation}Request' from namespace '${NS.customer}' in the SOAP Body; found ${payload ? `'${payload.localName}' from namespace '${payload.namespaceURI ?? ''}'` : 'nothing'}.`,
      });
    }
    send(res, 200, XML, envelope(trackingId, runCustomerOperation(deps, operation, header, payload)));
  } catch (error) {
    if (error instanceof SimFault) return answerFault(error);
    throw error;
  }
}
