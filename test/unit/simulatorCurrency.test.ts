import { describe, expect, it } from 'vitest';
import { reports, requestColumns } from '../../src/reports/catalog.js';
import { simAccount } from '../../src/simulator/customerAccounts.js';
import { generateRows } from '../../src/simulator/generator.js';

/**
 * The demo data is consistent: the currency Customer Management reports for an account (simAccount,
 * what discovery stores in accounts.currency_code) is the CurrencyCode of every row the generator
 * serves for it.
 */

const ACCOUNT_IDS = Array.from({ length: 40 }, (_, i) => String(150_000_001 + i));

function servedCurrencies(accountId: string, report: keyof typeof reports): Set<string> {
  const columns = requestColumns(reports[report], 'Daily');
  const at = columns.indexOf('CurrencyCode');
  expect(at, `${report} requests CurrencyCode`).toBeGreaterThanOrEqual(0);
  const options = { columns, aggregation: 'Daily' as const, accountId, from: '2026-11-06', to: '2026-11-07', seed: 'currency' };
  return new Set([...generateRows(options)].map((row) => row.values[at] as string));
}

describe('simulator currencies', () => {
  it("every generated row's CurrencyCode is the account's currency, for every account", () => {
    for (const id of ACCOUNT_IDS) {
      const account = simAccount(id, '1000001');
      for (const report of ['campaign_performance', 'account_performance', 'user_location_performance'] as const) {
        expect([...servedCurrencies(id, report)], `${id} ${report}`).toEqual([account.currencyCode]);
      }
    }
  });

  it('accounts do not all share one currency (the test above would prove little otherwise)', () => {
    expect(new Set(ACCOUNT_IDS.map((id) => simAccount(id, '1000001').currencyCode)).size).toBeGreaterThan(1);
  });

  it('an explicit currencyCode in the options wins', () => {
    const columns = requestColumns(reports.campaign_performance, 'Daily');
    const rows = [...generateRows({ columns, aggregation: 'Daily', accountId: '150000001', from: '2026-11-07', to: '2026-11-07', seed: 's', currencyCode: 'JPY' })];
    expect(new Set(rows.map((r) => r.values[columns.indexOf('CurrencyCode')]))).toEqual(new Set(['JPY']));
  });
});
