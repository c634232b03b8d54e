/**
 * Runtime fault injection. Every switch is off by default; tests flip them on the live simulator
 * (`sim.faults.throttleNext = 2`), the CLI with `--fault NAME[=VALUE]` (faultOptions.ts). Counters
 * ("…Next", `expireDownloadUrls`) count down as they fire, so a test can assert that the client
 * recovered once the fault ran out. Every switch acts on both transports, SOAP and REST (JSON); where
 * the REST answer differs it is said below. A counter is shared: one shot is taken by whichever call,
 * SOAP or REST, comes first.
 */

/** Overrides for the CSV layout of report files produced while set (the request's flags otherwise). */
export interface CsvLayoutOverride {
  excludeReportHeader?: boolean;
  excludeReportFooter?: boolean;
  /** Add a "Total" row before the footer, as some real files have. */
  totalRow?: boolean;
  /** End the file without the final CRLF. */
  noFinalNewline?: boolean;
}

export interface FaultSwitches {
  // --- Reporting calls (both operations, SOAP and REST); checked in this order before the request is even validated ---
  /** Delay in ms added before every Reporting response (SOAP and REST). */
  latencyMs: number;
  /**
   * The next n Reporting calls answer an HTML page, as a proxy in front of the service would: SOAP an
   * HTTP "502 Bad Gateway" page, REST an HTTP "503 Service Unavailable" page (text/html).
   */
  htmlInsteadOfSoap: number;
  /** The next n Reporting calls answer HTTP 200 with an empty body (REST: Content-Type JSON, no bytes). */
  emptyBody: number;
  /** The next n Reporting calls answer AdApiFaultDetail 117 CallRateExceeded (REST: HTTP 429 with `Retry-After`). */
  throttleNext: number;
  /** The next n Reporting calls answer ApiFaultDetail with OperationError 0 InternalError (REST: HTTP 500). */
  internalErrorNext: number;
  /** The next n Reporting calls answer AdApiFaultDetail with a code no documentation lists (99999, SimulatorUnknownError; REST: HTTP 400). */
  unknownFaultCode: number;
  /** Deliver every fault with HTTP 200: SOAP instead of 500 (observed from the real service), REST instead of 400/401/403/429/500. */
  faultWithHttp200: boolean;

  // --- REST only (Reporting and Customer Management), checked after the switches above ---
  /** The next n REST calls answer HTTP 200 with a truncated JSON body (half of a success answer). */
  malformedJsonNext: number;
  /** The next n REST calls answer HTTP 401 with an empty body (as a gateway in front of the service may). */
  unauthorizedNext: number;
  /** The `Retry-After` value (seconds) of REST 429 answers (117 CallRateExceeded); default 60. */
  retryAfterSeconds: number;

  // --- report generation ---
  /** Most reports Pending at once per customer; a Submit beyond it faults 207 ConcurrentRequestOverLimit (REST: HTTP 400). 0 = no limit. */
  concurrentLimit: number;
  /** The next n submitted reports end with Status=Error instead of Success. */
  statusErrorNext: number;
  /** Reports submitted while on end with Status=Success and a nil ReportDownloadUrl (Microsoft's "no data"; REST: `"ReportDownloadUrl": null`). */
  emptyReport: boolean;

  // --- downloads (the download host is the same for SOAP and REST) ---
  /** Delay in ms between the download's response headers and its body. */
  downloadLatencyMs: number;
  /**
   * The next n download requests answer 403 AuthenticationFailed as if the URL had expired, and the URLs
   * they hit stay dead. Once n hits have been answered, a URL from a fresh Poll works again.
   */
  expireDownloadUrls: number;
  /** Serve a corrupt zip: the entry's deflate data is invalid and the end-of-central-directory record is cut. */
  corruptZip: boolean;
  /** Serve a valid zip with no entries. */
  zipWithNoEntry: boolean;
  /** Serve a zip with the report plus a second, different CSV entry after it. */
  zipWithTwoEntries: boolean;
  /** When > 0, the report entry inflates to this many bytes of repeated CSV rows (a zip bomb). */
  zipBombBytes: number;

  // --- report file content ---
  /** Override the header/footer layout of the CSV, or add a Total row / drop the final newline. */
  csvHeaderLayout: CsvLayoutOverride | null;
  /** The CSV column header names one requested column differently (last column gets an "X" suffix). */
  columnsMismatch: boolean;
  /** Every third data row misses its last field. */
  raggedRows: boolean;
  /** The first numeric metric of every data row holds "n/a" instead of a number. */
  nonNumericValue: boolean;
  /**
   * When non-zero, the header's `Rows:` line states the true row count plus this (negative: fewer), for
   * every file served while set; the rows themselves are unchanged. No effect on files without a header.
   */
  wrongRowCount: number;

  // --- Nango ---
  /** Connection ids whose refresh grant is revoked: Nango answers 400 invalid_credentials for their credentials. */
  revokedConnections: Set<string>;
  /** Connection ids deleted from Nango: 404 not_found, and left out of listConnections. */
  deletedConnections: Set<string>;

