import { readFileSync } from 'node:fs';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { bundledReportingWsdl } from '../../src/paths.js';
import { loadSchemaSet, qname } from '../../src/simulator/xsdSchema.js';
import { XsdValidator } from '../../src/simulator/xsdValidator.js';

/** The XSD subset on a small schema of its own, independent of the Reporting WSDL. */

const T = 'urn:test';
const A = 'urn:other';
const wsdl = (schemaBody: string, extraSchema = '') => `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="${T}" xmlns:o="${A}">
  <wsdl:types>
    <xs:schema elementFormDefault="qualified" targetNamespace="${T}">${schemaBody}</xs:schema>
    <xs:schema elementFormDefault="qualified" targetNamespace="${A}">
      <xs:complexType name="Ids"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="id" type="xs:long"/></xs:sequence></xs:complexType>
      ${extraSchema}
    </xs:schema>
  </wsdl:types>
</wsdl:definitions>`;

const SCHEMA = `
  <xs:element name="Root"><xs:complexType><xs:sequence>
    <xs:element name="Item" nillable="true" type="t:Base"/>
    <xs:element minOccurs="0" name="Ids" type="o:Ids"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:complexType name="Base"><xs:sequence>
    <xs:element minOccurs="0" name="Flag" nillable="true" type="xs:boolean"/>
    <xs:element minOccurs="0" name="Count" type="xs:int"/>
  </xs:sequence></xs:complexType>
  <xs:complexType name="Derived"><xs:complexContent mixed="false"><xs:extension base="t:Base"><xs:sequence>
    <xs:element name="Colour" type="t:Colour"/>
    <xs:element minOccurs="0" maxOccurs="2" name="Tag" type="xs:string"/>
  </xs:sequence></xs:extension></xs:complexContent></xs:complexType>
  <xs:complexType name="Unrelated"><xs:sequence/></xs:complexType>
  <xs:simpleType name="Colour"><xs:restriction base="xs:string"><xs:enumeration value="Red"/><xs:enumeration value="Green"/></xs:restriction></xs:simpleType>`;

const validator = new XsdValidator(loadSchemaSet(wsdl(SCHEMA)));
const check = (inner: string, itemAttrs = 'i:type="t:Derived"') => {
  const xml = `<t:Root xmlns:t="${T}" xmlns:o="${A}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><t:Item ${itemAttrs}>${inner}</t:Item></t:Root>`;
  return validator.validate(new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element);
};

describe('XsdValidator', () => {
  it('accepts a valid derived instance, base fields first', () => {
    expect(check('<t:Flag>true</t:Flag><t:Count>-5</t:Count><t:Colour>Red</t:Colour><t:Tag>a</t:Tag><t:Tag>b</t:Tag>')).toBeNull();
    expect(check('<t:Colour>Green</t:Colour>')).toBeNull();
    expect(check('', 'i:nil="true"')).toBeNull();
  });

  it('reports order, repetition, missing and unknown elements', () => {
    expect(check('<t:Colour>Red</t:Colour><t:Flag>true</t:Flag>')).toMatchObject({ kind: 'unexpected-element', element: 'Flag', parentType: qname(T, 'Derived') });
    expect(check('<t:Colour>Red</t:Colour><t:Tag>a</t:Tag><t:Tag>b</t:Tag><t:Tag>c</t:Tag>')).toMatchObject({ kind: 'unexpected-element', element: 'Tag' });
    expect(check('<t:Flag>true</t:Flag>')).toMatchObject({ kind: 'missing-element', element: 'Colour', path: 'Root/Item/Colour' });
    expect(check('<t:Colour>Red</t:Colour><t:Shade>x</t:Shade>')).toMatchObject({ kind: 'unexpected-element', element: 'Shade' });
  });

  it('matches elements by namespace, not local name alone', () => {
    const v = check(`<Colour xmlns="${A}">Red</Colour>`);
    expect(v?.kind).toBe('unexpected-element');
    expect(v?.message).toContain(`expected in namespace '${T}'`);
  });

  it('checks enumerations case-sensitively and built-in lexical forms', () => {
    expect(check('<t:Colour>red</t:Colour>')?.message).toContain("did you mean 'Red'");
    expect(check('<t:Count>2147483648</t:Count><t:Colour>Red</t:Colour>')?.message).toContain("'Int32'");
    expect(check('<t:Count>1.5</t:Count><t:Colour>Red</t:Colour>')?.kind).toBe('invalid-value');
    expect(check('<t:Flag>TRUE</t:Flag><t:Colour>Red</t:Colour>')?.message).toContain("'Boolean'");
    expect(check('<t:Flag> 1 </t:Flag><t:Colour>Red</t:Colour>')).toBeNull();
  });

  it('allows nil only where nillable', () => {
    expect(check('<t:Flag i:nil="true"/><t:Colour>Red</t:Colour>')).toBeNull();
    expect(check('<t:Count i:nil="true"/><t:Colour>Red</t:Colour>')).toMatchObject({ kind: 'not-nillable', element: 'Count' });
  });

  it('resolves xsi:type with the prefixes in scope and requires derivation', () => {
    expect(check('<t:Colour>Red</t:Colour>', `xmlns="${T}" i:type="Derived"`)).toBeNull();
    expect(check('<t:Colour>Red</t:Colour>', 'i:type="t:Missing"')?.kind).toBe('unknown-type');
    expect(check('', 'i:type="t:Unrelated"')?.kind).toBe('not-derived');
    expect(check('<t:Colour>Red</t:Colour>', 'i:type="Derived"')?.kind).toBe('unknown-type');
  });

  it('validates items of a type from another schema in that schema\'s namespace', () => {
    const xml = (items: string) => `<t:Root xmlns:t="${T}" xmlns:o="${A}"><t:Item/><t:Ids>${items}</t:Ids></t:Root>`;
    const run = (items: string) => validator.validate(new DOMParser().parseFromString(xml(items), 'text/xml').documentElement as Element);
    expect(run('<o:id>1</o:id><o:id>9223372036854775807</o:id>')).toBeNull();
    expect(run('<t:id>1</t:id>')).toMatchObject({ kind: 'unexpected-element', parentType: qname(A, 'Ids') });
    expect(run('<o:id>9223372036854775808</o:id>')?.message).toContain("'Int64'");
    expect(run('text')?.kind).toBe('unexpected-text');
  });

  it('refuses schema constructs outside the subset when loading', () => {
    expect(() => loadSchemaSet(wsdl('<xs:complexType name="C"><xs:choice/></xs:complexType>'))).toThrow(/choice/);
    expect(() => loadSchemaSet(wsdl('<xs:element name="E" type="t:Nowhere"/>'))).toThrow(/unknown type/);
    expect(() => loadSchemaSet(wsdl('<xs:simpleType name="S"><xs:restriction base="xs:string"><xs:pattern value="x"/></xs:restriction></xs:simpleType>'))).toThrow(/facet/);
  });

  it('loads the bundled Reporting WSDL: every report request type derives from ReportRequest', () => {
    const set = loadSchemaSet(readFileSync(bundledReportingWsdl, 'utf8'));
    const R = 'https://bingads.microsoft.com/Reporting/v13';
    const derived = [...set.types.values()].filter((t) => t.kind === 'complex' && t.base === qname(R, 'ReportRequest'));
    expect(derived).toHaveLength(47);
    expect(set.elements.has(qname(R, 'SubmitGenerateReportRequest'))).toBe(true);
  });
});
