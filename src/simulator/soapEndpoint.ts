import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Element } from '@xmldom/xmldom';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import type { FaultSwitches } from './faultSwitches.js';
import { BodyTooLargeError, readBody, send } from './httpUtil.js';
import type { SimulatorStats } from './stats.js';
import { childElements, dispatcherFault, parseXml } from './soapXml.js';

/**
 * How a WCF basicHttpBinding endpoint handles a request, shared by the simulated Reporting and
 * Customer Management services: WSDL on GET ?wsdl/?singleWsdl, SOAP 1.1 POSTs dispatched on the
 * SOAPAction header, dispatcher faults for wrong media types, actions and envelopes, the body element
 * checked against the operation, and every service fault answered with HTTP 500 (or 200 when the
 * faultWithHttp200 switch is on). Each service brings its operations and envelopes.
 */

const XML = 'text/xml; charset=utf-8';

export interface SoapServiceSpec<Op extends string> {
  /** e.g. "ReportingService": shown on the GET page. */
  serviceName: string;
  /** The service namespace: the request element must be in it. */
  namespace: string;
  operations: readonly Op[];
  maxBodyBytes: number;
  wsdl: string;
  faults: FaultSwitches;
  stats: SimulatorStats;
  faultEnvelope(trackingId: string, fault: SimFault): string;
  responseEnvelope(trackingId: string, responseBody: string): string;
  /** Fault switches that act before the request is read; returns true when it answered. */
  injectFaults(answerFault: (fault: SimFault) => void, res: ServerResponse): Promise<boolean>;
  run(operation: Op, header: Element | undefined, payload: Element): string;
}

export async function serveSoap<Op extends string>(spec: SoapServiceSpec<Op>, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET') {
    const keys = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    if (keys.includes('wsdl') || keys.includes('singlewsdl')) return send(res, 200, XML, spec.wsdl);
    return send(res, 200, 'text/html; charset=utf-8', `<html><body><h1>${spec.serviceName} Service</h1><p>Append ?wsdl to get the service description.</p></body></html>`);
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'Method not allowed', { Allow: 'GET, POST' });
  spec.stats.requestsByApi.soap++;

  const trackingId = randomUUID();
  const answerFault = (fault: SimFault) => {
    const code = String(fault.code);
    spec.stats.faultsReturned[code] = (spec.stats.faultsReturned[code] ?? 0) + 1;
    if (!fault.injected) spec.stats.requestsRejected++;
    send(res, spec.faults.faultWithHttp200 ? 200 : 500, XML, spec.faultEnvelope(trackingId, fault));
  };
  const answerDispatcherFault = (status: number, code: string, text: string) => {
    spec.stats.requestsRejected++;
    send(res, status, XML, dispatcherFault(trackingId, code, text));
  };

  let raw: Buffer;
  try {
    raw = await readBody(req, spec.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return send(res, 413, 'text/plain', 'Request Entity Too Large');
    throw error;
  }
  if (await spec.injectFaults(answerFault, res)) return;

  const contentType = req.headers['content-type'] ?? '';
  if (!/^text\/xml\s*(;|$)/i.test(contentType)) {
    spec.stats.requestsRejected++;
    return send(res, 415, 'text/plain', `Cannot process the message because the content type '${contentType}' was not the expected type 'text/xml; charset=utf-8'.`);
  }
  const action = String(req.headers['soapaction'] ?? '').trim().replace(/^"(.*)"$/, '$1');
  if (!spec.operations.includes(action as Op)) {
    return answerDispatcherFault(500, 'a:ActionNotSupported', `The message with Action '${action}' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher. Expected SOAPAction ${spec.operations.join(' or ')}.`);
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
  const operation = action as Op;
  const payload = body ? childElements(body)[0] : undefined;
  try {
    if (!payload || payload.localName !== `${operation}Request` || payload.namespaceURI !== spec.namespace) {
      throw new SimFault(100, {
        details: `Expected element '${operation}Request' from namespace '${spec.namespace}' in the SOAP Body; found ${payload ? `'${payload.localName}' from namespace '${payload.namespaceURI ?? ''}'` : 'nothing'}.`,
      });
    }
    send(res, 200, XML, spec.responseEnvelope(trackingId, spec.run(operation, header, payload)));
  } catch (error) {
    if (error instanceof SimFault) return answerFault(error);
    throw error;
  }
}
