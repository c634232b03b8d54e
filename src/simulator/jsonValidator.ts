import { extraMembers, type ExtraMember } from './restExtras.js';
import { BUILT_INS, XS, effectiveSequence, isDerivedFrom, qname, type ComplexTypeDef, type ElementDecl, type SchemaSet, type SimpleTypeDef } from './xsdSchema.js';

/**
 * Validates REST (JSON) request bodies with rules derived from the same parsed XSD SchemaSet the SOAP
 * endpoints use, following the JSON encoding of the SOAP types (REST-FACTS §4, rest/SOURCE.md "How
 * strict the schemas are"): a complex type is an object whose members are its effective sequence's
 * element names (case-sensitive; unknown members refused; member order free; none required); a type
 * with derived types is chosen by a `Type` member (required, and never the abstract base, for
 * ReportRequest); xs:long is a string of digits, xs:int a JSON integer, xs:boolean a JSON boolean;
 * enums by exact name; ArrayOfX a plain JSON array of its items; `null` only where nillable. Members
 * Microsoft has but our WSDL subset lacks come from restExtras.ts. The first violation is returned,
 * with the path of the offending value ("$.ReportRequest.Scope.AccountIds[0]").
 */

export type JsonViolationKind =
  | 'not-object'
  | 'unknown-member'
  | 'wrong-type'
  | 'not-nillable'
  | 'invalid-value'
  | 'missing-type'
  | 'unknown-type'
  | 'abstract-type'
  | 'not-served';

export interface JsonViolation {
  kind: JsonViolationKind;
  /** Where the offending value is, from the body root `$`. */
  path: string;
  message: string;
}

/** Types that are only ever sent as one of their derived types. */
const ABSTRACT_LOCAL_NAMES = new Set(['ReportRequest']);
const INT32: readonly [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];
const INT64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];

const localOf = (name: string) => name.slice(name.indexOf('}') + 1);
const nsOf = (name: string) => name.slice(1, name.indexOf('}'));
const jsonKind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Slot {
  type: string | ComplexTypeDef;
  nillable: boolean;
}

export class JsonValidator {
  /** Base type → every type deriving from it (directly or not). */
  readonly #derived = new Map<string, string[]>();

  constructor(private readonly set: SchemaSet) {
    for (const [name, t] of set.types) {
      if (t.kind !== 'complex') continue;
      for (let base = t.base; base !== undefined; ) {
        const list = this.#derived.get(base) ?? [];
        list.push(name);
        this.#derived.set(base, list);
        const b = set.types.get(base);
        base = b?.kind === 'complex' ? b.base : undefined;
      }
    }
  }

  /** Validates a request body against the global element `{ns}local` (e.g. SubmitGenerateReportRequest). */
  validate(elementName: string, body: unknown): JsonViolation | null {
    const decl = this.set.elements.get(elementName);
    if (!decl) throw new Error(`no element ${elementName} in the schema set`);
    if (!isObject(body)) return { kind: 'not-object', path: '$', message: `The request body must be a JSON object (${localOf(elementName)}); found ${jsonKind(body)}.` };
    return this.#value(body, { type: decl.type, nillable: false }, '$', localOf(elementName));
  }

