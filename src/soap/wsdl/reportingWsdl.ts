import { requestTypes, type RequestTypeShape } from '../../reports/columnEnums.js';
import { reportTimeZones } from '../../reports/timeZones.js';
import { NS } from '../namespaces.js';
import { adapiSchema, arraysSchema, enumType, sequenceType, serviceDefinitions } from './wsdlText.js';

/**
 * Renders the project's own Reporting v13 WSDL: the subset of Microsoft's service this project uses
 * (SubmitGenerateReport, PollGenerateReport, every ReportRequest type with its column enum, scopes, time,
 * headers and faults), with Microsoft's namespaces, element names and element order. Filters, sorts and
 * the unused header parts are left out: the project never sends them.
 *
 * The committed file src/soap/wsdl/ReportingService.wsdl is this function's output; a test keeps the two
 * equal (`npm run wsdl` rewrites the file).
 */

const REPORT_TIME_PERIODS = [
  'Today', 'Yesterday', 'LastSevenDays', 'ThisWeek', 'LastWeek', 'Last14Days', 'Last30Days', 'LastFourWeeks',
  'ThisMonth', 'LastMonth', 'LastThreeMonths', 'LastSixMonths', 'ThisYear', 'LastYear', 'ThisWeekStartingMonday',
  'LastWeekStartingMonday', 'LastFourWeeksStartingMonday',
];
const REPORT_AGGREGATIONS = [
  'Summary', 'Hourly', 'Daily', 'Weekly', 'Monthly', 'Yearly', 'HourOfDay', 'DayOfWeek', 'WeeklyStartingMonday',
];

const scopeTypes = () =>
  [
    sequenceType('AccountReportScope', [
      '<xs:element minOccurs="0" name="AccountIds" nillable="true" type="arr:ArrayOflong" />',
    ]),
    sequenceType('AccountThroughCampaignReportScope', [
      '<xs:element minOccurs="0" name="AccountIds" nillable="true" type="arr:ArrayOflong" />',
      '<xs:element minOccurs="0" name="Campaigns" nillable="true" type="tns:ArrayOfCampaignReportScope" />',
    ]),
    sequenceType('AccountThroughAdGroupReportScope', [
      '<xs:element minOccurs="0" name="AccountIds" nillable="true" type="arr:ArrayOflong" />',
      '<xs:element minOccurs="0" name="AdGroups" nillable="true" type="tns:ArrayOfAdGroupReportScope" />',
      '<xs:element minOccurs="0" name="Campaigns" nillable="true" type="tns:ArrayOfCampaignReportScope" />',
    ]),
    sequenceType('AccountThroughAssetGroupReportScope', [
      '<xs:element minOccurs="0" name="AccountIds" nillable="true" type="arr:ArrayOflong" />',
      '<xs:element minOccurs="0" name="AssetGroups" nillable="true" type="tns:ArrayOfAssetGroupReportScope" />',
      '<xs:element minOccurs="0" name="Campaigns" nillable="true" type="tns:ArrayOfCampaignReportScope" />',
    ]),
    sequenceType('ArrayOfCampaignReportScope', [
      '<xs:element minOccurs="0" maxOccurs="unbounded" name="CampaignReportScope" nillable="true" type="tns:CampaignReportScope" />',
    ]),
    sequenceType('CampaignReportScope', [
      '<xs:element name="AccountId" type="xs:long" />',
      '<xs:element name="CampaignId" type="xs:long" />',
    ]),
    sequenceType('ArrayOfAdGroupReportScope', [
      '<xs:element minOccurs="0" maxOccurs="unbounded" name="AdGroupReportScope" nillable="true" type="tns:AdGroupReportScope" />',
    ]),
    sequenceType('AdGroupReportScope', [
      '<xs:element name="AccountId" type="xs:long" />',
      '<xs:element name="CampaignId" type="xs:long" />',
      '<xs:element name="AdGroupId" type="xs:long" />',
    ]),
    sequenceType('ArrayOfAssetGroupReportScope', [
      '<xs:element minOccurs="0" maxOccurs="unbounded" name="AssetGroupReportScope" nillable="true" type="tns:AssetGroupReportScope" />',
    ]),
    sequenceType('AssetGroupReportScope', [
      '<xs:element name="AccountId" type="xs:long" />',
      '<xs:element name="CampaignId" type="xs:long" />',
      '<xs:element name="AssetGroupId" type="xs:long" />',
    ]),
  ].join('\n');

