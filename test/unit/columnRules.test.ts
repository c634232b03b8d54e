import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../src/errors.js';
import { buildRequestSpec } from '../../src/jobs/requestSpec.js';
import type { Aggregation } from '../../src/reports/aggregations.js';
import { reports, requestColumns, retiredColumns, type ReportDefinition } from '../../src/reports/catalog.js';
import { requestTypes, type ReportRequestType } from '../../src/reports/columnEnums.js';
import { COLUMN_RESTRICTIONS, REFUSED_BY_HOUR, REQUIRED_COLUMNS, REQUIRED_ONE_OF } from '../../src/reports/columnRules.js';
import { builtinRegistry } from '../../src/reports/registry.js';
import { columnProblems, validateReportRequest } from '../../src/reports/validateRequest.js';
import { SimFault } from '../../src/simulator/apiErrors.js';
import { applyReportRules, type RawReportRequest } from '../../src/simulator/reportRequest.js';

/**
 * Microsoft's documented column rules (MicrosoftDocs/Advertising-docs, bingads-13): every built-in
 * request satisfies all of them, the validator refuses each violation quoting the rule's own words, and
 * the simulator refuses the same request with Microsoft's error code.
 */

// Saturday 2026-11-28, noon UTC.
const NOW = Date.parse('2026-11-28T12:00:00Z');
const TABLES = 'guides/reports.md#columnrestrictions';
const TABLE_WORDING = 'If you include any of the impression share performance statistics columns, then you must exclude all of the below attribute columns.';
const AUDIENCE_WORDING = 'then you must exclude the CustomerId, CustomerName, and DeliveredMatchType attribute columns, and vice versa.';
const COLUMN_WORDING = 'If you include this column, then you may not include restricted attributes such as TopVsOther in the same report request.';
const REQUIRED_WORDING = 'The report must include the following columns at a minimum.';
const GENERAL_WORDING =
  'As a general rule, each report must include at least one attribute column and at least one non-impression share performance statistics column.';
const HOURLY_WORDING = 'If you try to include this column with Hourly or HourOfDay aggregation the service will return code 2053.';

const builtins = Object.values(reports) as ReportDefinition[];
const everyRequest = builtins.flatMap((def) => def.aggregations.map((aggregation) => [def.name, aggregation, def] as const));

/** A SOAP/REST-neutral request as the simulator reads it, for one account and the week before NOW. */
function raw(requestType: string, columns: readonly string[], aggregation: Aggregation | undefined): RawReportRequest {
  return {
    requestType,
    format: 'Csv',
    formatVersion: '2.0',
    reportName: 'test',
    excludeColumnHeaders: false,
    excludeReportFooter: false,
    excludeReportHeader: false,
    returnOnlyCompleteData: false,
    aggregation: requestTypes[requestType as ReportRequestType].hasAggregation ? aggregation : undefined,
    columns: [...columns],
    scope: { accountIds: ['180012345'], narrowedBy: [] },
    time: {
      start: { day: 20, month: 11, year: 2026 },
      end: { day: 26, month: 11, year: 2026 },
      predefinedTime: undefined,
      reportTimeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon',
    },
  };
}

const simulatorCode = (requestType: string, columns: readonly string[], aggregation: Aggregation): number | null => {
  try {
    applyReportRules(raw(requestType, columns, aggregation), NOW);
    return null;
  } catch (err) {
    if (err instanceof SimFault) return err.code;
    throw err;
  }
};

/** An attribute the request type has, so a test request meets the general rule. */
const anAttribute = (type: ReportRequestType): string =>
  ['AdGroupName', 'CampaignName', 'AccountName'].find((c) => (requestTypes[type].columns as readonly string[]).includes(c)) as string;

const problems = (requestType: ReportRequestType, columns: readonly string[], aggregation: Aggregation = 'Daily') =>
  columnProblems(requestType, columns, aggregation).join('; ');