  // --- Microsoft credentials ---
  /** Connection ids whose tokens Microsoft refuses with 105 InvalidCredentials (Reporting and Customer Management; REST: HTTP 401), while Nango still hands them out. */
  invalidCredentialConnections: Set<string>;
  /**
   * Connection ids whose tokens were issued for the other Microsoft environment (a sandbox token against
   * production, or the reverse): 105 InvalidCredentials, as Microsoft answers the mismatch.
   */
  wrongEnvironmentConnections: Set<string>;
  /** Connection ids whose tokens lack the msads.manage scope: 105 with Microsoft's "invalid scope" message (REST: HTTP 401). */
  missingScopeConnections: Set<string>;
  /** The next n Customer Management calls answer ApiFault with OperationError 0 InternalError (REST: HTTP 500). */
  customerInternalErrorNext: number;

  // --- Bulk service (REST only; bulkService.ts) ---
  /** The next n DownloadCampaignsByAccountIds calls answer 4204 BulkServiceNoMoreCallsPermittedForTheTimePeriod (ApiFaultDetail, HTTP 400). */
  bulkThrottleNext: number;
  /** The next n Bulk calls (download or status) answer AdApiFaultDetail 117 CallRateExceeded, HTTP 429 with `Retry-After` (retryAfterSeconds). */
  bulkCallRateNext: number;
  /** The next n accepted downloads end with RequestStatus Failed and Errors (OperationError 0 InternalError). */
  bulkFailedNext: number;
  /** The next n accepted delta downloads (LastSyncTimeInUTC set) end with RequestStatus FailedFullSyncRequired and Errors (3603). */
  bulkFullSyncRequiredNext: number;
  /** The next n accepted downloads end Completed with a file and a non-null Errors list (OperationError 0). */
  bulkCompletedErrorsNext: number;
  /** The next n bulk file downloads answer 403 AuthenticationFailed as if the URL had expired; the URLs hit stay dead (a new status poll gives a fresh one). */
  bulkExpireDownloadUrls: number;
  /** Bulk files built while on are corrupt zips (as corruptZip does for reports). */
  bulkCorruptZip: boolean;
  /** Bulk files built while on carry an extra, unknown column ("Simulator Future Column") after Parent Id. */
  bulkExtraColumn: boolean;
  /** Bulk files built while on carry a record of an unknown Type ("Campaign Negative Site") after each campaign. */
  bulkUnknownRecordType: boolean;
}

export function defaultFaultSwitches(): FaultSwitches {
  return {
    latencyMs: 0,
    htmlInsteadOfSoap: 0,
    emptyBody: 0,
    throttleNext: 0,
    internalErrorNext: 0,
    unknownFaultCode: 0,
    faultWithHttp200: false,
    malformedJsonNext: 0,
    unauthorizedNext: 0,
    retryAfterSeconds: 60,
    concurrentLimit: 0,
    statusErrorNext: 0,
    emptyReport: false,
    downloadLatencyMs: 0,
    expireDownloadUrls: 0,
    corruptZip: false,
    zipWithNoEntry: false,
    zipWithTwoEntries: false,
    zipBombBytes: 0,
    csvHeaderLayout: null,
    columnsMismatch: false,
    raggedRows: false,
    nonNumericValue: false,
    wrongRowCount: 0,
    revokedConnections: new Set(),
    deletedConnections: new Set(),
    invalidCredentialConnections: new Set(),
    wrongEnvironmentConnections: new Set(),
    missingScopeConnections: new Set(),
    customerInternalErrorNext: 0,
    bulkThrottleNext: 0,
    bulkCallRateNext: 0,
    bulkFailedNext: 0,
    bulkFullSyncRequiredNext: 0,
    bulkCompletedErrorsNext: 0,
    bulkExpireDownloadUrls: 0,
    bulkCorruptZip: false,
    bulkExtraColumn: false,
    bulkUnknownRecordType: false,
  };
}

type Counter =
  | 'htmlInsteadOfSoap'
  | 'emptyBody'
  | 'throttleNext'
  | 'internalErrorNext'
  | 'unknownFaultCode'
  | 'statusErrorNext'
  | 'expireDownloadUrls'
  | 'customerInternalErrorNext'
  | 'malformedJsonNext'
  | 'unauthorizedNext'
  | 'bulkThrottleNext'
  | 'bulkCallRateNext'
  | 'bulkFailedNext'
  | 'bulkFullSyncRequiredNext'
  | 'bulkCompletedErrorsNext'
  | 'bulkExpireDownloadUrls';

/** Takes one shot of a counter switch: true (and decremented) when it was armed. */
export function consume(faults: FaultSwitches, key: Counter): boolean {
  if (faults[key] > 0) {
    faults[key]--;
    return true;
  }
  return false;
}

/** The switches that shape a bulk file; a change means the file must be built again. */
export function bulkFileVariant(faults: FaultSwitches): string {
  return JSON.stringify([faults.bulkCorruptZip, faults.bulkExtraColumn, faults.bulkUnknownRecordType]);
}

/** The switches that shape a report file; a change means the file must be built again. */
export function fileVariant(faults: FaultSwitches): string {
  return JSON.stringify([
    faults.corruptZip,
    faults.zipWithNoEntry,
    faults.zipWithTwoEntries,
    faults.zipBombBytes,
    faults.csvHeaderLayout,
    faults.columnsMismatch,
    faults.raggedRows,
    faults.nonNumericValue,
    faults.wrongRowCount,
  ]);
}
