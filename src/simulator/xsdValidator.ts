import type { Element } from '@xmldom/xmldom';
import { NS } from '../soap/namespaces.js';
import {
  BUILT_INS,
  XS,
  effectiveSequence,
  isDerivedFrom,
  qname,
  type ComplexTypeDef,
  type ElementDecl,
  type SchemaSet,
  type SimpleTypeDef,
} from './xsdSchema.js';

/**
 * Validates one element of a request against the schema set, the way WCF's DataContractSerializer
 * would refuse it: strict sequence order, required elements, nil only where nillable, enumerations
 * matched case-sensitively, xs:int/xs:long/xs:boolean lexical forms, xsi:type resolved with the
 * prefixes in scope and required to derive from the declared type. The first violation is returned,
 * as WCF stops at the first deserialization error.
 */

export type ViolationKind =
  | 'unexpected-element'
  | 'missing-element'
  | 'invalid-value'
  | 'not-nillable'
  | 'unknown-type'
  | 'not-derived'
  | 'unexpected-text';

export interface Violation {
  kind: ViolationKind;
  /** Local names from the validated root to the offending element, e.g. "SubmitGenerateReportRequest/ReportRequest/Time". */
  path: string;
  /** Local name and namespace of the offending element (for missing-element: the one that is missing). */
  element: string;
  namespace: string;
  /** The complex type whose content was being read, when the violation is about a child. */
  parentType: string | undefined;
  /** A message in the style of WCF deserialization errors. */
  message: string;
}

const LIMITS: Record<string, readonly [bigint, bigint]> = {
  [qname(XS, 'int')]: [-(2n ** 31n), 2n ** 31n - 1n],
  [qname(XS, 'long')]: [-(2n ** 63n), 2n ** 63n - 1n],
};

const childElements = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
};

/** Character data of an element, or undefined if it has element children. */
function textContent(el: Element): string {
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
  return text;
}

const where = (el: Element) => (el.lineNumber === undefined ? '' : `Error in line ${el.lineNumber} position ${el.columnNumber ?? 0}. `);
const describe = (el: Element) => `Element '${el.localName}' from namespace '${el.namespaceURI ?? ''}'`;
const localOf = (name: string) => name.slice(name.indexOf('}') + 1);

export class XsdValidator {
  constructor(private readonly set: SchemaSet) {}

  /** Validates `el` against the global element declaration of the same name and namespace. */
  validate(el: Element): Violation | null {
    const decl = this.set.elements.get(qname(el.namespaceURI ?? '', el.localName ?? ''));
    if (!decl) {
      return {
        kind: 'unexpected-element',
        path: el.localName ?? '',
        element: el.localName ?? '',
        namespace: el.namespaceURI ?? '',
        parentType: undefined,
        message: `${where(el)}${describe(el)} is not expected: the schema declares no such top-level element.`,
      };
    }
    return this.element(el, decl, el.localName ?? '', undefined);
  }

  /** Resolves an xsi:type value with the namespaces in scope at `el` (no prefix: the default namespace). */
  resolveXsiType(el: Element, value: string): string | undefined {
    const trimmed = value.trim();
    const colon = trimmed.indexOf(':');
    // xmldom resolves the default namespace for '' (not for null, as the DOM spec would have it).
    const ns = el.lookupNamespaceURI(colon < 0 ? '' : trimmed.slice(0, colon));
    return ns === null ? undefined : qname(ns, trimmed.slice(colon + 1));
  }

  private element(el: Element, decl: ElementDecl, path: string, parentType: string | undefined): Violation | null {
    const fail = (kind: ViolationKind, message: string): Violation => ({
      kind,
      path,
      element: el.localName ?? '',
      namespace: el.namespaceURI ?? '',
      parentType,
      message: `${where(el)}${message}`,
    });
    if (el.hasAttributeNS(NS.xsi, 'nil')) {
      const nil = el.getAttributeNS(NS.xsi, 'nil')?.trim() ?? '';
      if (!['true', 'false', '1', '0'].includes(nil)) return fail('invalid-value', `The value '${nil}' of attribute 'nil' on ${describe(el)} cannot be parsed as the type 'Boolean'.`);
      if (nil === 'true' || nil === '1') {
        if (!decl.nillable) return fail('not-nillable', `${describe(el)} cannot be nil: the element is not nillable.`);
        if (childElements(el).length > 0 || textContent(el).trim() !== '') return fail('unexpected-text', `${describe(el)} is nil and must be empty.`);
        return null;
      }
    }
    let type: string | ComplexTypeDef = decl.type;
    if (el.hasAttributeNS(NS.xsi, 'type')) {
      const raw = el.getAttributeNS(NS.xsi, 'type') ?? '';
      const resolved = this.resolveXsiType(el, raw);
      if (resolved === undefined || !(this.set.types.has(resolved) || BUILT_INS.has(resolved))) {
        return fail('unknown-type', `${describe(el)} contains data of the type '${raw}'${resolved ? ` (${resolved})` : ' (its prefix is not bound)'}. The deserializer has no knowledge of any type that maps to this name.`);
      }
      const declared = typeof decl.type === 'string' ? decl.type : undefined;
      if (declared === undefined || !isDerivedFrom(this.set, resolved, declared)) {
        return fail('not-derived', `${describe(el)} has xsi:type '${raw}', which does not derive from the declared type '${declared ? localOf(declared) : '(anonymous)'}'.`);
      }
      type = resolved;
    }
    if (typeof type !== 'string') return this.complex(el, type, path);
    const def = this.set.types.get(type);
    if (def?.kind === 'complex') return this.complex(el, def, path);
    if (childElements(el).length > 0) {
      const child = childElements(el)[0] as Element;
      return { ...fail('unexpected-element', `${describe(child)} is not expected: '${el.localName}' has simple content.`), path: `${path}/${child.localName}`, element: child.localName ?? '', namespace: child.namespaceURI ?? '' };
    }
    const problem = this.simpleValue(textContent(el), type, def);
    return problem === null ? null : fail('invalid-value', `${describe(el)}: ${problem}`);
  }