function requestType(name: string, shape: RequestTypeShape): string {
  const elements: string[] = [];
  for (const element of shape.elements) {
    switch (element) {
      case 'Aggregation':
        elements.push('<xs:element name="Aggregation" type="tns:ReportAggregation" />');
        break;
      case 'Columns':
        elements.push(`<xs:element name="Columns" nillable="true" type="tns:ArrayOf${shape.columnElement}" />`);
        break;
      case 'Scope':
        elements.push(`<xs:element name="Scope" nillable="true" type="tns:${shape.scope}" />`);
        break;
      case 'Time':
        elements.push('<xs:element name="Time" nillable="true" type="tns:ReportTime" />');
        break;
      default:
        // Filter, MaxRows, Sort: optional in Microsoft's schema and never sent by this project.
        break;
    }
  }
  return [
    `      <xs:complexType name="${name}">`,
    `        <xs:complexContent mixed="false">`,
    `          <xs:extension base="tns:ReportRequest">`,
    `            <xs:sequence>`,
    ...elements.map((e) => `              ${e}`),
    `            </xs:sequence>`,
    `          </xs:extension>`,
    `        </xs:complexContent>`,
    `      </xs:complexType>`,
    sequenceType(`ArrayOf${shape.columnElement}`, [
      `<xs:element minOccurs="0" maxOccurs="unbounded" name="${shape.columnElement}" type="tns:${shape.columnElement}" />`,
    ]),
    enumType(shape.columnElement, shape.columns),
  ].join('\n');
}

const HEADER_IN = ['AuthenticationToken', 'CustomerAccountId', 'CustomerId', 'DeveloperToken'] as const;

