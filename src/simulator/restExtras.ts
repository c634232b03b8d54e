/**
 * Members of Microsoft's REST request bodies that our bundled WSDLs (a subset of Microsoft's) leave out,
 * so the JSON validator cannot derive them from the schema set: Microsoft's generated .NET client sends
 * every member, `null` when unset, so a strict simulator must still accept these. Report filters, the
 * keyword report's Sort/MaxRows are accepted as `null` (or left out) only, since the simulator does not
 * serve them; SearchAccounts' ReturnAdditionalFields is a flag enum, validated and then ignored (the
 * fields it asks for are always null in the simulator's accounts). Source: REST-FACTS §5.1, §8.
 */

export type ExtraMember =
  | { kind: 'nullOnly'; why: string }
  /** A flag enum: one string of values separated by commas (optional spaces), e.g. "None, TaxCertificate". */
  | { kind: 'flags'; values: readonly string[] };

/** Report types whose REST form has no Filter member. */
const NO_FILTER = new Set(['AssetPerformanceReportRequest', 'BudgetSummaryReportRequest', 'ProductMatchCountReportRequest']);

const notServed = (member: string): ExtraMember => ({ kind: 'nullOnly', why: `msads-etl simulator: ${member} is not served; send null or leave it out.` });

/**
 * Extra members of the object whose type (or, for an inline type, element) has this local name.
 * `isReportRequest`: the type derives from ReportRequest.
 */
export function extraMembers(localName: string, isReportRequest: boolean): Readonly<Record<string, ExtraMember>> {
  if (isReportRequest && localName !== 'ReportRequest') {
    const extras: Record<string, ExtraMember> = NO_FILTER.has(localName) ? {} : { Filter: notServed('Filter') };
    if (localName === 'KeywordPerformanceReportRequest') {
      extras.Sort = notServed('Sort');
      extras.MaxRows = notServed('MaxRows');
    }
    return extras;
  }
  if (localName === 'SearchAccountsRequest') {
    return { ReturnAdditionalFields: { kind: 'flags', values: ['None', 'TaxCertificate', 'AccountMode', 'CouponClaimInfo'] } };
  }
  return {};
}
