import { SimFault } from './apiErrors.js';

/**
 * The Bulk service's own error codes (BULK-FACTS §3.3, §9, MicrosoftDocs guides/operation-error-codes.md),
 * as SimFaults so the shared REST machinery (restEndpoint.ts, restFaults.ts) answers them like every
 * other fault: ApiFaultDetail with an OperationError, HTTP 400. 1029/1030/1102 are documented for Campaign
 * Management; that Bulk uses them is inferred (BULK-FACTS §3.3).
 */

const BULK_CODES = {
  1029: ['CampaignServiceCustomerIdHasToBeSpecified', 'The CustomerId header element cannot be null or empty.'],
  1030: ['CampaignServiceAccountIdHasToBeSpecified', 'The CustomerAccountId header element cannot be null or empty.'],
  1102: ['CampaignServiceInvalidAccountId', 'The account ID is not valid.'],
  3201: ['CampaignServiceAccountIdsLengthExceeded', 'The list of account IDs exceeds the maximum number allowed.'],
  3207: ['CampaignServiceAccountTooBigToDownload', 'The account has more keywords than allowed per request.'],
  3208: ['CampaignServiceLastSyncTimeCannotBeInTheFuture', 'The last sync time cannot be later than now.'],
  3209: ['CampaignServiceLastSyncTimeTooOld', 'The last sync time cannot be earlier than 1/1/1753.'],
  3210: ['BulkServiceMinimumRequiredEntitiesNotSpecified', 'The minimum set of required entities should be specified for bulk download.'],
  3217: ['BulkServiceFormatVersionNotSupported', 'One or more bulk download entities are not supported with the specified format version.'],
  3219: ['BulkServiceFormatVersionRequired', 'The format version is required.'],
  3228: ['BulkServiceDataScopeInvalid', 'The data scope is not valid.'],
  3306: ['CampaignServiceAccountIdsArrayShouldNotBeNullOrEmpty', 'The list of account IDs cannot be null or empty.'],
  3603: ['CampaignServiceFullSyncRequired', 'The last sync time must be null.'],
  4201: ['BulkServiceInvalidRequestId', 'The request ID is not valid.'],
  4204: [
    'BulkServiceNoMoreCallsPermittedForTheTimePeriod',
    'No more bulk upload or download calls will be permitted for this account for the current time period. If you have reached your bulk upload limit, the bulk download operations may still be available, or vice versa.',
  ],
} as const satisfies Record<number, readonly [string, string]>;

export type BulkErrorCode = keyof typeof BULK_CODES;

export class BulkFault extends SimFault {
  constructor(code: BulkErrorCode, opts: { message?: string; details?: string; injected?: boolean } = {}) {
    const [errorCode, text] = BULK_CODES[code];
    super(0, { ...opts, message: opts.message ?? text });
    // SimFault's fields are plain properties; the code table is the only part that differs.
    Object.assign(this, { code, errorCode, detailKind: 'ApiFaultDetail', name: 'BulkFault' });
  }
}

/** An OperationError of a GetBulkDownloadStatus answer (`Errors`). */
export interface OperationError {
  Code: number;
  Details: string | null;
  ErrorCode: string;
  Message: string;
}

export function operationError(code: BulkErrorCode | 0, details: string | null = null): OperationError {
  if (code === 0) return { Code: 0, Details: details, ErrorCode: 'InternalError', Message: 'An internal error has occurred.' };
  const [errorCode, message] = BULK_CODES[code];
  return { Code: code, Details: details, ErrorCode: errorCode, Message: message };
}
