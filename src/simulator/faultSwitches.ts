/**
 * Runtime fault injection. Every switch is off by default; tests flip them on the live simulator
 * (`sim.faults.throttleNext = 2`). Counters ("…Next", `expireDownloadUrls`) count down as they fire, so
 * a test can assert that the client recovered once the fault ran out.
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
  // --- SOAP calls (both operations); checked in this order before the request is even validated ---
  /** Delay in ms added before every SOAP response. */
  latencyMs: number;
  /** The next n SOAP calls answer an HTML "502 Bad Gateway" page, as a proxy in front of the service would. */
  htmlInsteadOfSoap: number;
  /** The next n SOAP calls answer HTTP 200 with an empty body. */
  emptyBody: number;
  /** The next n SOAP calls answer AdApiFaultDetail 117 CallRateExceeded. */
  throttleNext: number;
  /** The next n SOAP calls answer ApiFaultDetail with OperationError 0 InternalError. */
  internalErrorNext: number;
  /** The next n SOAP calls answer AdApiFaultDetail with a code no documentation lists (99999, SimulatorUnknownError). */
  unknownFaultCode: number;
  /** Deliver every SOAP fault with HTTP 200 instead of 500 (observed from the real service). */
  faultWithHttp200: boolean;

  // --- report generation ---
  /** Most reports Pending at once per customer; a Submit beyond it faults 207 ConcurrentRequestOverLimit. 0 = no limit. */
  concurrentLimit: number;
  /** The next n submitted reports end with Status=Error instead of Success. */
  statusErrorNext: number;
  /** Reports submitted while on end with Status=Success and a nil ReportDownloadUrl (Microsoft's "no data"). */
  emptyReport: boolean;

  // --- downloads ---
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

  // --- Nango ---
  /** Connection ids whose refresh grant is revoked: Nango answers 400 invalid_credentials for their credentials. */
  revokedConnections: Set<string>;
  /** Connection ids deleted from Nango: 404 not_found, and left out of listConnections. */
  deletedConnections: Set<string>;

  // --- Microsoft credentials ---
  /** Connection ids whose tokens Microsoft refuses with 105 InvalidCredentials (Reporting and Customer Management), while Nango still hands them out. */
  invalidCredentialConnections: Set<string>;
  /**
   * Connection ids whose tokens were issued for the other Microsoft environment (a sandbox token against
   * production, or the reverse): 105 InvalidCredentials, as Microsoft answers the mismatch.
   */
  wrongEnvironmentConnections: Set<string>;
  /** Connection ids whose tokens lack the msads.manage scope: 105 with Microsoft's "invalid scope" message. */
  missingScopeConnections: Set<string>;
  /** The next n Customer Management calls answer ApiFault with OperationError 0 InternalError. */
  customerInternalErrorNext: number;
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
    revokedConnections: new Set(),
    deletedConnections: new Set(),
    invalidCredentialConnections: new Set(),
    wrongEnvironmentConnections: new Set(),
    missingScopeConnections: new Set(),
    customerInternalErrorNext: 0,
  };
}

type Counter = 'htmlInsteadOfSoap' | 'emptyBody' | 'throttleNext' | 'internalErrorNext' | 'unknownFaultCode' | 'statusErrorNext' | 'expireDownloadUrls' | 'customerInternalErrorNext';

/** Takes one shot of a counter switch: true (and decremented) when it was armed. */
export function consume(faults: FaultSwitches, key: Counter): boolean {
  if (faults[key] > 0) {
    faults[key]--;
    return true;
  }
  return false;
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
  ]);
}
