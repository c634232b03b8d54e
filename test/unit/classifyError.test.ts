import { describe, expect, it } from 'vitest';
import { classifyError, errorClasses, isRetryable } from '../../src/jobs/classifyError.js';
import {
  DownloadExpiredError,
  MsAdsFaultError,
  NangoTokenError,
  ProtocolError,
  ReportFileError,
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
  it.each([
    [117, 'throttled'],
    [207, 'throttled'],
    [109, 'token_expired'],
    [0, 'transient'],
    [105, 'auth'],
    [106, 'auth'],
    [108, 'auth'],
    [2003, 'auth'],
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
});
