import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { NS } from '../soap/namespaces.js';
import type { SimFault } from './apiErrors.js';

/** Parsing of incoming envelopes and rendering of Microsoft-shaped responses and faults (REPORTING-FACTS §3.7, §6.1). */

export const FAULT_STRING = 'Invalid client data. Check the SOAP fault details for more information';

export const xmlEscape = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);

/** Parses XML strictly (any parser error rejects the document); returns the reason on failure. */
export function parseXml(text: string): Document | string {
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
    // WCF refuses DTDs in messages; refusing them also rules out entity tricks.
    if (doc.doctype) return 'DTD is prohibited in SOAP messages';
    return doc;
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? 'not well-formed XML';
  }
}

export const childElements = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
};

export const isNil = (el: Element): boolean => ['true', '1'].includes(el.getAttributeNS(NS.xsi, 'nil')?.trim() ?? '');

/** Text of a simple element; undefined when nil. */
export function textOf(el: Element | undefined): string | undefined {
  if (!el || isNil(el)) return undefined;
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
  return text;
}

/** The first child element with this local name in the Reporting namespace. */
export const child = (el: Element | undefined, local: string, ns: string = NS.reporting): Element | undefined =>
  el ? childElements(el).find((c) => c.localName === local && c.namespaceURI === ns) : undefined;

const header = (trackingId: string) =>
  `<s:Header><TrackingId xmlns="${NS.reporting}" xmlns:i="${NS.xsi}" i:nil="false">${trackingId}</TrackingId></s:Header>`;

export function responseEnvelope(trackingId: string, body: string): string {
  return `<s:Envelope xmlns:s="${NS.soapEnvelope}">${header(trackingId)}<s:Body>${body}</s:Body></s:Envelope>`;
}

const opt = (name: string, value: string | undefined) =>
  value === undefined ? `<${name} i:nil="true"/>` : `<${name}>${xmlEscape(value)}</${name}>`;

export function faultEnvelope(trackingId: string, fault: SimFault): string {
  const detail =
    fault.detailKind === 'AdApiFaultDetail'
      ? `<AdApiFaultDetail xmlns="${NS.adapi}" xmlns:i="${NS.xsi}"><TrackingId>${trackingId}</TrackingId><Errors><AdApiError>` +
        `<Code>${fault.code}</Code>${opt('Detail', fault.details)}<ErrorCode>${fault.errorCode}</ErrorCode>${opt('Message', fault.message)}` +
        `</AdApiError></Errors></AdApiFaultDetail>`
      : `<ApiFaultDetail xmlns="${NS.reporting}" xmlns:i="${NS.xsi}"><TrackingId xmlns="${NS.adapi}">${trackingId}</TrackingId><BatchErrors/><OperationErrors><OperationError>` +
        `<Code>${fault.code}</Code>${opt('Details', fault.details)}<ErrorCode>${fault.errorCode}</ErrorCode>${opt('Message', fault.message)}` +
        `</OperationError></OperationErrors></ApiFaultDetail>`;
  return responseEnvelope(
    trackingId,
    `<s:Fault><faultcode>s:Server</faultcode><faultstring xml:lang="en-US">${FAULT_STRING}</faultstring><detail>${detail}</detail></s:Fault>`,
  );
}

/** A WCF dispatcher-level fault (no Microsoft detail): unknown action, unreadable envelope. */
export function dispatcherFault(trackingId: string, code: string, text: string): string {
  return responseEnvelope(
    trackingId,
    `<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/ws/2005/05/addressing/none">${code}</faultcode><faultstring xml:lang="en-US">${xmlEscape(text)}</faultstring></s:Fault>`,
  );
}

export const HTML_502 =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>' +
  '<p>The proxy server received an invalid response from an upstream server.</p></body></html>';
