import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { NS } from '../soap/namespaces.js';
import { SimFault } from './apiErrors.js';
import type { ConnectionState } from './connections.js';
import { advertiserAccountJson, userJson } from './customerJson.js';
import { checkCustomerCredentials, findAccounts, userAnswer, type AccountQuery, type CustomerOperation, type CustomerOperationDeps } from './customerOperations.js';
import { consume } from './faultSwitches.js';
import type { JsonValidator } from './jsonValidator.js';
import { bearerToken, headerValue, missingHeadersFault, serveRest } from './restEndpoint.js';
import { qname } from './xsdSchema.js';

/**
 * The REST face of CustomerManagementService v13 (REST-FACTS §2, §7-8): `POST
 * /CustomerManagement/v13/User/Query` (GetUser) and `…/Accounts/Search` (SearchAccounts).
 * Credentials are `Authorization: Bearer` and `DeveloperToken` (CustomerId/CustomerAccountId are
 * tolerated with any value, as both SDKs send them); the JSON body is validated, then the same rules as
 * SOAP answer from the connection directory (customerOperations.ts), as complete JSON objects.
 */

export const CUSTOMER_REST_PREFIX = '/CustomerManagement/v13';
const PATHS: Readonly<Record<string, CustomerOperation>> = { '/user/query': 'GetUser', '/accounts/search': 'SearchAccounts' };
const MAX_BODY = 256 * 1024;
const SAMPLES: Readonly<Record<CustomerOperation, string>> = {
  GetUser: '{"User":{"ContactInfo":null,"CustomerId":"1000001","Id":"900000001","JobTitle":null}}',
  SearchAccounts: '{"Accounts":[{"BillToCustomerId":"1000001","CurrencyCode":"USD","AccountFinancialStatus":null}]}',
};

export interface CustomerRestDeps extends CustomerOperationDeps {
  jsonValidator: JsonValidator;
}

/** The operation a path names (case-insensitive, as IIS routes), or undefined. */
export function customerRestOperation(pathname: string): CustomerOperation | undefined {
  const lower = pathname.toLowerCase();
  const prefix = CUSTOMER_REST_PREFIX.toLowerCase();
  return lower.startsWith(prefix) ? PATHS[lower.slice(prefix.length)] : undefined;
}

export function handleCustomerRest(deps: CustomerRestDeps, operation: CustomerOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return serveRest(
    {
      service: 'customer',
      maxBodyBytes: MAX_BODY,
      faults: deps.faults,
      stats: deps.stats,
      sampleAnswer: SAMPLES[operation],
      async inject() {
        return consume(deps.faults, 'customerInternalErrorNext') ? { kind: 'fault', fault: new SimFault(0, { injected: true }) } : undefined;
      },
      run: (headers, body) => runCustomerRest(deps, operation, headers, body),
    },
    req,
    res,
  );
}

function runCustomerRest(deps: CustomerRestDeps, operation: CustomerOperation, headers: IncomingHttpHeaders, body: Record<string, unknown>): unknown {
  const token = bearerToken(headers);
  const developerToken = headerValue(headers, 'DeveloperToken');
  const missing = [token === undefined ? 'Authorization' : '', developerToken === undefined ? 'DeveloperToken' : ''].filter(Boolean);
  if (missing.length > 0) throw missingHeadersFault(missing, headers);
  const violation = deps.jsonValidator.validate(qname(NS.customer, `${operation}Request`), body);
  if (violation) throw new SimFault(201, { message: `One or more input elements failed validation: ${violation.message}`, details: violation.path });
  const user = checkCustomerCredentials(deps, developerToken as string, token as string, Date.now());
  return operation === 'GetUser' ? getUser(deps, user, body) : searchAccounts(deps, user, body);
}

function getUser(deps: CustomerRestDeps, user: ConnectionState, body: Record<string, unknown>): unknown {
  const requested = typeof body.UserId === 'string' ? body.UserId.trim() : undefined;
  const { roleId } = userAnswer(deps, user, requested);
  return userJson(user, roleId);
}

type Json = Record<string, unknown>;
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function searchAccounts(deps: CustomerRestDeps, user: ConnectionState, body: Json): unknown {
  const page = typeof body.PageInfo === 'object' && body.PageInfo !== null ? (body.PageInfo as Json) : undefined;
  const orderBy = objects(body.Ordering)[0];
  const query: AccountQuery = {
    predicates: objects(body.Predicates).map((p) => ({ field: str(p.Field)?.trim() ?? '', operator: str(p.Operator)?.trim() ?? 'Equals', value: str(p.Value)?.trim() ?? '' })),
    orderBy: orderBy ? { field: str(orderBy.Field) ?? 'Id', order: str(orderBy.Order) ?? 'Ascending' } : undefined,
    // As over SOAP, an empty PageInfo counts as none; one without Size means size 0 (REST-FACTS §8).
    page: page && Object.keys(page).length > 0 ? { index: typeof page.Index === 'number' ? page.Index : 0, size: typeof page.Size === 'number' ? page.Size : 0 } : undefined,
  };
  return { Accounts: findAccounts(deps, user, query).map(advertiserAccountJson) };
}
