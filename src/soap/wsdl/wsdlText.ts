import { NS } from '../namespaces.js';

/**
 * Text builders shared by the project's WSDL generators (Reporting, Customer Management): XSD pieces in
 * Microsoft's shapes and the message/operation boilerplate of a document/literal SOAP 1.1 service whose
 * requests carry header parts and whose responses carry a TrackingId header.
 */

export const enumType = (name: string, values: readonly string[]) =>
  [
    `      <xs:simpleType name="${name}">`,
    `        <xs:restriction base="xs:string">`,
    ...values.map((v) => `          <xs:enumeration value="${v}" />`),
    `        </xs:restriction>`,
    `      </xs:simpleType>`,
  ].join('\n');

export const sequenceType = (name: string, elements: string[]) =>
  [
    `      <xs:complexType name="${name}">`,
    `        <xs:sequence>`,
    ...elements.map((e) => `          ${e}`),
    `        </xs:sequence>`,
    `      </xs:complexType>`,
  ].join('\n');

/** WCF's ArrayOfX: a sequence of nillable <X> items of type prefix:X. */
export const arrayOf = (item: string, prefix: string) =>
  sequenceType(`ArrayOf${item}`, [
    `<xs:element minOccurs="0" maxOccurs="unbounded" name="${item}" nillable="true" type="${prefix}:${item}" />`,
  ]);

/** The generic fault of every Microsoft Advertising service (https://adapi.microsoft.com). */
export function adapiSchema(): string {
  return [
    `    <xs:schema elementFormDefault="qualified" targetNamespace="${NS.adapi}">`,
    `      <xs:complexType name="AdApiFaultDetail">`,
    `        <xs:complexContent mixed="false">`,
    `          <xs:extension base="adapi:ApplicationFault">`,
    `            <xs:sequence>`,
    `              <xs:element minOccurs="0" name="Errors" nillable="true" type="adapi:ArrayOfAdApiError" />`,
    `            </xs:sequence>`,
    `          </xs:extension>`,
    `        </xs:complexContent>`,
    `      </xs:complexType>`,
    `      <xs:element name="AdApiFaultDetail" nillable="true" type="adapi:AdApiFaultDetail" />`,
    sequenceType('ApplicationFault', ['<xs:element minOccurs="0" name="TrackingId" nillable="true" type="xs:string" />']),
    arrayOf('AdApiError', 'adapi'),
    sequenceType('AdApiError', [
      '<xs:element minOccurs="0" name="Code" type="xs:int" />',
      '<xs:element minOccurs="0" name="Detail" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="ErrorCode" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Message" nillable="true" type="xs:string" />',
    ]),
    `    </xs:schema>`,
  ].join('\n');
}

/** WCF's serialization arrays (http://schemas.microsoft.com/2003/10/Serialization/Arrays). */
export function arraysSchema(): string {
  return [
    `    <xs:schema elementFormDefault="qualified" targetNamespace="${NS.arrays}">`,
    sequenceType('ArrayOflong', ['<xs:element minOccurs="0" maxOccurs="unbounded" name="long" type="xs:long" />']),
    `      <xs:element name="ArrayOflong" nillable="true" type="arr:ArrayOflong" />`,
    sequenceType('ArrayOfint', ['<xs:element minOccurs="0" maxOccurs="unbounded" name="int" type="xs:int" />']),
    sequenceType('ArrayOfstring', [
      '<xs:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="xs:string" />',
    ]),
    `    </xs:schema>`,
  ].join('\n');
}

