import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { NS } from './namespaces.js';

/**
 * Namespace-aware reading of SOAP responses. We read Microsoft's answers ourselves instead of using
 * node-soap's parsed objects: those turn nil into attribute bags, single items into objects instead of
 * arrays, and their errors carry the axios request (with our tokens). Element lookups match local names
 * because Microsoft's fault details mix three namespaces (adapi, Reporting, Customer).
 */

/** Parses XML, or returns undefined when the text is not well-formed XML (HTML pages, empty bodies). */
export function parseXml(text: string): Document | undefined {
  if (text.trim() === '') return undefined;
  try {
    const doc = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
    return doc.documentElement ? doc : undefined;
  } catch {
    return undefined;
  }
}

export function childElements(parent: Element, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (localName === undefined || (n as Element).localName === localName)) out.push(n as Element);
  }
  return out;
}

export function firstChild(parent: Element, localName?: string): Element | undefined {
  return childElements(parent, localName)[0];
}

/** Text of an element; undefined for a missing or xsi:nil element. */
export function textOf(element: Element | undefined): string | undefined {
  if (!element) return undefined;
  if (element.getAttributeNS(NS.xsi, 'nil') === 'true') return undefined;
  return element.textContent ?? undefined;
}

export function childText(parent: Element, localName: string): string | undefined {
  return textOf(firstChild(parent, localName));
}

/** The SOAP 1.1 Envelope's Header and Body, or undefined when the document is not a SOAP envelope. */
export function soapParts(doc: Document): { header: Element | undefined; body: Element } | undefined {
  const env = doc.documentElement;
  if (!env || env.localName !== 'Envelope' || env.namespaceURI !== NS.soapEnvelope) return undefined;
  const body = childElements(env).find((e) => e.localName === 'Body' && e.namespaceURI === NS.soapEnvelope);
  if (!body) return undefined;
  const header = childElements(env).find((e) => e.localName === 'Header' && e.namespaceURI === NS.soapEnvelope);
  return { header, body };
}