describe('every built-in report × aggregation', () => {
  const context = { reports: builtinRegistry, timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const, now: () => NOW };

  it.each(everyRequest)('%s %s passes the validator and the simulator', (name, aggregation, def) => {
    const target = { connectionId: 'c', customerId: '1', accountId: '180012345', report: name, aggregation, from: '2026-11-20', to: '2026-11-26' };
    const spec = buildRequestSpec(target, context);
    expect(columnProblems(def.requestType, spec.columns, aggregation)).toEqual([]);
    expect(simulatorCode(def.requestType, spec.columns, aggregation)).toBeNull();
  });

  it('requests no combination any restriction forbids, and every required column', () => {
    for (const [name, aggregation, def] of everyRequest) {
      const columns = requestColumns(def, aggregation);
      for (const rule of COLUMN_RESTRICTIONS[def.requestType] ?? []) {
        const both = rule.statistics.some((c) => columns.includes(c)) && rule.attributes.some((c) => columns.includes(c));
        expect(both, `${name} ${aggregation} vs ${rule.source}`).toBe(false);
      }
      for (const c of REQUIRED_COLUMNS[def.requestType] ?? []) expect(columns, `${name} ${aggregation}`).toContain(c);
    }
  });

  it('product_dimension_performance and keyword_performance keep the columns they no longer request', () => {
    const product = reports.product_dimension_performance;
    expect(retiredColumns(product, 'Daily').map((c) => c.name)).toEqual([
      'BenchmarkBid',
      'BenchmarkCtr',
      'ImpressionSharePercent',
      'ImpressionLostToBudgetPercent',
      'ImpressionLostToRankPercent',
      'ClickSharePercent',
      'AbsoluteTopImpressionSharePercent',
    ]);
    // The hourly table never had the shares (no usable hourly values), only the benchmarks.
    expect(retiredColumns(product, 'Hourly').map((c) => c.name)).toEqual(['BenchmarkBid', 'BenchmarkCtr']);
    expect(requestColumns(product, 'Daily')).toEqual(expect.arrayContaining(['AdId', 'Network', 'Language', 'MerchantProductId']));
    const keyword = reports.keyword_performance;
    expect(requestColumns(keyword, 'Daily')).toContain('TopVsOther');
    expect(retiredColumns(keyword, 'Monthly').map((c) => c.name)).toEqual(['TopImpressionRatePercent', 'AbsoluteTopImpressionRatePercent']);
    expect(retiredColumns(keyword, 'Hourly')).toEqual([]);
  });
});

describe('column restrictions (guides/reports.md#columnrestrictions and the column pages)', () => {
  it.each([
    ['Account: impression share vs TopVsOther', 'AccountPerformanceReportRequest', 'ImpressionSharePercent', 'TopVsOther', TABLES, TABLE_WORDING],
    ['Account: audience share vs CustomerName', 'AccountPerformanceReportRequest', 'AudienceImpressionSharePercent', 'CustomerName', TABLES, AUDIENCE_WORDING],
    ['AdGroup: click share vs BidMatchType', 'AdGroupPerformanceReportRequest', 'ClickSharePercent', 'BidMatchType', TABLES, TABLE_WORDING],
    ['AdGroup: RelativeCtr vs DeliveredMatchType', 'AdGroupPerformanceReportRequest', 'RelativeCtr', 'DeliveredMatchType', TABLES, AUDIENCE_WORDING],
    ['Campaign: top impression share vs BudgetStatus', 'CampaignPerformanceReportRequest', 'TopImpressionSharePercent', 'BudgetStatus', TABLES, TABLE_WORDING],
    ['Campaign: exact match share vs Goal', 'CampaignPerformanceReportRequest', 'ExactMatchImpressionSharePercent', 'Goal', TABLES, TABLE_WORDING],
    ['ProductDimension: impression share vs AdId', 'ProductDimensionPerformanceReportRequest', 'ImpressionSharePercent', 'AdId', TABLES, TABLE_WORDING],
    ['ProductDimension: benchmark bid vs Network', 'ProductDimensionPerformanceReportRequest', 'BenchmarkBid', 'Network', TABLES, TABLE_WORDING],
    ['ProductDimension: benchmark CTR vs Language', 'ProductDimensionPerformanceReportRequest', 'BenchmarkCtr', 'Language', TABLES, TABLE_WORDING],
    ['ProductDimension: absolute top share vs LocalStoreCode', 'ProductDimensionPerformanceReportRequest', 'AbsoluteTopImpressionSharePercent', 'LocalStoreCode', TABLES, TABLE_WORDING],
    ['ProductPartition: click share vs DeliveredMatchType', 'ProductPartitionPerformanceReportRequest', 'ClickSharePercent', 'DeliveredMatchType', TABLES, TABLE_WORDING],
    [
      'Keyword: top impression rate vs TopVsOther',
      'KeywordPerformanceReportRequest',
      'TopImpressionRatePercent',
      'TopVsOther',
      'reporting-service/keywordperformancereportcolumn.md#topimpressionratepercent',
      COLUMN_WORDING,
    ],
    [
      'Keyword: absolute top impression rate vs TopVsOther',
      'KeywordPerformanceReportRequest',
      'AbsoluteTopImpressionRatePercent',
      'TopVsOther',
      'reporting-service/keywordperformancereportcolumn.md#absolutetopimpressionratepercent',
      COLUMN_WORDING,
    ],
    [
      'DSACategory: top impression rate vs TopVsOther',
      'DSACategoryPerformanceReportRequest',
      'TopImpressionRatePercent',
      'TopVsOther',
      'reporting-service/dsacategoryperformancereportcolumn.md#topimpressionratepercent',
      COLUMN_WORDING,
    ],
  ] as const)('%s: refused in Microsoft’s words, and by the simulator with 2064', (_name, requestType, statistic, attribute, source, wording) => {
    const columns = ['TimePeriod', ...(REQUIRED_COLUMNS[requestType] ?? []), anAttribute(requestType), 'Impressions', statistic, attribute].filter(
      (c, i, all) => (requestTypes[requestType].columns as readonly string[]).includes(c) && all.indexOf(c) === i,
    );
    const message = problems(requestType, columns);
    expect(message).toContain(`column "${statistic}" cannot be requested together with "${attribute}" (Microsoft's column restrictions for ${requestType}, ${source}: "`);
    expect(message).toContain(wording);
    expect(simulatorCode(requestType, columns, 'Daily')).toBe(2064);
    // Either side alone is accepted.
    expect(problems(requestType, columns.filter((c) => c !== attribute))).toBe('');
    expect(problems(requestType, columns.filter((c) => c !== statistic))).toBe('');
  });

  it('names every offending column of a rule in one refusal', () => {
    const columns = ['TimePeriod', 'MerchantProductId', 'Impressions', 'ImpressionSharePercent', 'BenchmarkBid', 'AdId', 'Network'];
    expect(problems('ProductDimensionPerformanceReportRequest', columns)).toContain(
      'columns "ImpressionSharePercent", "BenchmarkBid" cannot be requested together with "AdId", "Network"',
    );
  });

  it('is refused by validateReportRequest as a RequestValidationError (class request, not retried)', () => {
    const spec = {
      requestType: 'KeywordPerformanceReportRequest' as const,
      aggregation: 'Daily' as const,
      columns: ['TimePeriod', 'KeywordId', 'Impressions', 'TopImpressionRatePercent', 'TopVsOther'],
      accountId: '180012345',
      from: '2026-11-20',
      to: '2026-11-26',
      timeZone: 'GreenwichMeanTimeDublinEdinburghLisbonLondon' as const,
      reportName: 'test',
    };
    const validate = () => validateReportRequest(spec, { report: reports.keyword_performance, aggregation: 'Daily', today: '2026-11-28' });
    expect(validate).toThrow(RequestValidationError);
    expect(validate).toThrow(COLUMN_WORDING);
  });
});

