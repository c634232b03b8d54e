import { createHash } from 'node:crypto';
import type { AccountLifeCycleStatus } from '../soap/wsdl/customerManagementWsdl.js';

/**
 * What Customer Management knows about an ad account in the simulator: name, number, currency, time zone
 * and lifecycle status. Tests give some accounts explicit attributes (a Paused or Inactive one); every
 * other account gets deterministic defaults derived from its id, so thousands of accounts cost nothing.
 */

export interface SimAccountAttributes {
  name?: string;
  number?: string;
  status?: AccountLifeCycleStatus;
  currencyCode?: string;
  timeZone?: string;
}

export interface SimAccount {
  id: string;
  name: string;
  /** Eight alphanumerics, like Microsoft's account numbers ("F1234567"); not the id. */
  number: string;
  parentCustomerId: string;
  status: AccountLifeCycleStatus;
  currencyCode: string;
  timeZone: string;
}

const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
const TIME_ZONES = ['GreenwichMeanTimeDublinEdinburghLisbonLondon', 'EasternTimeUSCanada', 'AmsterdamBerlinBernRomeStockholmVienna'] as const;

const idHash = (id: string) => createHash('sha256').update(id).digest();

/**
 * The currency an account has unless a test gives it one: what Customer Management reports for it and
 * what the generator writes in its rows' CurrencyCode (generator.ts), so the two always agree.
 */
export function defaultCurrencyCode(accountId: string): string {
  return CURRENCIES[(idHash(accountId)[4] ?? 0) % CURRENCIES.length] as string;
}

export function simAccount(id: string, parentCustomerId: string, attrs: SimAccountAttributes = {}): SimAccount {
  const h = idHash(id);
  const number = `F${h.readUInt32BE(0).toString(36).toUpperCase().padStart(7, '0').slice(-7)}`;
  return {
    id,
    name: attrs.name ?? `Account ${id}`,
    number: attrs.number ?? number,
    parentCustomerId,
    status: attrs.status ?? 'Active',
    currencyCode: attrs.currencyCode ?? defaultCurrencyCode(id),
    timeZone: attrs.timeZone ?? (TIME_ZONES[(h[5] ?? 0) % TIME_ZONES.length] as string),
  };
}
