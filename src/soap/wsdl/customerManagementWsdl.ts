import { reportTimeZones } from '../../reports/timeZones.js';
import { NS } from '../namespaces.js';
import { adapiSchema, arrayOf, arraysSchema, enumType, sequenceType, serviceDefinitions } from './wsdlText.js';

/**
 * Renders the project's own Customer Management v13 WSDL: the subset of Microsoft's service that account
 * discovery uses (GetUser and SearchAccounts), with Microsoft's namespaces, element names and element
 * order (REPORTING-FACTS §9.1). Every element left out is optional (minOccurs="0") in Microsoft's schema
 * and trails or sits between kept ones, so a request valid here is valid there (the conformance test
 * checks that against Microsoft's file); response types keep only the fields the project reads.
 *
 * The committed file src/soap/wsdl/CustomerManagementService.wsdl is this function's output; a test
 * keeps the two equal (`npm run wsdl` rewrites the file).
 */

/** Customer Management's AccountLifeCycleStatus (note: "Pause", not "Paused"). */
export const accountLifeCycleStatuses = ['Draft', 'Active', 'Inactive', 'Pause', 'Pending', 'Suspended'] as const;
export type AccountLifeCycleStatus = (typeof accountLifeCycleStatuses)[number];

export const userLifeCycleStatuses = ['Pending', 'Active', 'Inactive', 'Deleted'] as const;

/**
 * Customer Management's TimeZoneType: the Reporting ReportTimeZone names except four that Microsoft
 * spells differently in this service (REPORTING-FACTS §9.1, last bullet).
 */
const CUSTOMER_SPELLING: Readonly<Record<string, string>> = {
  AthensIslandanbulMinsk: 'AthensBuckarestIstanbul',
  IslandamabadKarachiTashkent: 'IslamabadKarachiTashkent',
  MidwayIslandandSamoa: 'MidwayIslandAndSamoa',
  MagadanSolomonIslandNewCaledonia: 'SolomonIslandNewCaledonia',
};
export const customerTimeZones: readonly string[] = reportTimeZones.map((z) => CUSTOMER_SPELLING[z] ?? z);

/** ISO 4217 codes as Microsoft's CurrencyCode enum spells them (legacy codes included). */
export const currencyCodes = [
  'AED', 'ALL', 'AMD', 'ARS', 'AUD', 'AZM', 'BGL', 'BHD', 'BND', 'BOB', 'BRL', 'BYB', 'BZD', 'CAD', 'CHF', 'CLP',
  'CNY', 'COP', 'CRC', 'CZK', 'DOP', 'DKK', 'DZD', 'EEK', 'EGP', 'EUR', 'GBP', 'GEL', 'GTQ', 'HKD', 'HNL', 'HRK',
  'HUF', 'IDR', 'ILS', 'INR', 'IQD', 'IRR', 'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KRW', 'KWD', 'KZT', 'LBP',
  'LTL', 'LVL', 'LYD', 'MAD', 'MKD', 'MOP', 'MNT', 'MVR', 'MXN', 'MYR', 'NIO', 'NOK', 'NZD', 'OMR', 'PAB', 'PEN',
  'PHP', 'PKR', 'PLN', 'PYG', 'QAR', 'ROL', 'RUR', 'SAR', 'SEK', 'SGD', 'SIT', 'SKK', 'SYP', 'THB', 'TND', 'TRY',
  'TTD', 'TWD', 'UAH', 'USD', 'UYU', 'UZS', 'VEF', 'YER', 'VND', 'YUN', 'ZAR', 'ZWD', 'NGN',
] as const;

export const predicateOperators = ['Equals', 'NotEquals', 'Contains', 'In', 'GreaterThanEquals', 'LessThanEquals', 'StartsWith', 'NotContains'] as const;
export const orderByFields = ['Id', 'Name', 'Number', 'LifeCycleStatus', 'CouponClassName', 'CouponStartDate'] as const;

const wrapper = (name: string, elements: string[]) =>
  [
    `      <xs:element name="${name}">`,
    `        <xs:complexType>`,
    `          <xs:sequence>`,
    ...elements.map((e) => `            ${e}`),
    `          </xs:sequence>`,
    `        </xs:complexType>`,
    `      </xs:element>`,
  ].join('\n');