describe('required columns (<report>reportcolumn.md#requiredcolumns)', () => {
  const cases = Object.entries(REQUIRED_COLUMNS).flatMap(([type, required]) => (required ?? []).map((column) => [type as ReportRequestType, column] as const));

  it('names only columns of the request type', () => {
    for (const [type, column] of cases) expect(requestTypes[type].columns as readonly string[], type).toContain(column);
    for (const [type, rule] of Object.entries(REQUIRED_ONE_OF)) {
      for (const column of rule?.columns ?? []) expect(requestTypes[type as ReportRequestType].columns as readonly string[]).toContain(column);
    }
  });

  it.each(cases)('%s without %s is refused in Microsoft’s words', (type, column) => {
    const oneOf = REQUIRED_ONE_OF[type]?.columns.slice(0, 1) ?? [];
    const columns = [...(REQUIRED_COLUMNS[type] ?? []), ...oneOf, 'Impressions', 'Clicks'].filter((c) => c !== column);
    const page = `reporting-service/${type.replace(/Request$/, 'Column').toLowerCase()}.md#requiredcolumns`;
    expect(problems(type, columns, 'Summary')).toContain(`column "${column}" is required by ${type} (${page}: "${REQUIRED_WORDING}")`);
  });

  it.each([
    ['DestinationUrl', 'DestinationUrlPerformanceReportRequest', ['TimePeriod', 'AccountName', 'CampaignName', 'Clicks'], 'DestinationUrl'],
    ['ProductSearchQuery', 'ProductSearchQueryPerformanceReportRequest', ['TimePeriod', 'AccountName', 'SearchQuery', 'Clicks'], 'CampaignName'],
    ['UserLocation', 'UserLocationPerformanceReportRequest', ['TimePeriod', 'AccountId', 'Country', 'Clicks'], 'AccountName'],
    ['Audience', 'AudiencePerformanceReportRequest', ['TimePeriod', 'AudienceName', 'Clicks'], 'AudienceId'],
    ['GoalsAndFunnels', 'GoalsAndFunnelsReportRequest', ['TimePeriod', 'GoalId', 'AllConversions'], 'Goal'],
    ['ProductDimension', 'ProductDimensionPerformanceReportRequest', ['TimePeriod', 'Title', 'Clicks'], 'MerchantProductId'],
  ] as const)('%s: the simulator refuses a missing required column with 2015', (_name, type, columns, missing) => {
    expect(problems(type, columns)).toContain(`column "${missing}" is required by ${type}`);
    expect(simulatorCode(type, columns, 'Daily')).toBe(2015);
    expect(simulatorCode(type, [...columns, missing], 'Daily')).toBeNull();
  });

  it('ProductMatchCount needs one of its MatchedProducts* columns', () => {
    expect(problems('ProductMatchCountReportRequest', ['AccountName', 'CampaignName'], 'Summary')).toContain(
      'One or more of the MatchedProductsAtAdGroup, MatchedProductsAtCampaign, or MatchedProductsAtProductGroup performance statistics columns are also required.',
    );
  });

  it('every report needs an attribute and a performance column that is not an impression share (simulator: 2017)', () => {
    expect(problems('CampaignPerformanceReportRequest', ['TimePeriod', 'Clicks'])).toContain(GENERAL_WORDING);
    const onlyShare = ['TimePeriod', 'CampaignId', 'ImpressionSharePercent'];
    expect(problems('CampaignPerformanceReportRequest', onlyShare)).toContain(`no performance column requested that is not an impression share`);
    expect(simulatorCode('CampaignPerformanceReportRequest', onlyShare, 'Daily')).toBe(2017);
  });
});

