import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConnectionNeedsReauthError, deadCredentialReason } from '../../src/discovery/credentials.js';
import { filterAccounts, type AccountFilter } from '../../src/discovery/filters.js';
import { MsAdsFaultError, NangoTokenError } from '../../src/errors.js';

const accounts = [
  { accountId: '1', accountName: 'Brand EU', lifecycleStatus: 'Active' },
  { accountId: '2', accountName: 'Brand US', lifecycleStatus: 'Pause' },
  { accountId: '3', accountName: 'Old test', lifecycleStatus: 'Inactive' },
  { accountId: '4', accountName: null, lifecycleStatus: null },
];
const base: AccountFilter = { includeIds: undefined, excludeIds: [], namePattern: undefined, statuses: ['Active', 'Pause'] };

describe('account filters', () => {
  it('keeps Active and Paused by default (and accounts whose status Microsoft did not say)', () => {
    const { kept, dropped } = filterAccounts(accounts, base);
    expect(kept.map((a) => a.accountId)).toEqual(['1', '2', '4']);
    expect(dropped).toEqual([{ account: accounts[2], reason: 'status' }]);
  });

  it('include and exclude ids, name pattern (case-insensitive regex)', () => {
    expect(filterAccounts(accounts, { ...base, includeIds: ['2', '3'] }).kept.map((a) => a.accountId)).toEqual(['2']);
    expect(filterAccounts(accounts, { ...base, excludeIds: ['1'] }).kept.map((a) => a.accountId)).toEqual(['2', '4']);
    const byName = filterAccounts(accounts, { ...base, namePattern: '^brand (eu|us)$' });
    expect(byName.kept.map((a) => a.accountId)).toEqual(['1', '2']);
    expect(byName.dropped.map((d) => d.reason)).toEqual(['name', 'name']);
  });

  it('configuration: statuses accept "Paused", ids must be numeric, time zone and cron are checked', () => {
    const config = loadConfig({ ACCOUNT_STATUSES: 'Active, Paused,Suspended', ACCOUNT_IDS_EXCLUDE: '5, 6', CONNECTION_IDS: 'a, b', LOOKBACK_DAYS: '45' });
    expect(config.accounts).toEqual({ includeIds: undefined, excludeIds: ['5', '6'], namePattern: undefined, statuses: ['Active', 'Pause', 'Suspended'] });
    expect(loadConfig({ ACCOUNT_STATUSES: 'Active,Paused' }).accounts.statuses).toEqual(['Active', 'Pause']);
    expect(config.nango.connectionIds).toEqual(['a', 'b']);
    expect(config.schedule).toEqual({ cron: '0 4 * * *', timeZone: 'UTC', lookbackDays: 45 });
    expect(loadConfig({}).accounts.statuses).toEqual(['Active', 'Pause']);
    expect(loadConfig({}).msads.customerEndpoint).toBe('https://clientcenter.api.bingads.microsoft.com/Api/CustomerManagement/v13/CustomerManagementService.svc');
    expect(loadConfig({ MSADS_ENVIRONMENT: 'sandbox' }).msads.customerEndpoint).toContain('clientcenter.api.sandbox.bingads.microsoft.com');
    expect(() => loadConfig({ ACCOUNT_STATUSES: 'Running', ACCOUNT_IDS_INCLUDE: 'F123', SCHEDULE_TZ: 'Mars/Olympus', SCHEDULE_CRON: 'nightly', ACCOUNT_NAME_PATTERN: '(' })).toThrow(
      /ACCOUNT_IDS_INCLUDE[\s\S]*ACCOUNT_NAME_PATTERN[\s\S]*ACCOUNT_STATUSES[\s\S]*SCHEDULE_CRON[\s\S]*SCHEDULE_TZ/,
    );
  });
});

describe('dead credentials', () => {
  const fault = (code: number) =>
    new MsAdsFaultError({ operation: 'SubmitGenerateReport', httpStatus: 500, trackingId: 't', faultString: undefined, errors: [{ code, errorCode: 'X', message: 'm', details: undefined }] });

  it('Nango refresh failures and Microsoft 105 mean re-authorization; throttles, 109, 106, 2003, a developer-token 105 and outages do not', () => {
    expect(deadCredentialReason(new NangoTokenError('c', 'refresh failed', { httpStatus: 400, nangoCode: 'invalid_credentials' }))).toContain('refresh failed');
    expect(deadCredentialReason(fault(105))).toBe('Microsoft SubmitGenerateReport: 105 X: m [TrackingId t]');
    // 106 is one account the user may not read (issue 10): never the whole connection.
    for (const code of [0, 106, 109, 117, 207, 2003]) expect(deadCredentialReason(fault(code))).toBeUndefined();
    expect(deadCredentialReason(new NangoTokenError('c', 'down', { httpStatus: 503 }))).toBeUndefined();
    expect(deadCredentialReason(new NangoTokenError('c', 'bad key', { httpStatus: 401, nangoCode: 'unknown_account' }))).toBeUndefined();
    expect(deadCredentialReason(new ConnectionNeedsReauthError('c', 'old reason', null))).toBeUndefined();
    const devToken = new MsAdsFaultError({ operation: 'GetUser', httpStatus: 500, trackingId: 't', faultString: undefined, errors: [{ code: 105, errorCode: 'InvalidCredentials', message: 'm', details: 'The developer token is not valid.' }] });
    expect(deadCredentialReason(devToken)).toBeUndefined();
  });
});
