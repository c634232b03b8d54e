/** Counters tests and benchmarks assert on. Only ever incremented by the simulator. */
export interface SimulatorStats {
  /** SubmitGenerateReport calls (SOAP and REST) that returned a ReportRequestId. */
  submits: number;
  /** Accepted submits per account id of the report scope. */
  submitsByAccount: Record<string, number>;
  /** Accepted submits per report window, keyed `connectionId|accountIds|RequestType|Aggregation|from|to` (account ids comma-joined). */
  submitsByWindow: Record<string, number>;
  /** PollGenerateReport calls (SOAP and REST) that returned a status. */
  polls: number;
  /** Report zips served (HTTP 200). */
  downloads: number;
  /** Download requests answered 403 (expired or bad signature) or 404. */
  downloadsRejected: number;
  /** Requests received per API: every POST to a SOAP endpoint, every request to a REST endpoint, refused ones included. */
  requestsByApi: { soap: number; rest: number };
  /** Faults returned (SOAP and REST), keyed by numeric code as a string ("117", "0", "2003"), injected ones included. */
  faultsReturned: Record<string, number>;
  /** Calls (SOAP and REST) refused because the request itself was wrong (schema, headers, credentials, semantics). */
  requestsRejected: number;
  /** Access tokens issued by Nango after the initial one (expiry or force_refresh). */
  tokenRefreshes: number;
  /** Nango API requests received (any endpoint). */
  nangoRequests: number;
  /** Customer Management calls (SOAP and REST) answered without a fault, by operation (GetUser, SearchAccounts). */
  customerCalls: Record<string, number>;
  /** Reporting SOAP requests received and not yet answered (crash tests kill a client mid-call). */
  soapInFlight: number;
  /** Reporting calls (SOAP or REST) received and not yet answered. */
  reportingInFlight: number;
  /** Reports currently Pending. */
  readonly pendingRequestIds: number;
}

export function createStats(pendingCount: () => number): SimulatorStats {
  return {
    submits: 0,
    submitsByAccount: {},
    submitsByWindow: {},
    polls: 0,
    downloads: 0,
    downloadsRejected: 0,
    faultsReturned: {},
    requestsRejected: 0,
    requestsByApi: { soap: 0, rest: 0 },
    tokenRefreshes: 0,
    nangoRequests: 0,
    soapInFlight: 0,
    reportingInFlight: 0,
    customerCalls: {},
    get pendingRequestIds() {
      return pendingCount();
    },
  };
}
