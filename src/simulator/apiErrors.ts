/**
 * The Microsoft error codes the simulator answers with, with Microsoft's symbolic ErrorCode and message
 * text (REPORTING-FACTS §6.2), and which fault detail carries them: authentication and throttling come
 * as AdApiFaultDetail/AdApiError, everything about the request as ApiFaultDetail/OperationError.
 */

type DetailKind = 'AdApiFaultDetail' | 'ApiFaultDetail';

const CODES = {
  0: ['ApiFaultDetail', 'InternalError', 'An internal error has occurred.'],
  100: ['ApiFaultDetail', 'NullRequest', 'The request message is null.'],
  105: ['AdApiFaultDetail', 'InvalidCredentials', 'Authentication failed. Either supplied credentials are invalid or the account is inactive.'],
  106: ['AdApiFaultDetail', 'UserIsNotAuthorized', 'The user does not have permission to access the requested customer or account.'],
  109: ['AdApiFaultDetail', 'AuthenticationTokenExpired', 'Authentication token expired. Please renew it or obtain a new token.'],
  113: ['ApiFaultDetail', 'InvalidDateObject', 'The date specified in the request is not valid.'],
  116: ['AdApiFaultDetail', 'RequestMissingHeaders', 'One or more required header elements are missing from the request.'],
  117: ['AdApiFaultDetail', 'CallRateExceeded', 'You have exceeded the number of calls that you are allowed to make in a minute. Please reduce the number of calls that you make per minute.'],
  201: ['ApiFaultDetail', 'ApiInputValidationError', 'One or more input elements failed validation.'],
  207: ['ApiFaultDetail', 'ConcurrentRequestOverLimit', 'You have already reached the maximum number of concurrent report requests. Please wait until the previous reports are completed and then try to submit a new request.'],
  2001: ['ApiFaultDetail', 'ReportingServiceNullReportRequest', 'The report request is null.'],
  2002: ['ApiFaultDetail', 'ReportingServiceUnknownReportType', 'The report request type is not valid.'],
  2003: ['ApiFaultDetail', 'ReportingServiceAccountNotAuthorized', 'You do not have permission to one or more accounts in the report request.'],
  2005: ['ApiFaultDetail', 'ReportingServiceInvalidDataAvailabilityAndTimePeriodCombination', 'Complete data cannot be requested for a time period that includes today.'],
  2006: ['ApiFaultDetail', 'ReportingServiceInvalidReportName', 'The report name is not valid.'],
  2007: ['ApiFaultDetail', 'ReportingServiceInvalidReportAggregation', 'The report aggregation is not valid for the specified report time period.'],
  2008: ['ApiFaultDetail', 'ReportingServiceInvalidReportTimeSelection', 'The report time is null or contains more than one predefined time, custom date, or custom date range start and end.'],
  2010: ['ApiFaultDetail', 'ReportingServiceInvalidCustomDateRangeEnd', 'The custom date range end date is not valid.'],
  2011: ['ApiFaultDetail', 'ReportingServiceEndDateBeforeStartDate', 'The custom date range end date is before the start date.'],
  2014: ['ApiFaultDetail', 'ReportingServiceNullColumns', 'The report columns are null or empty.'],
  2015: ['ApiFaultDetail', 'ReportingServiceRequiredColumnsNotSelected', 'One or more required columns are not selected.'],
  2016: ['ApiFaultDetail', 'ReportingServiceDuplicateColumns', 'The report columns contain duplicates.'],
  2017: ['ApiFaultDetail', 'ReportingServiceNoMeasureSelected', 'The report request does not specify at least one measurement column.'],
  2026: ['ApiFaultDetail', 'ReportingServiceInvalidAccountReportScope', 'The account report scope does not contain account identifiers.'],
  2029: ['ApiFaultDetail', 'AccountsOverLimit', 'The report scope contains more than 1,000 accounts.'],
  2034: ['ApiFaultDetail', 'ReportingServiceInvalidTimePeriodColumnForSummaryReport', 'The TimePeriod column cannot be specified in a report request that has a summary aggregation.'],
  2052: ['ApiFaultDetail', 'InvalidGrainForQualityScoreColumns', 'Quality score columns are only available with Hourly, Daily or Summary aggregation.'],
  2053: ['ApiFaultDetail', 'InvalidGrainForImpressionShareColumns', 'The impression share columns are not available for the specified report aggregation.'],
  2054: ['ApiFaultDetail', 'InvalidGrainForHistoricalQualityScoreColumns', 'Historical quality score columns are only available with Daily aggregation.'],
  2059: ['ApiFaultDetail', 'UnsuportedTimeGrain', 'The report type does not support the specified time grain.'],
  // Not in operation-error-codes.md; the code and text Microsoft answers a restricted combination with
  // (singer-io/tap-bing-ads#51, MicrosoftDocs/Advertising-docs#850).
  2064: ['ApiFaultDetail', 'RestrictedColumnCombinations', 'Restricted column combinations selected.'],
  2100: ['ApiFaultDetail', 'ReportingServiceInvalidReportId', 'The report identifier is not valid.'],
  99999: ['AdApiFaultDetail', 'SimulatorUnknownError', 'An error no client knows about (simulator fault switch unknownFaultCode).'],
} as const satisfies Record<number, readonly [DetailKind, string, string]>;

export type ApiErrorCode = keyof typeof CODES;

/** A fault the service answers with. `injected` faults come from a fault switch, not from the request. */
export class SimFault extends Error {
  override name = 'SimFault';
  readonly detailKind: DetailKind;
  readonly code: number;
  readonly errorCode: string;
  readonly details: string | undefined;
  readonly injected: boolean;

  constructor(code: ApiErrorCode, opts: { message?: string; details?: string; injected?: boolean } = {}) {
    const [detailKind, errorCode, text] = CODES[code];
    super(opts.message ?? text);
    this.detailKind = detailKind;
    this.code = code;
    this.errorCode = errorCode;
    this.details = opts.details;
    this.injected = opts.injected ?? false;
  }
}

/**
 * The credential faults of the setup-mistake switches, checked after the token is known: a token for
 * the other environment, then one without the msads.manage scope (REPORTING-FACTS §11.15-16).
 */
export function setupMistakeFault(faults: { wrongEnvironmentConnections: Set<string>; missingScopeConnections: Set<string> }, connectionId: string): SimFault | undefined {
  if (faults.wrongEnvironmentConnections.has(connectionId)) {
    return new SimFault(105, { details: 'The authentication token was issued for another environment (simulator switch wrongEnvironmentConnections).' });
  }
  if (faults.missingScopeConnections.has(connectionId)) {
    return new SimFault(105, {
      message: 'Authentication token contains invalid scope; expected=ads.manage or msads.manage; actual=openid profile offline_access',
      details: 'simulator switch missingScopeConnections',
    });
  }
  return undefined;
}
