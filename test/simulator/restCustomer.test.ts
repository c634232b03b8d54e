import { DOMParser } from '@xmldom/xmldom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NS } from '../../src/soap/namespaces.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ACCOUNT, DEV_TOKEN, OTHER_ACCOUNT, testOptions, tokenFor } from './helpers.js';
import { expectOfficial, getUserUrl, officialSchemas, restFaultOf, restHeaders, restPost, searchAccountsUrl, type RestAnswer } from './restHelpers.js';

/** Customer Management over REST: GetUser and SearchAccounts as complete JSON objects, the SOAP rules, ApiFault faults. */

const schemas = officialSchemas();
const LINKED = ['380000001', '380000002', '380000003'];
let sim: Simulator;
let token: string;
beforeEach(async () => {
  sim = await startSimulator(
    testOptions({
      connections: [
        { connectionId: 'conn-a', customerId: '1000001', accountIds: [ACCOUNT, OTHER_ACCOUNT], userId: '7770001', linkedAccounts: [{ customerId: '3000003', accountIds: LINKED }] },
        { connectionId: 'conn-b', customerId: '2000002', accountIds: ['260000001'] },
      ],
      accounts: { [OTHER_ACCOUNT]: { name: 'Paused one', status: 'Pause' } },
    }),
  );
  token = await tokenFor(sim);
});
afterEach(async () => {
  await sim.close();
});

// Customer Management takes no CustomerId headers, and tolerates them with any value (both SDKs send them).
const headers = (override: Record<string, string | undefined> = {}) => restHeaders({ token, customerId: 'None', accountId: 'None' }, override);
const search = (body: unknown, h = headers()) => restPost(searchAccountsUrl(sim), body, h);
const byUser = (page: unknown, extra: Record<string, unknown> = {}) => ({ Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '7770001' }], PageInfo: page, ...extra });

function customerFault(answer: RestAnswer, status: number) {
  expect(answer.status, answer.text).toBe(status);
  expectOfficial(schemas, 'CustomerFault', answer.json);
  expect(answer.headers.get('trackingid')).toBe(answer.json?.TrackingId);
  return restFaultOf(answer);
}

describe('GetUser', () => {
  it('answers the authenticated user and one role per customer, every member present', async () => {
    const answer = await restPost(getUserUrl(sim), { UserId: null }, headers());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('trackingid')).toMatch(/^[0-9a-f-]{36}$/);
    expectOfficial(schemas, 'GetUserResponse', answer.json);
    const user = answer.json?.User as Record<string, unknown>;
    expect(Object.keys(user)).toHaveLength(16);
    expect(user).toMatchObject({ Id: '7770001', CustomerId: '1000001', UserName: 'conn-a@example.com', UserLifeCycleStatus: 'Active', ContactInfo: null });
    expect(answer.json?.CustomerRoles).toEqual([{ RoleId: 41, CustomerId: '1000001', AccountIds: null, LinkedAccountIds: LINKED, CustomerLinkPermission: null }]);
    expect(sim.stats.customerCalls.GetUser).toBe(1);
  });

  it('{} and the own id work; another user is 403 106; a number is refused', async () => {
    expect((await restPost(getUserUrl(sim), {}, headers())).status).toBe(200);
    expect((await restPost(getUserUrl(sim), { UserId: '7770001' }, headers())).status).toBe(200);
    expect(customerFault(await restPost(getUserUrl(sim), { UserId: '123' }, headers()), 403)).toMatchObject({ type: 'AdApiFaultDetail', code: 106 });
    const fault = customerFault(await restPost(getUserUrl(sim), { UserId: 7770001 }, headers()), 400);
    expect(fault).toMatchObject({ type: 'ApiFault', code: 201, details: '$.UserId' });
    expect(fault.errorCode).toBeUndefined();
  });

  it('116 without Authorization or DeveloperToken, 105 without the Bearer prefix, 109 once expired', async () => {
    expect(customerFault(await restPost(getUserUrl(sim), {}, headers({ Authorization: undefined })), 400)).toMatchObject({ code: 116 });
    expect(customerFault(await restPost(getUserUrl(sim), {}, headers({ DeveloperToken: undefined })), 400)).toMatchObject({ code: 116 });
    expect(customerFault(await restPost(getUserUrl(sim), {}, headers({ Authorization: token })), 401)).toMatchObject({ code: 105 });
    sim.expireTokens();
    expect(customerFault(await restPost(getUserUrl(sim), {}, headers()), 401)).toMatchObject({ code: 109 });
  });

  it('malformed JSON and a wrong Content-Type are 400 ApiFaults', async () => {
    expect(customerFault(await restPost(getUserUrl(sim), '{', headers()), 400).code).toBe(201);
    expect(customerFault(await restPost(getUserUrl(sim), {}, headers({ 'Content-Type': 'text/plain' })), 400).code).toBe(100);
  });
});