  /** Lexical check of a simple value; returns the problem or null. */
  private simpleValue(value: string, typeName: string, def: SimpleTypeDef | undefined): string | null {
    const builtIn = def ? def.base : typeName;
    const dotnet = BUILT_INS.get(builtIn) ?? localOf(builtIn);
    if (builtIn === qname(XS, 'boolean') && !['true', 'false', '1', '0'].includes(value.trim())) {
      return `The value '${value}' cannot be parsed as the type '${dotnet}'.`;
    }
    const limits = LIMITS[builtIn];
    if (limits) {
      const trimmed = value.trim();
      const n = /^[+-]?\d+$/.test(trimmed) ? BigInt(trimmed) : undefined;
      if (n === undefined || n < limits[0] || n > limits[1]) return `The value '${value}' cannot be parsed as the type '${dotnet}'.`;
    }
    if (def?.enumeration && !def.enumeration.has(value)) {
      const hint = def.enumerationList.find((v) => v.toLowerCase() === value.trim().toLowerCase());
      return `Invalid enum value '${value}' cannot be deserialized into type '${localOf(def.name)}'.${hint ? ` Enum values are case-sensitive: did you mean '${hint}'?` : ` Valid values: ${def.enumerationList.slice(0, 12).join(', ')}${def.enumerationList.length > 12 ? ', …' : ''}.`}`;
    }
    return null;
  }

  private complex(el: Element, type: ComplexTypeDef, path: string): Violation | null {
    const typeName = type.name;
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if ((n.nodeType === 3 || n.nodeType === 4) && (n.nodeValue ?? '').trim() !== '') {
        return { kind: 'unexpected-text', path, element: el.localName ?? '', namespace: el.namespaceURI ?? '', parentType: typeName, message: `${where(el)}${describe(el)} has element-only content but contains the text '${(n.nodeValue ?? '').trim().slice(0, 40)}'.` };
      }
    }
    const particles = effectiveSequence(this.set, type);
    const kids = childElements(el);
    const matches = (kid: Element, p: ElementDecl) => kid.localName === p.name && (kid.namespaceURI ?? '') === p.ns;
    let i = 0;
    for (let j = 0; j < particles.length; j++) {
      const p = particles[j] as ElementDecl;
      let count = 0;
      while (i < kids.length && count < p.maxOccurs && matches(kids[i] as Element, p)) {
        const kid = kids[i] as Element;
        const violation = this.element(kid, p, `${path}/${kid.localName}`, typeName);
        if (violation) return violation;
        count++;
        i++;
      }
      if (count < p.minOccurs) {
        const kid = kids[i];
        if (kid) return this.unexpected(kid, el, particles, j, path, typeName);
        return {
          kind: 'missing-element',
          path: `${path}/${p.name}`,
          element: p.name,
          namespace: p.ns,
          parentType: typeName,
          message: `${where(el)}'EndElement' '${el.localName}' from namespace '${el.namespaceURI ?? ''}' is not expected. Expecting element '${p.name}' (required in ${typeName ? `'${localOf(typeName)}'` : `'${el.localName}'`}).`,
        };
      }
    }
    const extra = kids[i];
    return extra ? this.unexpected(extra, el, particles, particles.length, path, typeName) : null;
  }

  /** An element found where the sequence does not allow it: out of order, repeated, or unknown. */
  private unexpected(kid: Element, parent: Element, particles: ElementDecl[], at: number, path: string, typeName: string | undefined): Violation {
    const expecting: string[] = [];
    for (let j = at; j < particles.length; j++) {
      const p = particles[j] as ElementDecl;
      expecting.push(`'${p.name}'`);
      if (p.minOccurs > 0) break;
    }
    const expected = expecting.length > 0 ? `Expecting element ${expecting.join(' or ')}` : `Expecting the end of '${parent.localName}'`;
    const earlier = particles.findIndex((p) => p.name === kid.localName && p.ns === (kid.namespaceURI ?? ''));
    let why = '';
    if (earlier >= 0 && earlier < at) {
      why = ` Elements must follow the order of the schema sequence (${particles.map((p) => p.name).join(', ')}); '${kid.localName}' is out of order or repeated.`;
    } else if (earlier < 0) {
      const sameName = particles.find((p) => p.name === kid.localName);
      if (sameName) why = ` An element '${kid.localName}' is expected in namespace '${sameName.ns}', not '${kid.namespaceURI ?? ''}'.`;
    }
    return {
      kind: 'unexpected-element',
      path: `${path}/${kid.localName}`,
      element: kid.localName ?? '',
      namespace: kid.namespaceURI ?? '',
      parentType: typeName,
      message: `${where(kid)}${describe(kid)} is not expected. ${expected}.${why}`,
    };
  }
}
