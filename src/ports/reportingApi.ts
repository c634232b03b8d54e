import type { Secret } from '../secret.js';
import type { MsAdsApi } from './msadsApi.js';
import type { ReportRequestSpec } from './reportRequestSpec.js';

/**
 * The reporting port: what jobs, run-once and the worker need of Microsoft's Reporting service. The SOAP
 * adapter (src/soap/reportingClient.ts) and the REST adapter (src/rest/reportingClient.ts) implement it;
 * the composition roots pick one (src/app/msadsClients.ts). Failures are the typed errors of
 * src/errors.ts, identical for both adapters for the same Microsoft error.
 */

export interface ReportingCallAuth {
  accessToken: Secret;
  developerToken: Secret;
  /** CustomerId header: the customer that owns or manages the account (SearchAccounts ParentCustomerId). */
  customerId: string;
  /** CustomerAccountId header: the advertiser account id. */
  accountId: string;
}

export type PollResult =
  | { status: 'Pending'; trackingId?: string }
  /** downloadUrl null = Success without data (Microsoft returns no URL for an empty report). */
  | { status: 'Success'; downloadUrl: string | null; trackingId?: string }
  | { status: 'Error'; trackingId?: string };

export interface ReportingApi {
  /** Which adapter this is: recorded on every run in the ledger. */
  readonly api: MsAdsApi;
  submit(
    auth: ReportingCallAuth,
    request: ReportRequestSpec,
    signal?: AbortSignal,
  ): Promise<{ reportRequestId: string; trackingId?: string }>;
  poll(auth: ReportingCallAuth, reportRequestId: string, signal?: AbortSignal): Promise<PollResult>;
}
