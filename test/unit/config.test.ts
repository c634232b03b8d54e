import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireCredentials } from '../../src/config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/msads');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.nango.integrationId).toBe('microsoft-ads');
    expect(config.msads.environment).toBe('production');
    expect(config.msads.reportingEndpoint).toBe(
      'https://reporting.api.bingads.microsoft.com/Api/Advertiser/Reporting/v13/ReportingService.svc',
    );
    expect(config.msads.reportTimeZone).toBe('GreenwichMeanTimeDublinEdinburghLisbonLondon');
    expect(config.msads.reportingWsdl).toMatch(/src\/soap\/wsdl\/ReportingService\.wsdl$/);
  });

  it('chooses sandbox endpoints', () => {
    const config = loadConfig({ MSADS_ENVIRONMENT: 'sandbox' });
    expect(config.msads.reportingEndpoint).toContain('reporting.api.sandbox.bingads.microsoft.com');
  });

  it('lists every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'nope', MSADS_ENVIRONMENT: 'staging', REPORT_TIME_ZONE: 'UTC', WORKER_CONCURRENCY: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('MSADS_ENVIRONMENT');
    expect(message).toContain('REPORT_TIME_ZONE');
    expect(message).toContain('WORKER_CONCURRENCY');
  });

  it('names every missing credential and never prints secrets', () => {
    expect(() => requireCredentials(loadConfig({}))).toThrow(/NANGO_SECRET_KEY[\s\S]*MSADS_DEVELOPER_TOKEN/);
    const config = loadConfig({ NANGO_SECRET_KEY: 'nango-secret-123', MSADS_DEVELOPER_TOKEN: 'dev-token-456' });
    const dumped = JSON.stringify(config) + String(config.nango.secretKey) + `${config.msads.developerToken}`;
    expect(dumped).not.toContain('nango-secret-123');
    expect(dumped).not.toContain('dev-token-456');
    expect(requireCredentials(config).developerToken.reveal()).toBe('dev-token-456');
  });
});
