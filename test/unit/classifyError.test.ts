import { describe, expect, it } from 'vitest';
import { classifyError, errorClasses, isExpiredToken, isRetryable } from '../../src/jobs/classifyError.js';
import {
  DownloadExpiredError,
  MsAdsFaultError,
  NangoTokenError,
  ProtocolError,
  ReportFileError,
  ReportGenerationError,
  RequestValidationError,
  TransportError,
} from '../../src/errors.js';

const fault = (code: number, errorCode = 'X') =>
  new MsAdsFaultError({
    operation: 'SubmitGenerateReport',
    httpStatus: 500,
    trackingId: 'track-1',
    faultString: 'Invalid client data',
    errors: [{ code, errorCode, message: 'm', details: undefined }],
  });

describe('classifyError', () => {
  it('105 that names the developer token is a configuration error, other 105s are dead credentials', () => {
    const devToken = new MsAdsFaultError({
      operation: 'SubmitGenerateReport',
      httpStatus: 401,
      trackingId: 't',
      faultString: undefined,
      errors: [{ code: 105, errorCode: 'InvalidCredentials', message: 'Authentication failed.', details: 'The developer token is not valid.' }],
    });
    expect(classifyError(devToken).class).toBe('config');
    expect(isRetryable('config')).toBe(false);
    expect(classifyError(fault(105)).class).toBe('auth');
  });

  it('Status=Error past its cap and a passed poll deadline are generation failures, not retried', () => {
    expect(classifyError(new ReportGenerationError('deadline', 'late')).class).toBe('generation');
    expect(classifyError(new ReportGenerationError('status_error', 'err')).class).toBe('generation');
    expect(isRetryable('generation')).toBe(false);
  });

  it.each([
    [117, 'throttled'],
    [207, 'throttled'],
    [109, 'token_expired'],
    [0, 'transient'],
    [105, 'auth'],
    // Issue 10: 106 UserIsNotAuthorized / 2003 AccountNotAuthorized concern one account, not the connection.
    [106, 'account'],
    [108, 'auth'],
    [2003, 'account'],
    [122, 'auth'],
    [125, 'auth'],
    [2015, 'request'],
    [2002, 'request'],
    [116, 'request'],
    [2100, 'resubmit'],
    [2101, 'resubmit'],
    [98765, 'unknown'],
  ])('fault %i is %s', (code, cls) => {
    const c = classifyError(fault(code));
    expect(c.class).toBe(cls);
    expect(c.code).toBe(code);
    expect(c.trackingId).toBe('track-1');
  });

  it('waits 60 s on 117 and honours Retry-After on HTTP 429', () => {
    expect(classifyError(fault(117)).waitMs).toBe(60_000);
    expect(classifyError(new TransportError('poll', 'too many', { httpStatus: 429, retryAfterMs: 7_000 }))).toMatchObject({
      class: 'throttled',
      waitMs: 7_000,
    });
  });

  it('classifies transport, protocol, Nango and file failures', () => {
    expect(classifyError(new TransportError('poll', 'reset', { code: 'ECONNRESET' })).class).toBe('transient');
    expect(classifyError(new ProtocolError('poll', 'HTML page', 502)).class).toBe('transient');
    expect(classifyError(new NangoTokenError('c', 'gone', { httpStatus: 404, nangoCode: 'not_found' })).class).toBe('auth');
    expect(classifyError(new NangoTokenError('c', 'down', { httpStatus: 503 })).class).toBe('transient');
    expect(classifyError(new DownloadExpiredError(403)).class).toBe('expired_url');
    expect(classifyError(new ReportFileError('corrupt_zip', 'bad')).class).toBe('transient');
    expect(classifyError(new ReportFileError('columns_mismatch', 'bad')).class).toBe('bad_file');
    expect(classifyError(new RequestValidationError('bad column')).class).toBe('request');
    expect(classifyError(new TypeError('bug')).class).toBe('unknown');
  });

  it('decides retry for every class', () => {
    for (const cls of errorClasses) expect(typeof isRetryable(cls)).toBe('boolean');
    expect(isRetryable('auth')).toBe(false);
    expect(isRetryable('request')).toBe(false);
    expect(isRetryable('transient')).toBe(true);
  });

  it('REST signals: 429 with Retry-After, a 117 fault whose Retry-After is longer, a bare 401', () => {
    expect(classifyError(new TransportError('Poll', 'throttled (HTTP 429)', { httpStatus: 429, retryAfterMs: 5_000 }))).toMatchObject({ class: 'throttled', waitMs: 5_000, retryAfterMs: 5_000 });
    const longer = new MsAdsFaultError({
      operation: 'PollGenerateReport',
      httpStatus: 429,
      trackingId: 't',
      faultString: undefined,
      errors: [{ code: 117, errorCode: 'CallRateExceeded', message: 'm', details: undefined }],
      retryAfterMs: 90_000,
    });
    expect(classifyError(longer)).toMatchObject({ class: 'throttled', code: 117, waitMs: 90_000, retryAfterMs: 90_000 });
    const shorter = new MsAdsFaultError({ ...longer, operation: 'x', httpStatus: 429, trackingId: 't', faultString: undefined, errors: longer.errors, retryAfterMs: 1_000 });
    expect(classifyError(shorter).waitMs).toBe(60_000);
    expect(classifyError(new TransportError('GetUser', 'HTTP 401', { httpStatus: 401 }))).toMatchObject({ class: 'token_expired', code: 401 });
    expect(isExpiredToken(new TransportError('GetUser', 'HTTP 401', { httpStatus: 401 }))).toBe(true);
    expect(isExpiredToken(fault(109))).toBe(true);
    // A 401 that names its reason is classified by the reason: 105 is dead credentials, not an expired token.
    expect(isExpiredToken(fault(105))).toBe(false);
  });
});