/** The header parts this project sends, in Microsoft's order (no CustomerId/CustomerAccountId here: §2.2). */
const HEADER_IN = ['AuthenticationToken', 'DeveloperToken'] as const;

function customerSchema(): string {
  return [
    `    <xs:schema elementFormDefault="qualified" targetNamespace="${NS.customer}">`,
    `      <xs:import namespace="${NS.customerEntities}" />`,
    `      <xs:import namespace="${NS.customerException}" />`,
    ...HEADER_IN.map((h) => `      <xs:element name="${h}" nillable="true" type="xs:string" />`),
    `      <xs:element name="TrackingId" nillable="true" type="xs:string" />`,
    `      <xs:element name="ApiFault" nillable="true" type="exc:ApiFault" />`,
    wrapper('GetUserRequest', ['<xs:element minOccurs="0" name="UserId" nillable="true" type="xs:long" />']),
    wrapper('GetUserResponse', [
      '<xs:element minOccurs="0" name="User" nillable="true" type="ent:User" />',
      '<xs:element minOccurs="0" name="CustomerRoles" nillable="true" type="ent:ArrayOfCustomerRole" />',
    ]),
    wrapper('SearchAccountsRequest', [
      '<xs:element minOccurs="0" name="Predicates" nillable="true" type="ent:ArrayOfPredicate" />',
      '<xs:element minOccurs="0" name="Ordering" nillable="true" type="ent:ArrayOfOrderBy" />',
      '<xs:element minOccurs="0" name="PageInfo" nillable="true" type="ent:Paging" />',
    ]),
    wrapper('SearchAccountsResponse', [
      '<xs:element minOccurs="0" name="Accounts" nillable="true" type="ent:ArrayOfAdvertiserAccount" />',
    ]),
    `    </xs:schema>`,
  ].join('\n');
}

function entitiesSchema(): string {
  return [
    `    <xs:schema elementFormDefault="qualified" targetNamespace="${NS.customerEntities}">`,
    `      <xs:import namespace="${NS.arrays}" />`,
    sequenceType('User', [
      '<xs:element minOccurs="0" name="CustomerId" nillable="true" type="xs:long" />',
      '<xs:element minOccurs="0" name="Id" nillable="true" type="xs:long" />',
      '<xs:element minOccurs="0" name="Name" nillable="true" type="ent:PersonName" />',
      '<xs:element minOccurs="0" name="UserLifeCycleStatus" nillable="true" type="ent:UserLifeCycleStatus" />',
      '<xs:element minOccurs="0" name="UserName" nillable="true" type="xs:string" />',
    ]),
    sequenceType('PersonName', [
      '<xs:element minOccurs="0" name="FirstName" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="LastName" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="MiddleInitial" nillable="true" type="xs:string" />',
    ]),
    enumType('UserLifeCycleStatus', userLifeCycleStatuses),
    arrayOf('CustomerRole', 'ent'),
    sequenceType('CustomerRole', [
      '<xs:element minOccurs="0" name="RoleId" type="xs:int" />',
      '<xs:element minOccurs="0" name="CustomerId" type="xs:long" />',
      '<xs:element minOccurs="0" name="AccountIds" nillable="true" type="arr:ArrayOflong" />',
      '<xs:element minOccurs="0" name="LinkedAccountIds" nillable="true" type="arr:ArrayOflong" />',
      '<xs:element minOccurs="0" name="CustomerLinkPermission" nillable="true" type="xs:string" />',
    ]),
    arrayOf('Predicate', 'ent'),
    sequenceType('Predicate', [
      '<xs:element minOccurs="0" name="Field" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Operator" type="ent:PredicateOperator" />',
      '<xs:element minOccurs="0" name="Value" nillable="true" type="xs:string" />',
    ]),
    enumType('PredicateOperator', predicateOperators),
    arrayOf('OrderBy', 'ent'),
    sequenceType('OrderBy', [
      '<xs:element minOccurs="0" name="Field" type="ent:OrderByField" />',
      '<xs:element minOccurs="0" name="Order" type="ent:SortOrder" />',
    ]),
    enumType('OrderByField', orderByFields),
    enumType('SortOrder', ['Ascending', 'Descending']),
    sequenceType('Paging', [
      '<xs:element minOccurs="0" name="Index" type="xs:int" />',
      '<xs:element minOccurs="0" name="Size" type="xs:int" />',
    ]),
    arrayOf('AdvertiserAccount', 'ent'),
    sequenceType('AdvertiserAccount', [
      '<xs:element minOccurs="0" name="BillToCustomerId" nillable="true" type="xs:long" />',
      '<xs:element minOccurs="0" name="CurrencyCode" nillable="true" type="ent:CurrencyCode" />',
      '<xs:element minOccurs="0" name="Id" nillable="true" type="xs:long" />',
      '<xs:element minOccurs="0" name="Name" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Number" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="ParentCustomerId" type="xs:long" />',
      '<xs:element minOccurs="0" name="PrimaryUserId" nillable="true" type="xs:long" />',
      '<xs:element minOccurs="0" name="AccountLifeCycleStatus" nillable="true" type="ent:AccountLifeCycleStatus" />',
      '<xs:element minOccurs="0" name="TimeZone" nillable="true" type="ent:TimeZoneType" />',
    ]),
    enumType('CurrencyCode', currencyCodes),
    enumType('AccountLifeCycleStatus', accountLifeCycleStatuses),
    enumType('TimeZoneType', customerTimeZones),
    `    </xs:schema>`,
  ].join('\n');
}

