/**
 * What the non-report tables and their columns mean: COMMENTs (applied by migrate) and docs/SCHEMA.md.
 * Report tables are described from the catalog (src/reports/describe.ts). A column missing here is
 * simply left without a comment.
 */

export interface TableDoc {
  description: string;
  columns: Readonly<Record<string, string>>;
}

export const tableDocs: Readonly<Record<string, TableDoc>> = {
  report_runs: {
    description:
      'The run ledger: one row per report run (connection × account × report × aggregation × window), however many attempts, polls or resubmits it took. Tells fresh data from stale and why a run failed.',
    columns: {
      id: 'Run id; report table rows carry it as run_id.',
      connection_id: 'Nango connection whose credentials the run used.',
      customer_id: 'Microsoft CustomerId sent with the requests.',
      account_id: 'Microsoft account id the run loaded.',
      report: 'Report name (catalog or custom), e.g. campaign_performance.',
      aggregation: 'Aggregation, e.g. Daily; the table is <report>_<aggregation>.',
      window_start: 'First day of the window the run replaces.',
      window_end: 'Last day (inclusive) of the window the run replaces.',
      status: 'submitting, waiting (not submitted yet: for a concurrency slot of its customer, the call budget or a throttle), pending (at Microsoft), loading, retrying, succeeded, empty (Microsoft had no rows) or failed. The last three are final: the row never changes again (a retry is a new run).',
      api: 'How Microsoft was called for the run (MSADS_API at its latest submit): rest or soap.',
      job_id: 'Queue job id (null for run-once).',
      report_request_id: 'Microsoft ReportRequestId of the latest submit.',
      submits: 'SubmitGenerateReport calls made (more than one after Status=Error or an expired request).',
      polls: 'PollGenerateReport calls made.',
      attempt: 'Attempt number of the latest try.',
      bytes: 'Size of the downloaded zip.',
      rows: 'Rows loaded.',
      tracking_id: 'Microsoft TrackingId of the latest call, for support.',
      error_class: 'Why the latest attempt failed: transient, auth (connection), account, config, request, generation, bad_file, stalled, …',
      error_code: 'Microsoft error code (or HTTP status) of the latest failure.',
      error_name: 'Microsoft ErrorCode or the file problem (e.g. columns_mismatch).',
      error_message: 'Message of the latest failure.',
      status_errors: 'Report requests that ended with Status=Error (resubmitted up to the run policy cap).',
      throttles: 'Throttle waits taken (they cost no attempt; capped by the run policy).',
      url_refreshes: 'Expired download URLs refreshed by polling again in the current attempt.',
      lease: 'Queue lock token of the worker that owns the run now; fences every progress write.',
      retry_of: 'The failed run this run retries (null for a first run).',
      created_at: 'When the run was created.',
      submitted_at: 'When the latest report request was submitted.',
      ready_at: 'When a poll first found the latest report request ready (Success or Error); ready_at − submitted_at is the generation time the poll schedule learns from.',
      expected_ready_ms: 'The generation time (ms) the poll schedule expected for this run, learned from earlier runs of the same report (this account first, else any account); null when none was known.',
      finished_at: 'When the run succeeded, came back empty or failed for good.',
      updated_at: 'Last change of the row.',
    },
  },
  connections: {
    description: 'Nango connections as the scheduler has seen them, with their health.',
    columns: {
      connection_id: 'Nango connection id.',
      health: 'ok, or needs_reauth once its credentials are dead (Nango cannot refresh, Microsoft 105, 108, 120, 122–125).',
      health_reason: 'Why the connection needs re-authorization.',
      health_since: 'When the connection became needs_reauth.',
      user_id: 'Microsoft user id behind the connection (GetUser).',
      first_seen_at: 'When Nango first listed the connection.',
      last_seen_at: 'Last time Nango listed the connection.',
      last_discovery_at: 'Last account discovery through Customer Management.',
      last_discovery_error: 'Why the last discovery failed (null when it succeeded).',
      paused_at: 'When an operator paused the connection (dashboard or CLI): the scheduler plans nothing for it until it is resumed (null again). Runs already queued finish.',
      paused_reason: 'Who paused it or why, as the operator gave it.',
      updated_at: 'Last change of the row.',
    },
  },
  accounts: {
    description: 'Ad accounts each connection can reach, as Customer Management SearchAccounts returned them; one row per connection and account.',
    columns: {
      connection_id: 'Nango connection that reaches the account.',
      account_id: 'Microsoft account id.',
      account_number: 'Account number as shown in the UI (e.g. F1234567).',
      account_name: 'Account name.',
      parent_customer_id: 'CustomerId sent with the account’s report requests.',
      currency_code: 'ISO 4217 currency of the account.',
      time_zone: 'Customer Management TimeZoneType of the account (not necessarily the report time zone).',
      lifecycle_status: 'Account lifecycle status, e.g. Active or Pause.',
      first_seen_at: 'When discovery first returned the account.',
      last_seen_at: 'Last discovery that returned the account.',
      removed_at: 'Set when a later discovery no longer returned the account.',
      access: 'ok, or no_access once Microsoft refused the account to this user (106, 2003) while the credentials work; cleared by its next good run.',
      access_reason: 'Why the account is no_access.',
      access_since: 'When the account became no_access.',
    },
  },
  report_run_attempts: {
    description: 'Every attempt of every run, kept: when it started and ended, how, and why. A retry adds a row, never rewrites one.',
    columns: {
      run_id: 'The run (report_runs.id).',
      attempt: 'Attempt number, 1-based.',
      job_id: 'Queue job id of the attempt (null for run-once).',
      started_at: 'When the attempt started.',
      ended_at: 'When it ended (null while it runs).',
      outcome: 'succeeded, empty, retrying (failed; another attempt follows) or failed; null while it runs.',
      error_class: 'Why it failed (see report_runs.error_class).',
      error_code: 'Microsoft error code or HTTP status.',
      error_name: 'Microsoft ErrorCode or the file problem.',
      error_message: 'Message of the failure.',
      tracking_id: 'Microsoft TrackingId of the failing call.',
      rows: 'Rows loaded by the attempt that succeeded.',
    },
  },
};
