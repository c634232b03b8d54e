import type { SimFault } from './apiErrors.js';

/**
 * Microsoft's REST fault bodies (REST-FACTS §9): a JSON object with a `Type` discriminator at the top
 * level, every member present (null where absent), exactly as rest/ReportingFault.schema.json and
 * CustomerFault.schema.json describe; and the HTTP status each class of code travels with (§9.2).
 */

export type RestService = 'reporting' | 'customer';

/** 401 authentication, 403 permission, 429 throttling, 500 internal error, 400 for everything else. */
export function restStatusFor(code: number): number {
  if (code === 105 || code === 109) return 401;
  if (code === 106 || code === 2003) return 403;
  if (code === 117) return 429;
  if (code === 0) return 500;
  return 400;
}

export function restFaultBody(service: RestService, trackingId: string, fault: SimFault): Record<string, unknown> {
  const details = fault.details ?? null;
  if (fault.detailKind === 'AdApiFaultDetail') {
    return { Type: 'AdApiFaultDetail', TrackingId: trackingId, Errors: [{ Code: fault.code, Detail: details, ErrorCode: fault.errorCode, Message: fault.message }] };
  }
  if (service === 'customer') {
    // Customer Management's OperationError has no ErrorCode.
    return { Type: 'ApiFault', TrackingId: trackingId, OperationErrors: [{ Code: fault.code, Details: details, Message: fault.message }] };
  }
  return {
    Type: 'ApiFaultDetail',
    TrackingId: trackingId,
    BatchErrors: [],
    OperationErrors: [{ Code: fault.code, Details: details, ErrorCode: fault.errorCode, Message: fault.message }],
  };
}

/** What a proxy in front of the REST service answers when the service is down (fault switch htmlInsteadOfSoap). */
export const HTML_503 =
  '<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1>' +
  '<p>The server is temporarily unable to service your request. Please try again later.</p></body></html>';