/** The request, request-header, response and response-header messages of one operation. */
export function operationMessages(name: string, headers: readonly string[]): string {
  return [
    `  <wsdl:message name="${name}Request">`,
    `    <wsdl:part name="parameters" element="tns:${name}Request" />`,
    `  </wsdl:message>`,
    `  <wsdl:message name="${name}Request_Headers">`,
    ...headers.map((h) => `    <wsdl:part name="${h}" element="tns:${h}" />`),
    `  </wsdl:message>`,
    `  <wsdl:message name="${name}Response">`,
    `    <wsdl:part name="parameters" element="tns:${name}Response" />`,
    `  </wsdl:message>`,
    `  <wsdl:message name="${name}Response_Headers">`,
    `    <wsdl:part name="TrackingId" element="tns:TrackingId" />`,
    `  </wsdl:message>`,
  ].join('\n');
}

/** One binding operation: header parts, literal body, the generic and the service-specific fault. */
export function bindingOperation(name: string, headers: readonly string[], serviceFault: string): string {
  return [
    `    <wsdl:operation name="${name}">`,
    `      <soap:operation soapAction="${name}" style="document" />`,
    `      <wsdl:input name="${name}Request">`,
    ...headers.map((h) => `        <soap:header message="tns:${name}Request_Headers" part="${h}" use="literal" />`),
    `        <soap:body use="literal" />`,
    `      </wsdl:input>`,
    `      <wsdl:output name="${name}Response">`,
    `        <soap:header message="tns:${name}Response_Headers" part="TrackingId" use="literal" />`,
    `        <soap:body use="literal" />`,
    `      </wsdl:output>`,
    `      <wsdl:fault name="AdApiFaultDetailFault">`,
    `        <soap:fault name="AdApiFaultDetailFault" use="literal" />`,
    `      </wsdl:fault>`,
    `      <wsdl:fault name="${serviceFault}">`,
    `        <soap:fault name="${serviceFault}" use="literal" />`,
    `      </wsdl:fault>`,
    `    </wsdl:operation>`,
  ].join('\n');
}

/**
 * Everything after <wsdl:types>: each operation's messages, the two fault messages, the portType, the
 * SOAP 1.1 binding and the service with its address. `service` is e.g. "ReportingService" (portType
 * "IReportingService"); the service-specific fault is `serviceFault.name` with detail element
 * `serviceFault.element`.
 */
export function serviceDefinitions(options: {
  service: string;
  operations: readonly string[];
  headers: readonly string[];
  serviceFault: { name: string; element: string };
  location: string;
}): string[] {
  const { service, operations, headers, serviceFault, location } = options;
  const portType = `I${service}`;
  const binding = `BasicHttpBinding_${portType}`;
  return [
    ...operations.map((op) => operationMessages(op, headers)),
    `  <wsdl:message name="AdApiFaultDetailFault">`,
    `    <wsdl:part name="detail" element="adapi:AdApiFaultDetail" />`,
    `  </wsdl:message>`,
    `  <wsdl:message name="${serviceFault.name}">`,
    `    <wsdl:part name="detail" element="${serviceFault.element}" />`,
    `  </wsdl:message>`,
    `  <wsdl:portType name="${portType}">`,
    ...operations.flatMap((op) => [
      `    <wsdl:operation name="${op}">`,
      `      <wsdl:input name="${op}Request" message="tns:${op}Request" />`,
      `      <wsdl:output name="${op}Response" message="tns:${op}Response" />`,
      `      <wsdl:fault name="AdApiFaultDetailFault" message="tns:AdApiFaultDetailFault" />`,
      `      <wsdl:fault name="${serviceFault.name}" message="tns:${serviceFault.name}" />`,
      `    </wsdl:operation>`,
    ]),
    `  </wsdl:portType>`,
    `  <wsdl:binding name="${binding}" type="tns:${portType}">`,
    `    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" />`,
    ...operations.map((op) => bindingOperation(op, headers, serviceFault.name)),
    `  </wsdl:binding>`,
    `  <wsdl:service name="${service}">`,
    `    <wsdl:port name="${binding}" binding="tns:${binding}">`,
    `      <soap:address location="${location}" />`,
    `    </wsdl:port>`,
    `  </wsdl:service>`,
    `</wsdl:definitions>`,
    ``,
  ];
}
