import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import { consume } from './faultSwitches.js';
import { delay } from './httpUtil.js';
import type { JsonValidator, JsonViolation } from './jsonValidator.js';
import { rawReportRequestFromJson } from './reportRequestJson.js';
import { acceptReport, authenticateReporting, pollReport, type OperationDeps, type ReportingHeaders } from './reportingOperations.js';
import { bearerToken, headerValue, missingHeadersFault, serveRest, type RestInjection } from './restEndpoint.js';
import { qname } from './xsdSchema.js';

/**
 * The REST face of ReportingService v13 at Microsoft's paths (REST-FACTS §2, §5-6):
 * `POST /Reporting/v13/GenerateReport/Submit` and `…/Poll`. Credentials come as HTTP headers
 * (`Authorization: Bearer`, `DeveloperToken`, `CustomerId`, `CustomerAccountId`), the body is JSON
 * checked by the JSON validator, and then the SAME steps as SOAP run (reportingOperations.ts), so a REST
 * report is stored, generated and downloaded exactly as its SOAP twin.
 */

export const REPORTING_REST_PREFIX = '/Reporting/v13';
export const REPORTING_REST_OPERATIONS = { '/GenerateReport/Submit': 'SubmitGenerateReport', '/GenerateReport/Poll': 'PollGenerateReport' } as const;
export type ReportingRestPath = keyof typeof REPORTING_REST_OPERATIONS;

export interface ReportingRestDeps extends OperationDeps {
  jsonValidator: JsonValidator;
}

const MAX_BODY = 1024 * 1024;
const SAMPLES = {
  SubmitGenerateReport: '{"ReportRequestId":"1767225600000a1b2c3d4e5f60718293a4b5c"}',
  PollGenerateReport: '{"ReportRequestStatus":{"ReportDownloadUrl":null,"Status":"Pending"}}',
} as const;

/** The rest of the path after REPORTING_REST_PREFIX, when it names an operation (case-insensitive, as IIS routes). */
export function reportingRestOperation(pathname: string): (typeof REPORTING_REST_OPERATIONS)[ReportingRestPath] | undefined {
  const lower = pathname.toLowerCase();
  for (const [path, operation] of Object.entries(REPORTING_REST_OPERATIONS)) {
    if (lower === `${REPORTING_REST_PREFIX}${path}`.toLowerCase()) return operation;
  }
  return undefined;
}

export function handleReportingRest(deps: ReportingRestDeps, operation: 'SubmitGenerateReport' | 'PollGenerateReport', req: IncomingMessage, res: ServerResponse): Promise<void> {
  return serveRest(
    {
      service: 'reporting',
      maxBodyBytes: MAX_BODY,
      faults: deps.faults,
      stats: deps.stats,
      sampleAnswer: SAMPLES[operation],
      async inject(): Promise<RestInjection | undefined> {
        const faults = deps.faults;
        if (faults.latencyMs > 0) await delay(faults.latencyMs);
        if (consume(faults, 'htmlInsteadOfSoap')) return { kind: 'html' };
        if (consume(faults, 'emptyBody')) return { kind: 'empty' };
        if (consume(faults, 'throttleNext')) return { kind: 'fault', fault: new SimFault(117, { injected: true }) };
        if (consume(faults, 'internalErrorNext')) return { kind: 'fault', fault: new SimFault(0, { injected: true }) };
        if (consume(faults, 'unknownFaultCode')) return { kind: 'fault', fault: new SimFault(99999, { injected: true }) };
        return undefined;
      },
      run: (headers, body) => runReportingRest(deps, operation, headers, body),
    },
    req,
    res,
  );
}

function runReportingRest(deps: ReportingRestDeps, operation: 'SubmitGenerateReport' | 'PollGenerateReport', httpHeaders: IncomingHttpHeaders, body: Record<string, unknown>): unknown {
  const now = Date.now();
  const headers = readHeaders(httpHeaders);
  const violation = deps.jsonValidator.validate(qname(NS.reporting, `${operation}Request`), body);
  if (violation) throw faultForViolation(violation);
  const user = authenticateReporting(deps, headers, now);
  if (operation === 'PollGenerateReport') {
    const id = typeof body.ReportRequestId === 'string' ? body.ReportRequestId.trim() : undefined;
    const { status, url } = pollReport(deps, user, id, now);
    return { ReportRequestStatus: { ReportDownloadUrl: url ?? null, Status: status } };
  }
  const request = body.ReportRequest;
  if (typeof request !== 'object' || request === null) throw new SimFault(2001);
  return { ReportRequestId: acceptReport(deps, headers, user, rawReportRequestFromJson(request as Record<string, unknown>), now) };
}

/** The four credentials: missing → 116 RequestMissingHeaders; ids that are not digits → 400 (201). */
function readHeaders(httpHeaders: IncomingHttpHeaders): ReportingHeaders {
  const token = bearerToken(httpHeaders);
  const found = {
    Authorization: token,
    DeveloperToken: headerValue(httpHeaders, 'DeveloperToken'),
    CustomerId: headerValue(httpHeaders, 'CustomerId'),
    CustomerAccountId: headerValue(httpHeaders, 'CustomerAccountId'),
  };
  const missing = Object.entries(found).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0) throw missingHeadersFault(missing, httpHeaders);
  for (const name of ['CustomerId', 'CustomerAccountId'] as const) {
    if (!/^[0-9]{1,19}$/.test(found[name] as string)) {
      throw new SimFault(201, { message: `The ${name} header must be a decimal id.`, details: `${name}: ${JSON.stringify(found[name])}` });
    }
  }
  return {
    AuthenticationToken: found.Authorization as string,
    DeveloperToken: found.DeveloperToken as string,
    CustomerId: found.CustomerId as string,
    CustomerAccountId: found.CustomerAccountId as string,
  };
}

function faultForViolation(v: JsonViolation): SimFault {
  if (v.kind === 'missing-type' || v.kind === 'unknown-type' || v.kind === 'abstract-type') return new SimFault(2002, { message: `The report request type is not valid. ${v.message}`, details: v.path });
  if (v.kind === 'not-served') return new SimFault(201, { message: v.message, details: `${v.path} (msads-etl simulator limit)` });
  return new SimFault(201, { message: `One or more input elements failed validation: ${v.message}`, details: v.path });
}