function exceptionSchema(): string {
  return [
    `    <xs:schema elementFormDefault="qualified" targetNamespace="${NS.customerException}">`,
    `      <xs:import namespace="${NS.adapi}" />`,
    `      <xs:complexType name="ApiFault">`,
    `        <xs:complexContent mixed="false">`,
    `          <xs:extension base="adapi:ApplicationFault">`,
    `            <xs:sequence>`,
    `              <xs:element minOccurs="0" name="OperationErrors" nillable="true" type="exc:ArrayOfOperationError" />`,
    `            </xs:sequence>`,
    `          </xs:extension>`,
    `        </xs:complexContent>`,
    `      </xs:complexType>`,
    `      <xs:element name="ApiFault" nillable="true" type="exc:ApiFault" />`,
    arrayOf('OperationError', 'exc'),
    // No ErrorCode in Customer Management's OperationError (REPORTING-FACTS §6.1, §11.13).
    sequenceType('OperationError', [
      '<xs:element minOccurs="0" name="Code" type="xs:int" />',
      '<xs:element minOccurs="0" name="Details" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Message" nillable="true" type="xs:string" />',
    ]),
    `    </xs:schema>`,
  ].join('\n');
}

export const CUSTOMER_OPERATIONS = ['GetUser', 'SearchAccounts'] as const;
export type CustomerOperation = (typeof CUSTOMER_OPERATIONS)[number];

export function renderCustomerManagementWsdl(
  location = 'https://clientcenter.api.bingads.microsoft.com/Api/CustomerManagement/v13/CustomerManagementService.svc',
): string {
  return [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<!-- msads-etl's own Customer Management v13 WSDL: the subset of Microsoft's CustomerManagementService`,
    `     that account discovery uses. Generated by src/soap/wsdl/customerManagementWsdl.ts (npm run wsdl);`,
    `     do not edit by hand. -->`,
    `<wsdl:definitions name="CustomerManagementService" targetNamespace="${NS.customer}"`,
    `    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"`,
    `    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${NS.customer}"`,
    `    xmlns:ent="${NS.customerEntities}" xmlns:exc="${NS.customerException}"`,
    `    xmlns:adapi="${NS.adapi}" xmlns:arr="${NS.arrays}">`,
    `  <wsdl:types>`,
    customerSchema(),
    entitiesSchema(),
    exceptionSchema(),
    adapiSchema(),
    arraysSchema(),
    `  </wsdl:types>`,
    ...serviceDefinitions({
      service: 'CustomerManagementService',
      operations: CUSTOMER_OPERATIONS,
      headers: HEADER_IN,
      serviceFault: { name: 'ApiFault', element: 'tns:ApiFault' },
      location,
    }),
  ].join('\n');
}
