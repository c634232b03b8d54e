import { DOMParser, type Element } from '@xmldom/xmldom';

/**
 * The XSD subset the simulator validates requests against, loaded once from the `<wsdl:types>` of our
 * own WSDL: global elements, named complex types (sequence, complexContent/extension), named simple
 * types (restriction with enumerations) and the built-in types the WSDL uses. Any other construct makes
 * loading fail, so a change to the WSDL that this validator would silently misread is caught at start.
 *
 * Names are kept as Clark notation, `{namespace}local`, so namespace mistakes in a request can never
 * match by local name alone.
 */

export const XS = 'http://www.w3.org/2001/XMLSchema';

export const qname = (ns: string, local: string): string => `{${ns}}${local}`;

export interface ElementDecl {
  name: string;
  /** The declaring schema's targetNamespace (elementFormDefault="qualified"). */
  ns: string;
  /** A named type, or the complex type declared inline. */
  type: string | ComplexTypeDef;
  nillable: boolean;
  minOccurs: number;
  maxOccurs: number;
}

export interface ComplexTypeDef {
  kind: 'complex';
  /** Undefined for an anonymous (inline) type. */
  name: string | undefined;
  base: string | undefined;
  /** Own sequence only; base particles come first when validating. */
  sequence: ElementDecl[];
}

export interface SimpleTypeDef {
  kind: 'simple';
  name: string;
  base: string;
  enumeration: ReadonlySet<string> | undefined;
  /** Enumeration values in schema order, for messages. */
  enumerationList: readonly string[];
}

/** The built-in XSD types this subset implements, with the .NET type name WCF reports in its errors. */
export const BUILT_INS: ReadonlyMap<string, string> = new Map([
  [qname(XS, 'string'), 'String'],
  [qname(XS, 'boolean'), 'Boolean'],
  [qname(XS, 'int'), 'Int32'],
  [qname(XS, 'long'), 'Int64'],
]);

export interface SchemaSet {
  elements: ReadonlyMap<string, ElementDecl>;
  types: ReadonlyMap<string, ComplexTypeDef | SimpleTypeDef>;
}

const children = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
};

const xsChildren = (el: Element, local?: string): Element[] =>
  children(el).filter((c) => {
    if (c.namespaceURI !== XS) throw new Error(`unsupported schema content <${c.nodeName}>`);
    return local === undefined || c.localName === local;
  });

/** Resolves a QName attribute value (e.g. "tns:ReportRequest") with the prefixes in scope at `el`. */
function resolveQName(el: Element, value: string): string {
  const colon = value.indexOf(':');
  // xmldom resolves the default namespace for '' (not for null).
  const prefix = colon < 0 ? '' : value.slice(0, colon);
  const ns = el.lookupNamespaceURI(prefix);
  if (ns === null) throw new Error(`unbound prefix in "${value}"`);
  return qname(ns, colon < 0 ? value : value.slice(colon + 1));
}

