import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';

/**
 * XSD validation of SOAP requests against the schemas inlined in a WSDL (REPORTING-FACTS §13, end):
 * each `<xs:schema>` of `<wsdl:types>` becomes its own XSD file carrying the WSDL root's xmlns
 * declarations (type references such as tns:… rely on them), every `<xs:import>` gets the file of its
 * namespace as schemaLocation, and the Body's first child and each header element are validated as
 * standalone documents that keep their in-scope namespace declarations. xsi:type is honoured, so a
 * derived ReportRequest's own fields are checked too.
 */

const XS = 'http://www.w3.org/2001/XMLSchema';
const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';

/** Directory of Microsoft's WSDLs (CI: ../shared/msads/wsdl), or undefined when not configured. */
export function officialWsdlDir(): string | undefined {
  const dir = process.env.MSADS_OFFICIAL_WSDL_DIR;
  // Skipping is for laptops without ../shared; in CI a skipped conformance test would hide a regression.
  if (process.env.CI && (!dir || !existsSync(join(dir, 'reporting_service.xml')))) {
    throw new Error(`CI is set but MSADS_OFFICIAL_WSDL_DIR (${dir ?? 'unset'}) holds no reporting_service.xml: the SOAP conformance suite must run, not skip`);
  }
  return dir ? resolve(dir) : undefined;
}

export function officialReportingWsdl(): string | undefined {
  const dir = officialWsdlDir();
  return dir ? join(dir, 'reporting_service.xml') : undefined;
}

export interface XmlDocument {
  /** Label used in error messages, e.g. "submit AdPerformanceReportRequest Body". */
  name: string;
  xml: string;
}

export interface ValidationOutcome {
  valid: boolean;
  /** "<document name>: <xmllint message>" lines. */
  errors: string[];
}

export interface SchemaValidator {
  /** Validates many documents in one xmllint run (one wasm start and one schema parse for all). */
  validate(documents: readonly XmlDocument[]): Promise<ValidationOutcome>;
}

export function createWsdlSchemaValidator(wsdlPath: string): SchemaValidator {
  const { files, entry } = splitWsdlSchemas(readFileSync(wsdlPath, 'utf8'));
  return {
    async validate(documents) {
      if (documents.length === 0) return { valid: true, errors: [] };
      const xml = documents.map((d, i) => ({ fileName: `doc${i}.xml`, contents: d.xml }));
      const result = await validateXML({
        xml,
        schema: entry,
        preload: files.filter((f) => f !== entry),
        maxMemoryPages: 4096,
      });
      const errors = result.errors.map((e) => {
        const idx = e.loc ? Number(/^doc(\d+)\.xml$/.exec(e.loc.fileName)?.[1]) : NaN;
        const label = Number.isNaN(idx) ? '?' : (documents[idx]?.name ?? '?');
        return `${label}: ${e.message}`;
      });
      return { valid: result.valid, errors };
    },
  };
}

/** Splits `<wsdl:types>` into standalone XSD files; the entry is the schema of the WSDL's targetNamespace. */
export function splitWsdlSchemas(wsdlXml: string): { files: XMLFileInfo[]; entry: XMLFileInfo } {
  const doc = new DOMParser().parseFromString(wsdlXml, 'text/xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'definitions' || root.namespaceURI !== WSDL_NS) throw new Error('not a WSDL 1.1 document');
  const rootXmlns = [...Array.from(root.attributes)].filter((a) => a.name === 'xmlns' || a.name.startsWith('xmlns:'));
  const types = elementChildren(root).find((e) => e.localName === 'types' && e.namespaceURI === WSDL_NS);
  const schemas = types ? elementChildren(types).filter((e) => e.localName === 'schema' && e.namespaceURI === XS) : [];
  if (schemas.length === 0) throw new Error('WSDL has no inline xs:schema');

  const fileOf = new Map<string, string>();
  schemas.forEach((s, i) => fileOf.set(s.getAttribute('targetNamespace') ?? '', `schema${i}.xsd`));
  const serializer = new XMLSerializer();
  const files = schemas.map((schema, i) => {
    const copy = schema.cloneNode(true) as Element;
    // The schema's own declarations win (Microsoft's Arrays schema rebinds tns).
    for (const a of rootXmlns) if (!copy.hasAttribute(a.name)) copy.setAttribute(a.name, a.value);
    for (const imp of elementChildren(copy).filter((e) => e.localName === 'import' && e.namespaceURI === XS)) {
      const location = fileOf.get(imp.getAttribute('namespace') ?? '');
      if (location) imp.setAttribute('schemaLocation', location);
    }
    return { fileName: `schema${i}.xsd`, contents: `<?xml version="1.0" encoding="utf-8"?>\n${serializer.serializeToString(copy)}` };
  });
  const target = root.getAttribute('targetNamespace') ?? '';
  const entry = files[[...fileOf.keys()].indexOf(target)] ?? files[0]!;
  return { files, entry };
}

/**
 * The parts of a SOAP 1.1 envelope that the schema describes: the Body's first child and each header
 * element, each serialized alone with every namespace declaration in scope where it sat.
 */
export function envelopeParts(envelopeXml: string, label: string): XmlDocument[] {
  const doc = new DOMParser().parseFromString(envelopeXml, 'text/xml');
  const env = doc.documentElement;
  if (!env || env.localName !== 'Envelope' || env.namespaceURI !== SOAP_ENV) throw new Error(`${label}: not a SOAP 1.1 envelope`);
  const header = elementChildren(env).find((e) => e.localName === 'Header');
  const body = elementChildren(env).find((e) => e.localName === 'Body');
  const bodyChild = body ? elementChildren(body)[0] : undefined;
  if (!bodyChild) throw new Error(`${label}: empty Body`);
  const parts: XmlDocument[] = [{ name: `${label} Body <${bodyChild.localName}>`, xml: standalone(bodyChild) }];
  for (const h of header ? elementChildren(header) : []) parts.push({ name: `${label} Header <${h.localName}>`, xml: standalone(h) });
  return parts;
}

function standalone(element: Element): string {
  const copy = element.cloneNode(true) as Element;
  // Walk outwards: the nearest declaration of a prefix is the one in scope.
  for (let p = element.parentNode; p && p.nodeType === 1; p = p.parentNode) {
    for (const a of Array.from((p as Element).attributes)) {
      if ((a.name === 'xmlns' || a.name.startsWith('xmlns:')) && !copy.hasAttribute(a.name)) copy.setAttribute(a.name, a.value);
    }
  }
  return new XMLSerializer().serializeToString(copy);
}

function elementChildren(parent: Element): Element[] {
  return Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1);
}
