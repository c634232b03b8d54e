import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import { consume } from './faultSwitches.js';
import { BodyTooLargeError, delay, readBody, send } from './httpUtil.js';
import { runOperation, type Operation, type OperationDeps } from './reportingOperations.js';
import { childElements, dispatcherFault, faultEnvelope, HTML_502, parseXml, responseEnvelope } from './soapXml.js';

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

export async function handleReporting(deps: EndpointDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET') {
    const keys = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    if (keys.includes('wsdl') || keys.includes('singlewsdl')) return send(res, 200, XML, deps.wsdl);
    return send(res, 200, 'text/html; charset=utf-8', '<html><body><h1>ReportingService Service</h1><p>Append ?wsdl to get the service description.</p></body></html>');
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'Method not allowed', { Allow: 'GET, POST' });

  const trackingId = randomUUID();
  const answerFault = (fault: SimFault) => {
    const code = String(fault.code);
    deps.stats.faultsReturned[code] = (deps.stats.faultsReturned[code] ?? 0) + 1;
    if (!fault.injected) deps.stats.requestsRejected++;
    send(res, deps.faults.faultWithHttp200 ? 200 : 500, XML, faultEnvelope(trackingId, fault));
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
  if (deps.faults.latencyMs > 0) await delay(deps.faults.latencyMs);
  const faults = deps.faults;
  if (consume(faults, 'htmlInsteadOfSoap')) return send(res, 502, 'text/html', HTML_502);
  if (consume(faults, 'emptyBody')) return send(res, 200, XML, '');
  if (consume(faults, 'throttleNext')) return answerFault(new SimFault(117, { injected: true }));
  if (consume(faults, 'internalErrorNext')) return answerFault(new SimFault(0, { injected: true }));
  if (consume(faults, 'unknownFaultCode')) return answerFault(new SimFault(99999, { injected: true }));

  const contentType = req.headers['content-type'] ?? '';
  if (!/^text\/xml\s*(;|$)/i.test(contentType)) {
    deps.stats.requestsRejected++;
    return send(res, 415, 'text/plain', `Cannot process the message because the content type '${contentType}' was not the expected type 'text/xml; charset=utf-8'.`);
  }
  const action = String(req.headers['soapaction'] ?? '').trim().replace(/^"(.*)"$/, '$1');
  if (!OPERATIONS.includes(action as Operation)) {
    return answerDispatcherFault(500, 'a:ActionNotSupported', `The message with Action '${action}' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher. Expected SOAPAction SubmitGenerateReport or PollGenerateReport.`);
  }
  const doc = parseXml(raw.toString('utf8'));
  if (typeof doc === 'string') return answerDispatcherFault(400, 's:Client', `The message is not well-formed XML: ${doc}`);
  const envelope = doc.documentElement;
  if (!envelope || envelope.localName !== 'Envelope' || envelope.namespaceURI !== NS.soapEnvelope) {
    return answerDispatcherFault(500, 's:VersionMismatch', `The root element must be the SOAP 1.1 Envelope in ${NS.soapEnvelope}.`);
  }
  const parts = childElements(envelope).filter((e) => e.namespaceURI === NS.soapEnvelope);
  const header = parts.find((e) => e.localName === 'Header');
  const body = parts.find((e) => e.localName === 'Body');
  const operation = action as Operation;
  const payload = body ? childElements(body)[0] : undefined;
  try {
    if (!payload || payload.localName !== `${operation}Request` || payload.namespaceURI !== NS.reporting) {
      throw new SimFault(100, {
        details: `Expected element '${operation}Request' from namespace '${NS.reporting}' in the SOAP Body; found ${payload ? `'${payload.localName}' from namespace '${payload.namespaceURI ?? ''}'` : 'nothing'}.`,
      });
    }
    send(res, 200, XML, responseEnvelope(trackingId, runOperation(deps, operation, header, payload)));
  } catch (error) {
    if (error instanceof SimFault) return answerFault(error);
    throw error;
  }
}
