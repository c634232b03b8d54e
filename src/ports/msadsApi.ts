/**
 * How Microsoft Advertising is spoken to. REST (JSON) is the default: Microsoft switches SOAP off on
 * 2027-01-31 (REST-FACTS §1). SOAP stays selectable behind the same ports until then.
 */
export const msadsApis = ['rest', 'soap'] as const;
export type MsAdsApi = (typeof msadsApis)[number];