describe('columns by hour (error 2053 exactly as the column pages list it)', () => {
  const refused = Object.entries(REFUSED_BY_HOUR).flatMap(([type, columns]) =>
    (columns ?? []).flatMap((column) => (['Hourly', 'HourOfDay'] as const).map((aggregation) => [type as ReportRequestType, column, aggregation] as const)),
  );

  it('lists the columns the pages say 2053 for', () => {
    expect(REFUSED_BY_HOUR.CampaignPerformanceReportRequest).toEqual([
      'AudienceImpressionLostToBudgetPercent',
      'AudienceImpressionLostToRankPercent',
      'AudienceImpressionSharePercent',
      'ClickSharePercent',
      'ImpressionLostToBudgetPercent',
      'ImpressionLostToRankAggPercent',
      'ImpressionSharePercent',
      'RelativeCtr',
    ]);
    expect(REFUSED_BY_HOUR.ProductDimensionPerformanceReportRequest).toEqual([
      'ClickSharePercent',
      'ImpressionLostToBudgetPercent',
      'ImpressionLostToRankPercent',
      'ImpressionSharePercent',
    ]);
    for (const [type, columns] of Object.entries(REFUSED_BY_HOUR)) {
      for (const c of columns ?? []) expect(requestTypes[type as ReportRequestType].columns as readonly string[], type).toContain(c);
    }
  });

  it.each(refused)('%s: %s with %s is refused in Microsoft’s words, and by the simulator with 2053', (type, column, aggregation) => {
    const columns = ['TimePeriod', ...(REQUIRED_COLUMNS[type] ?? []), anAttribute(type), 'Impressions', column];
    const page = `reporting-service/${type.replace(/Request$/, 'Column').toLowerCase()}.md#${column.toLowerCase()}`;
    expect(problems(type, columns, aggregation)).toBe(`column "${column}" is refused with ${aggregation} aggregation (${page}: "${HOURLY_WORDING}")`);
    if (aggregation === 'Hourly') expect(simulatorCode(type, columns, aggregation)).toBe(2053);
    expect(problems(type, columns, 'Daily')).toBe('');
  });

  it.each([
    ['CampaignPerformanceReportRequest', 'TopImpressionRatePercent'],
    ['CampaignPerformanceReportRequest', 'AbsoluteTopImpressionSharePercent'],
    ['CampaignPerformanceReportRequest', 'TopImpressionShareLostToBudgetPercent'],
    ['AccountPerformanceReportRequest', 'ExactMatchImpressionSharePercent'],
    ['KeywordPerformanceReportRequest', 'AbsoluteTopImpressionRatePercent'],
    ['ProductDimensionPerformanceReportRequest', 'AbsoluteTopImpressionSharePercent'],
    ['SearchQueryPerformanceReportRequest', 'TopImpressionRatePercent'],
  ] as const)('%s accepts %s by hour (Microsoft serves it, values to be ignored)', (type, column) => {
    const columns = ['TimePeriod', ...(REQUIRED_COLUMNS[type] ?? []), anAttribute(type), 'Impressions', column];
    expect(problems(type, columns, 'Hourly')).toBe('');
    expect(problems(type, columns, 'HourOfDay')).toBe('');
    expect(simulatorCode(type, columns, 'Hourly')).toBeNull();
  });
});
