import { describe, expect, it } from 'vitest';
import { reports, requestColumns } from '../../src/reports/catalog.js';
import { countRows, generateRows, type GenerateOptions } from '../../src/simulator/generator.js';

/**
 * The header's `Rows:` line is worked out without generating the rows (countRows): it must be exactly
 * what the generator then yields, for every report, aggregation and shape, or every simulated file
 * would fail the loader's stated-rows check.
 */

describe('countRows', () => {
  const shapes = [undefined, { campaigns: 1, adGroupsPerCampaign: 1, keywordsPerAdGroup: 1 }, { campaigns: 2, adGroupsPerCampaign: 3, keywordsPerAdGroup: 2 }];
  for (const def of Object.values(reports)) {
    it(`${def.name}: equals the rows generated, for every aggregation and shape`, () => {
      for (const aggregation of def.aggregations) {
        for (const shape of shapes) {
          const options: GenerateOptions = { columns: requestColumns(def, aggregation), aggregation, accountId: '160000123', from: '2026-10-30', to: '2026-11-01', seed: 's' };
          if (shape) options.shape = shape;
          let generated = 0;
          for (const _ of generateRows(options)) generated++;
          expect(countRows(options), `${aggregation} ${JSON.stringify(shape)}`).toBe(generated);
        }
      }
    });
  }
});