function occurs(value: string | null, fallback: number): number {
  if (value === null || value === '') return fallback;
  if (value === 'unbounded') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad occurrence "${value}"`);
  return n;
}

function elementDecl(el: Element, ns: string): ElementDecl {
  const name = el.getAttribute('name');
  if (!name) throw new Error('element without name (ref= is not supported)');
  const typeAttr = el.getAttribute('type');
  const inline = xsChildren(el, 'complexType')[0];
  let type: string | ComplexTypeDef;
  if (typeAttr) type = resolveQName(el, typeAttr);
  else if (inline) type = complexType(inline, ns, undefined);
  else throw new Error(`element ${name} has no type`);
  return {
    name,
    ns,
    type,
    nillable: el.getAttribute('nillable') === 'true',
    minOccurs: occurs(el.getAttribute('minOccurs'), 1),
    maxOccurs: occurs(el.getAttribute('maxOccurs'), 1),
  };
}

function sequence(seq: Element | undefined, ns: string): ElementDecl[] {
  if (!seq) return [];
  return xsChildren(seq).map((c) => {
    if (c.localName !== 'element') throw new Error(`unsupported <xs:${c.localName}> in a sequence`);
    return elementDecl(c, ns);
  });
}

function complexType(el: Element, ns: string, name: string | undefined): ComplexTypeDef {
  const content = xsChildren(el);
  const first = content[0];
  if (content.length > 1) throw new Error(`complexType ${name ?? '(inline)'}: only one content model is supported`);
  if (!first) return { kind: 'complex', name, base: undefined, sequence: [] };
  if (first.localName === 'sequence') return { kind: 'complex', name, base: undefined, sequence: sequence(first, ns) };
  if (first.localName === 'complexContent') {
    const ext = xsChildren(first)[0];
    if (!ext || ext.localName !== 'extension') throw new Error(`complexType ${name}: only extension is supported`);
    return {
      kind: 'complex',
      name,
      base: resolveQName(ext, ext.getAttribute('base') ?? ''),
      sequence: sequence(xsChildren(ext, 'sequence')[0], ns),
    };
  }
  throw new Error(`complexType ${name}: unsupported <xs:${first.localName}>`);
}

function simpleType(el: Element, name: string): SimpleTypeDef {
  const restriction = xsChildren(el)[0];
  if (!restriction || restriction.localName !== 'restriction') throw new Error(`simpleType ${name}: only restriction is supported`);
  const values = xsChildren(restriction).map((facet) => {
    if (facet.localName !== 'enumeration') throw new Error(`simpleType ${name}: unsupported facet ${facet.localName}`);
    return facet.getAttribute('value') ?? '';
  });
  return {
    kind: 'simple',
    name,
    base: resolveQName(restriction, restriction.getAttribute('base') ?? ''),
    enumeration: values.length > 0 ? new Set(values) : undefined,
    enumerationList: values,
  };
}

/** Loads every `<xs:schema>` under the WSDL's `<wsdl:types>`; throws on constructs outside the subset. */
export function loadSchemaSet(wsdlXml: string): SchemaSet {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`WSDL is not well-formed XML: ${message}`);
    },
  }).parseFromString(wsdlXml, 'text/xml');
  const elements = new Map<string, ElementDecl>();
  const types = new Map<string, ComplexTypeDef | SimpleTypeDef>();
  const schemas = Array.from(doc.getElementsByTagNameNS(XS, 'schema'));
  if (schemas.length === 0) throw new Error('WSDL has no <xs:schema>');
  for (const schema of schemas) {
    const ns = schema.getAttribute('targetNamespace') ?? '';
    if (schema.getAttribute('elementFormDefault') !== 'qualified') throw new Error(`schema ${ns}: elementFormDefault must be qualified`);
    for (const item of xsChildren(schema)) {
      const name = item.getAttribute('name') ?? '';
      try {
        switch (item.localName) {
          case 'import':
            break;
          case 'element':
            elements.set(qname(ns, name), elementDecl(item, ns));
            break;
          case 'complexType':
            types.set(qname(ns, name), complexType(item, ns, qname(ns, name)));
            break;
          case 'simpleType':
            types.set(qname(ns, name), simpleType(item, qname(ns, name)));
            break;
          default:
            throw new Error(`unsupported top-level <xs:${item.localName}>`);
        }
      } catch (error) {
        throw new Error(`schema ${ns}, ${item.localName} ${name}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  const set = { elements, types };
  assertResolved(set);
  return set;
}

/** Every type reference must resolve, so validation never meets a dangling name at request time. */
function assertResolved(set: SchemaSet): void {
  const known = (name: string) => BUILT_INS.has(name) || set.types.has(name);
  const check = (decl: ElementDecl) => {
    if (typeof decl.type === 'string') {
      if (!known(decl.type)) throw new Error(`element ${decl.name}: unknown type ${decl.type}`);
    } else checkComplex(decl.type);
  };
  const checkComplex = (t: ComplexTypeDef) => {
    if (t.base !== undefined && !(set.types.get(t.base)?.kind === 'complex')) throw new Error(`${t.name}: unknown base ${t.base}`);
    t.sequence.forEach(check);
  };
  for (const decl of set.elements.values()) check(decl);
  for (const t of set.types.values()) {
    if (t.kind === 'complex') checkComplex(t);
    else if (!BUILT_INS.has(t.base)) throw new Error(`${t.name}: restriction base ${t.base} is not a supported built-in`);
  }
}

/** The base chain's particles first, then the type's own: XSD extension appends to the base sequence. */
export function effectiveSequence(set: SchemaSet, type: ComplexTypeDef): ElementDecl[] {
  const base = type.base === undefined ? undefined : set.types.get(type.base);
  const inherited = base?.kind === 'complex' ? effectiveSequence(set, base) : [];
  return [...inherited, ...type.sequence];
}

/** True when `derived` is `base` or extends it, directly or through other types. */
export function isDerivedFrom(set: SchemaSet, derived: string, base: string): boolean {
  for (let name: string | undefined = derived; name !== undefined; ) {
    if (name === base) return true;
    const t = set.types.get(name);
    name = t?.kind === 'complex' ? t.base : undefined;
  }
  return false;
}