  #value(v: unknown, slot: Slot, path: string, ownerName: string): JsonViolation | null {
    if (v === null) return slot.nillable ? null : { kind: 'not-nillable', path, message: `${path} cannot be null: the member is not nillable.` };
    if (typeof slot.type !== 'string') return this.#object(v, slot.type, path, ownerName);
    const type = slot.type;
    if (BUILT_INS.has(type)) return this.#simple(v, type, undefined, path);
    const def = this.set.types.get(type);
    if (!def) throw new Error(`unknown type ${type}`);
    if (def.kind === 'simple') return this.#simple(v, def.base, def, path);
    const item = this.#arrayItem(def);
    if (item) return this.#array(v, item, path);
    return this.#object(v, def, path, localOf(type));
  }

  /** The item particle of an ArrayOfX type (one repeated element), or undefined for other types. */
  #arrayItem(def: ComplexTypeDef): ElementDecl | undefined {
    const seq = effectiveSequence(this.set, def);
    const only = seq[0];
    return def.name !== undefined && localOf(def.name).startsWith('ArrayOf') && seq.length === 1 && only && only.maxOccurs > 1 ? only : undefined;
  }

  #array(v: unknown, item: ElementDecl, path: string): JsonViolation | null {
    if (!Array.isArray(v)) {
      return { kind: 'wrong-type', path, message: `${path} must be a JSON array (plain items, no {"${item.name}": …} wrapper); found ${jsonKind(v)}.` };
    }
    for (let i = 0; i < v.length; i++) {
      const violation = this.#value(v[i], { type: item.type, nillable: item.nillable }, `${path}[${i}]`, item.name);
      if (violation) return violation;
    }
    return null;
  }

  #object(v: unknown, declared: ComplexTypeDef, path: string, ownerName: string): JsonViolation | null {
    if (!isObject(v)) return { kind: 'wrong-type', path, message: `${path} must be a JSON object; found ${jsonKind(v)}.` };
    let type = declared;
    const polymorphic = declared.name !== undefined && this.#derived.has(declared.name);
    if (polymorphic && declared.name !== undefined) {
      const chosen = this.#chooseType(v, declared.name, path);
      if (typeof chosen !== 'string') return chosen;
      type = this.set.types.get(chosen) as ComplexTypeDef;
    }
    const typeLocal = type.name === undefined ? ownerName : localOf(type.name);
    const members = new Map(effectiveSequence(this.set, type).map((p) => [p.name, p]));
    const reportRequestBase = qname(type.name === undefined ? '' : nsOf(type.name), 'ReportRequest');
    const extras = extraMembers(typeLocal, type.name !== undefined && isDerivedFrom(this.set, type.name, reportRequestBase));
    for (const [key, value] of Object.entries(v)) {
      const memberPath = `${path}.${key}`;
      if (key === 'Type' && polymorphic) continue;
      const particle = members.get(key);
      if (particle) {
        const violation = this.#value(value, { type: particle.type, nillable: particle.nillable }, memberPath, particle.name);
        if (violation) return violation;
        continue;
      }
      const extra = extras[key];
      if (extra) {
        const violation = this.#extra(value, extra, memberPath);
        if (violation) return violation;
        continue;
      }
      const known = [...members.keys(), ...Object.keys(extras)];
      const hint = known.find((m) => m.toLowerCase() === key.toLowerCase());
      return {
        kind: 'unknown-member',
        path: memberPath,
        message: `${memberPath}: '${key}' is not a member of ${typeLocal}.${hint ? ` Member names are case-sensitive: did you mean '${hint}'?` : ` Members: ${known.join(', ') || '(none)'}.`}`,
      };
    }
    return null;
  }

  /** The derived type a `Type` member names; a violation when it is missing, unknown or abstract. */
  #chooseType(v: Record<string, unknown>, declared: string, path: string): string | JsonViolation {
    const base = localOf(declared);
    const abstract = ABSTRACT_LOCAL_NAMES.has(base);
    const raw = v.Type;
    if (raw === undefined || raw === null) {
      if (!abstract) return declared;
      return { kind: 'missing-type', path: `${path}.Type`, message: `${path} has no "Type" member: name a type derived from ${base}, e.g. "Type": "${localOf(this.#derived.get(declared)?.[0] ?? base)}".` };
    }
    if (typeof raw !== 'string') return { kind: 'unknown-type', path: `${path}.Type`, message: `${path}.Type must be a string naming a type derived from ${base}; found ${jsonKind(raw)}.` };
    const resolved = qname(nsOf(declared), raw);
    if (resolved === declared) {
      if (!abstract) return declared;
      return { kind: 'abstract-type', path: `${path}.Type`, message: `${path}.Type '${raw}' is the base type; name a derived report request type.` };
    }
    if (!(this.#derived.get(declared) ?? []).includes(resolved)) {
      const hint = (this.#derived.get(declared) ?? []).map(localOf).find((n) => n.toLowerCase() === raw.toLowerCase());
      return { kind: 'unknown-type', path: `${path}.Type`, message: `${path}.Type '${raw}' is not a type derived from ${base}.${hint ? ` Type names are case-sensitive: did you mean '${hint}'?` : ''}` };
    }
    return resolved;
  }

  #extra(value: unknown, extra: ExtraMember, path: string): JsonViolation | null {
    if (value === null) return null;
    if (extra.kind === 'nullOnly') return { kind: 'not-served', path, message: `${path}: ${extra.why}` };
    if (typeof value !== 'string') return { kind: 'wrong-type', path, message: `${path} must be a string of comma-separated flags; found ${jsonKind(value)}.` };
    const parts = value.split(',').map((p) => p.trim());
    const bad = parts.find((p) => !extra.values.includes(p));
    if (bad === undefined) return null;
    return {
      kind: 'invalid-value',
      path,
      message: `${path}: '${bad}' is not one of ${extra.values.join(', ')}; flag enums are one string with values separated by commas ("A, B"), not spaces or an array.`,
    };
  }

  #simple(v: unknown, builtIn: string, def: SimpleTypeDef | undefined, path: string): JsonViolation | null {
    const wrong = (expected: string): JsonViolation => ({ kind: 'wrong-type', path, message: `${path} must be ${expected}; found ${jsonKind(v)}${typeof v === 'string' || typeof v === 'number' ? ` ${JSON.stringify(v)}` : ''}.` });
    if (builtIn === qname(XS, 'boolean')) return typeof v === 'boolean' ? null : wrong('a JSON boolean (true or false)');
    if (builtIn === qname(XS, 'int')) {
      if (typeof v !== 'number' || !Number.isInteger(v)) return wrong('a JSON integer (xs:int)');
      return BigInt(v) < INT32[0] || BigInt(v) > INT32[1] ? { kind: 'invalid-value', path, message: `${path}: ${v} is outside the Int32 range.` } : null;
    }
    if (builtIn === qname(XS, 'long')) {
      if (typeof v !== 'string') return wrong('a string of decimal digits (xs:long travels as a JSON string)');
      if (!/^-?[0-9]{1,19}$/.test(v)) return { kind: 'invalid-value', path, message: `${path}: ${JSON.stringify(v)} is not a decimal Int64.` };
      const n = BigInt(v);
      return n < INT64[0] || n > INT64[1] ? { kind: 'invalid-value', path, message: `${path}: ${v} is outside the Int64 range.` } : null;
    }
    if (typeof v !== 'string') return wrong(def?.enumeration ? `one of the ${localOf(def.name)} names as a string` : 'a string');
    if (def?.enumeration && !def.enumeration.has(v)) {
      const hint = def.enumerationList.find((e) => e.toLowerCase() === v.trim().toLowerCase());
      return {
        kind: 'invalid-value',
        path,
        message: `${path}: '${v}' is not a ${localOf(def.name)} value.${hint ? ` Enum values are case-sensitive: did you mean '${hint}'?` : ` Valid values: ${def.enumerationList.slice(0, 12).join(', ')}${def.enumerationList.length > 12 ? ', …' : ''}.`}`,
      };
    }
    return null;
  }
}