describe('SearchAccounts', () => {
  it('pages with Size 1 across every account, each a complete AdvertiserAccount with string ids', async () => {
    const all = [ACCOUNT, OTHER_ACCOUNT, ...LINKED];
    const seen: string[] = [];
    for (let index = 0; ; index++) {
      const answer = await search(byUser({ Index: index, Size: 1 }, { Ordering: [{ Field: 'Id', Order: 'Ascending' }] }));
      expect(answer.status, answer.text).toBe(200);
      expectOfficial(schemas, 'SearchAccountsResponse', answer.json);
      const accounts = answer.json?.Accounts as Record<string, unknown>[];
      if (accounts.length === 0) break;
      expect(accounts).toHaveLength(1);
      expect(Object.keys(accounts[0] ?? {})).toHaveLength(28);
      seen.push(accounts[0]?.Id as string);
    }
    expect(seen).toEqual([...all].sort());
    expect(sim.stats.customerCalls.SearchAccounts).toBe(all.length + 1);
  });

  it('gives the same accounts as SOAP, parent customer per account', async () => {
    const json = (await search(byUser({ Index: 0, Size: 100 }))).json?.Accounts as Record<string, unknown>[];
    const xml =
      `<s:Envelope xmlns:s="${NS.soapEnvelope}"><s:Header xmlns="${NS.customer}"><AuthenticationToken>${token}</AuthenticationToken><DeveloperToken>${DEV_TOKEN}</DeveloperToken></s:Header>` +
      `<s:Body><SearchAccountsRequest xmlns="${NS.customer}" xmlns:e="${NS.customerEntities}"><Predicates><e:Predicate><e:Field>UserId</e:Field><e:Operator>Equals</e:Operator><e:Value>7770001</e:Value></e:Predicate></Predicates>` +
      `<PageInfo><e:Index>0</e:Index><e:Size>100</e:Size></PageInfo></SearchAccountsRequest></s:Body></s:Envelope>`;
    const res = await fetch(sim.urls.customer, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: 'SearchAccounts' }, body: xml });
    const doc = new DOMParser().parseFromString(await res.text(), 'text/xml');
    const soap = Array.from(doc.getElementsByTagNameNS(NS.customerEntities, 'AdvertiserAccount')).map((a) => {
      const text = (local: string) => a.getElementsByTagNameNS(NS.customerEntities, local)[0]?.textContent ?? null;
      return { Id: text('Id'), ParentCustomerId: text('ParentCustomerId'), Name: text('Name'), Number: text('Number'), AccountLifeCycleStatus: text('AccountLifeCycleStatus'), CurrencyCode: text('CurrencyCode'), TimeZone: text('TimeZone') };
    });
    expect(json.map((a) => ({ Id: a.Id, ParentCustomerId: a.ParentCustomerId, Name: a.Name, Number: a.Number, AccountLifeCycleStatus: a.AccountLifeCycleStatus, CurrencyCode: a.CurrencyCode, TimeZone: a.TimeZone }))).toEqual(soap);
    expect(json.find((a) => a.Id === LINKED[0])?.ParentCustomerId).toBe('3000003');
    expect(json.find((a) => a.Id === OTHER_ACCOUNT)).toMatchObject({ Name: 'Paused one', AccountLifeCycleStatus: 'Pause' });
    expect(sim.stats.requestsByApi).toEqual({ soap: 1, rest: 1 });
  });

  it('PageInfo without Size means size 0: no accounts', async () => {
    const answer = await search(byUser({ Index: 0 }));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ Accounts: [] });
  });

  it('accepts ReturnAdditionalFields as a comma-separated flag string, refuses the space-separated SOAP form', async () => {
    expect((await search(byUser({ Index: 0, Size: 5 }, { ReturnAdditionalFields: 'None, TaxCertificate' }))).status).toBe(200);
    expect(customerFault(await search(byUser({ Index: 0, Size: 5 }, { ReturnAdditionalFields: 'TaxCertificate AccountMode' })), 400)).toMatchObject({ code: 201, details: '$.ReturnAdditionalFields' });
    expect(customerFault(await search(byUser({ Index: 0, Size: 5 }, { ReturnAdditionalFields: ['TaxCertificate'] })), 400).code).toBe(201);
  });

  it.each([
    ['no predicate', { Predicates: [], PageInfo: { Index: 0, Size: 1 } }, 'exactly one predicate'],
    ['two predicates', { Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '7770001' }, { Field: 'AccountId', Operator: 'Equals', Value: ACCOUNT }], PageInfo: { Index: 0, Size: 1 } }, 'exactly one predicate'],
    ['no PageInfo', { Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '7770001' }] }, 'PageInfo is required'],
    ['PageInfo null', byUser(null), 'PageInfo is required'],
    ['Size over 1,000', byUser({ Index: 0, Size: 1001 }), 'Size between 0 and 1000'],
    ['an unsupported predicate', { Predicates: [{ Field: 'AccountName', Operator: 'StartsWith', Value: 'A' }], PageInfo: { Index: 0, Size: 1 } }, 'not supported'],
  ])('201 ApiFault for %s', async (_name, body, text) => {
    const fault = customerFault(await search(body), 400);
    expect(fault).toMatchObject({ type: 'ApiFault', code: 201 });
    expect(fault.details).toContain(text);
  });

  it.each([
    ['Size as a string', byUser({ Index: 0, Size: '1' }), '$.PageInfo.Size'],
    ['Size null', byUser({ Index: 0, Size: null }), '$.PageInfo.Size'],
    ['an operator in the wrong case', { Predicates: [{ Field: 'UserId', Operator: 'equals', Value: '7770001' }], PageInfo: { Index: 0, Size: 1 } }, '$.Predicates[0].Operator'],
    ['a predicate Value as a number', { Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: 7770001 }], PageInfo: { Index: 0, Size: 1 } }, '$.Predicates[0].Value'],
    ['an unknown member', byUser({ Index: 0, Size: 1 }, { Paging: {} }), '$.Paging'],
  ])('schema: refuses %s', async (_name, body, path) => {
    expect(customerFault(await search(body), 400)).toMatchObject({ code: 201, details: path });
  });

  it('another user id in the predicate is 403 106', async () => {
    expect(customerFault(await search({ Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '1' }], PageInfo: { Index: 0, Size: 1 } }), 403).code).toBe(106);
  });
});
