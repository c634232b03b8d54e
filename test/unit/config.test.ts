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

  it('starts concurrency at 20 under a ceiling of 100 that a higher start raises; only an explicit lower ceiling is refused', () => {
    expect(loadConfig({}).throttle).toMatchObject({ maxConcurrentReports: 20, maxConcurrentReportsCeiling: 100 });
    expect(loadConfig({ MSADS_MAX_CONCURRENT_REPORTS: '300' }).throttle).toMatchObject({ maxConcurrentReports: 300, maxConcurrentReportsCeiling: 300 });
    expect(loadConfig({ MSADS_MAX_CONCURRENT_REPORTS_CEILING: '40' }).throttle.maxConcurrentReportsCeiling).toBe(40);
    expect(() => loadConfig({ MSADS_MAX_CONCURRENT_REPORTS: '50', MSADS_MAX_CONCURRENT_REPORTS_CEILING: '40' })).toThrow(ConfigError);
  });

  it('loads every entity by default; ENTITIES picks some, empty turns them off, an unknown name is refused', () => {
    expect(loadConfig({}).entities.enabled).toEqual(['campaigns', 'ad_groups', 'ads', 'keywords', 'asset_groups', 'labels', 'budgets']);
    expect(loadConfig({ ENTITIES: 'keywords, campaigns' }).entities.enabled).toEqual(['keywords', 'campaigns']);
    expect(loadConfig({ ENTITIES: '' }).entities.enabled).toEqual([]);
    expect(() => loadConfig({ ENTITIES: 'keyword' })).toThrow(/unknown entities keyword/);
    expect(loadConfig({}).msads.bulkRestUrl).toBe('https://bulk.api.bingads.microsoft.com/Bulk/v13');
    expect(loadConfig({ MSADS_ENVIRONMENT: 'sandbox' }).msads.bulkRestUrl).toBe('https://bulk.api.sandbox.bingads.microsoft.com/Bulk/v13');
  });

  it('calls Microsoft over REST by default, at the documented base URLs', () => {
    const config = loadConfig({});
    expect(config.msads.api).toBe('rest');
    expect(config.msads.reportingRestUrl).toBe('https://reporting.api.bingads.microsoft.com/Reporting/v13');
    expect(config.msads.customerRestUrl).toBe('https://clientcenter.api.bingads.microsoft.com/CustomerManagement/v13');
    expect(config.warnings).toEqual([]);
    const sandbox = loadConfig({ MSADS_ENVIRONMENT: 'sandbox' });
    expect(sandbox.msads.reportingRestUrl).toBe('https://reporting.api.sandbox.bingads.microsoft.com/Reporting/v13');
    expect(sandbox.msads.customerRestUrl).toBe('https://clientcenter.api.sandbox.bingads.microsoft.com/CustomerManagement/v13');
    const custom = loadConfig({ MSADS_REPORTING_REST_URL: 'http://127.0.0.1:4010/Reporting/v13', MSADS_CUSTOMER_REST_URL: 'http://127.0.0.1:4010/CustomerManagement/v13' });
    expect(custom.msads.reportingRestUrl).toBe('http://127.0.0.1:4010/Reporting/v13');
    expect(custom.msads.customerRestUrl).toBe('http://127.0.0.1:4010/CustomerManagement/v13');
  });

  it('warns about SOAP variables set under MSADS_API=rest instead of ignoring them silently', () => {
    const config = loadConfig({ MSADS_REPORTING_ENDPOINT: 'http://127.0.0.1:1/x.svc', MSADS_CUSTOMER_WSDL: '/tmp/c.wsdl' });
    expect(config.msads.api).toBe('rest');
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toMatch(/MSADS_REPORTING_ENDPOINT, MSADS_CUSTOMER_WSDL are set but only used with MSADS_API=soap/);
  });

  it('MSADS_API=soap keeps the SOAP endpoints, warns about the shutdown date and about REST variables', () => {
    const config = loadConfig({ MSADS_API: 'soap', MSADS_REPORTING_REST_URL: 'http://127.0.0.1:1/Reporting/v13' });
    expect(config.msads.api).toBe('soap');
    expect(config.msads.reportingEndpoint).toBe('https://reporting.api.bingads.microsoft.com/Api/Advertiser/Reporting/v13/ReportingService.svc');
    expect(config.warnings.join('\n')).toMatch(/MSADS_REPORTING_REST_URL is set but only used with MSADS_API=rest/);
    expect(config.warnings.join('\n')).toMatch(/switches its SOAP API off on 2027-01-31/);
    expect(() => loadConfig({ MSADS_API: 'SOAP' })).toThrow(/MSADS_API/);
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