function reportingSchema(): string {
  const types = Object.entries(requestTypes) as [string, RequestTypeShape][];
  return [
    `    <xs:schema elementFormDefault="qualified" targetNamespace="${NS.reporting}">`,
    `      <xs:import namespace="${NS.arrays}" />`,
    `      <xs:import namespace="${NS.adapi}" />`,
    `      <xs:element name="SubmitGenerateReportRequest">`,
    `        <xs:complexType>`,
    `          <xs:sequence>`,
    `            <xs:element minOccurs="0" name="ReportRequest" nillable="true" type="tns:ReportRequest" />`,
    `          </xs:sequence>`,
    `        </xs:complexType>`,
    `      </xs:element>`,
    `      <xs:element name="SubmitGenerateReportResponse">`,
    `        <xs:complexType>`,
    `          <xs:sequence>`,
    `            <xs:element minOccurs="0" name="ReportRequestId" nillable="true" type="xs:string" />`,
    `          </xs:sequence>`,
    `        </xs:complexType>`,
    `      </xs:element>`,
    `      <xs:element name="PollGenerateReportRequest">`,
    `        <xs:complexType>`,
    `          <xs:sequence>`,
    `            <xs:element minOccurs="0" name="ReportRequestId" nillable="true" type="xs:string" />`,
    `          </xs:sequence>`,
    `        </xs:complexType>`,
    `      </xs:element>`,
    `      <xs:element name="PollGenerateReportResponse">`,
    `        <xs:complexType>`,
    `          <xs:sequence>`,
    `            <xs:element minOccurs="0" name="ReportRequestStatus" nillable="true" type="tns:ReportRequestStatus" />`,
    `          </xs:sequence>`,
    `        </xs:complexType>`,
    `      </xs:element>`,
    ...HEADER_IN.map((h) => `      <xs:element name="${h}" nillable="true" type="xs:string" />`),
    `      <xs:element name="TrackingId" nillable="true" type="xs:string" />`,
    sequenceType('ReportRequest', [
      '<xs:element minOccurs="0" name="ExcludeColumnHeaders" nillable="true" type="xs:boolean" />',
      '<xs:element minOccurs="0" name="ExcludeReportFooter" nillable="true" type="xs:boolean" />',
      '<xs:element minOccurs="0" name="ExcludeReportHeader" nillable="true" type="xs:boolean" />',
      '<xs:element minOccurs="0" name="Format" nillable="true" type="tns:ReportFormat" />',
      '<xs:element minOccurs="0" name="FormatVersion" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="ReportName" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="ReturnOnlyCompleteData" nillable="true" type="xs:boolean" />',
    ]),
    enumType('ReportFormat', ['Csv', 'Tsv', 'Xml']),
    enumType('ReportAggregation', REPORT_AGGREGATIONS),
    sequenceType('ReportTime', [
      '<xs:element minOccurs="0" name="CustomDateRangeEnd" nillable="true" type="tns:Date" />',
      '<xs:element minOccurs="0" name="CustomDateRangeStart" nillable="true" type="tns:Date" />',
      '<xs:element minOccurs="0" name="PredefinedTime" nillable="true" type="tns:ReportTimePeriod" />',
      '<xs:element minOccurs="0" name="ReportTimeZone" nillable="true" type="tns:ReportTimeZone" />',
    ]),
    sequenceType('Date', [
      '<xs:element name="Day" type="xs:int" />',
      '<xs:element name="Month" type="xs:int" />',
      '<xs:element name="Year" type="xs:int" />',
    ]),
    enumType('ReportTimePeriod', REPORT_TIME_PERIODS),
    enumType('ReportTimeZone', reportTimeZones),
    scopeTypes(),
    ...types.map(([name, shape]) => requestType(name, shape)),
    sequenceType('ReportRequestStatus', [
      '<xs:element minOccurs="0" name="ReportDownloadUrl" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Status" type="tns:ReportRequestStatusType" />',
    ]),
    enumType('ReportRequestStatusType', ['Error', 'Success', 'Pending']),
    `      <xs:complexType name="ApiFaultDetail">`,
    `        <xs:complexContent mixed="false">`,
    `          <xs:extension base="adapi:ApplicationFault">`,
    `            <xs:sequence>`,
    `              <xs:element minOccurs="0" name="BatchErrors" nillable="true" type="tns:ArrayOfBatchError" />`,
    `              <xs:element minOccurs="0" name="OperationErrors" nillable="true" type="tns:ArrayOfOperationError" />`,
    `            </xs:sequence>`,
    `          </xs:extension>`,
    `        </xs:complexContent>`,
    `      </xs:complexType>`,
    `      <xs:element name="ApiFaultDetail" nillable="true" type="tns:ApiFaultDetail" />`,
    sequenceType('ArrayOfBatchError', [
      '<xs:element minOccurs="0" maxOccurs="unbounded" name="BatchError" nillable="true" type="tns:BatchError" />',
    ]),
    sequenceType('BatchError', [
      '<xs:element minOccurs="0" name="Code" type="xs:int" />',
      '<xs:element minOccurs="0" name="Details" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="ErrorCode" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Index" type="xs:int" />',
      '<xs:element minOccurs="0" name="Message" nillable="true" type="xs:string" />',
    ]),
    sequenceType('ArrayOfOperationError', [
      '<xs:element minOccurs="0" maxOccurs="unbounded" name="OperationError" nillable="true" type="tns:OperationError" />',
    ]),
    sequenceType('OperationError', [
      '<xs:element minOccurs="0" name="Code" type="xs:int" />',
      '<xs:element minOccurs="0" name="Details" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="ErrorCode" nillable="true" type="xs:string" />',
      '<xs:element minOccurs="0" name="Message" nillable="true" type="xs:string" />',
    ]),
    `    </xs:schema>`,
  ].join('\n');
}

const OPERATIONS = ['SubmitGenerateReport', 'PollGenerateReport'] as const;

export function renderReportingWsdl(location = 'https://reporting.api.bingads.microsoft.com/Api/Advertiser/Reporting/v13/ReportingService.svc'): string {
  return [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<!-- msads-etl's own Reporting v13 WSDL: the subset of Microsoft's ReportingService this project uses.`,
    `     Generated by src/soap/wsdl/reportingWsdl.ts (npm run wsdl); do not edit by hand. -->`,
    `<wsdl:definitions name="ReportingService" targetNamespace="${NS.reporting}"`,
    `    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"`,
    `    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${NS.reporting}"`,
    `    xmlns:adapi="${NS.adapi}" xmlns:arr="${NS.arrays}">`,
    `  <wsdl:types>`,
    reportingSchema(),
    adapiSchema(),
    arraysSchema(),
    `  </wsdl:types>`,
    ...serviceDefinitions({
      service: 'ReportingService',
      operations: OPERATIONS,
      headers: HEADER_IN,
      serviceFault: { name: 'ApiFaultDetailFault', element: 'tns:ApiFaultDetail' },
      location,
    }),
  ].join('\n');
}
