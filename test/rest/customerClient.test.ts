import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError, RequestValidationError } from '../../src/errors.js';
import type { CustomerCallAuth } from '../../src/ports/customerApi.js';
import { createRestCustomerApi } from '../../src/rest/customerClient.js';
import { Secret } from '../../src/secret.js';
import { startRestStub, type RestStub, type RestStubReply } from '../helpers/restStub.js';

const auth: CustomerCallAuth = { accessToken: new Secret('cm-access-token'), developerToken: new Secret('cm-dev-token') };
const query = { userId: '7770001', pageIndex: 3, pageSize: 100 };

let stub: RestStub;
beforeAll(async () => {
  stub = await startRestStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
});
const cm = () => createRestCustomerApi({ baseUrl: `${stub.origin}/CustomerManagement/v13`, timeoutMs: 2_000 });
const reply = (r: RestStubReply) => stub.setHandler(() => r);

describe('REST customer client', () => {
  it('GetUser sends {"UserId": null} with no CustomerId headers and reads user and roles as SOAP does', async () => {
    reply({
      headers: { TrackingId: 'trk-u' },
      body: {
        User: { Id: '7770001', CustomerId: 5550001, UserName: ' ada ', Name: null },
        CustomerRoles: [
          { RoleId: 16, CustomerId: '5550001', AccountIds: null, LinkedAccountIds: ['1', 'x', 2], CustomerLinkPermission: null },
          { RoleId: 41, CustomerId: null, AccountIds: [], LinkedAccountIds: null },
          null,
        ],
      },
    });
    expect(await cm().getUser(auth)).toEqual({
      id: '7770001',
      customerId: '5550001',
      userName: 'ada',
      roles: [{ roleId: 16, customerId: '5550001', accountIds: null, linkedAccountIds: ['1', '2'] }],
      trackingId: 'trk-u',
    });
    const [req] = stub.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/CustomerManagement/v13/User/Query', body: '{"UserId":null}' });
    expect(req!.headers).toMatchObject({ authorization: 'Bearer cm-access-token', developertoken: 'cm-dev-token', 'content-type': 'application/json' });
    expect(req!.headers).not.toHaveProperty('customerid');
    expect(req!.headers).not.toHaveProperty('customeraccountid');
  });

  it("GetUser without User.Id is a ProtocolError 'response has no User.Id'", async () => {
    for (const body of [{ User: null, CustomerRoles: null }, { User: { Id: null } }, { User: { Id: 'abc' } }, { User: { Id: 2 ** 60 } }]) {
      reply({ body });
      const err = await cm().getUser(auth).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ message: 'GetUser: response has no User.Id' });
    }
  });

  it('SearchAccounts sends the UserId predicate, Id ordering and the page, and skips accounts without ids', async () => {
    reply({
      body: {
        Accounts: [
          { Id: '180012345', ParentCustomerId: '5550001', Name: ' Shop ', Number: 'F1', AccountLifeCycleStatus: 'Active', CurrencyCode: 'EUR', TimeZone: 'BrusselsCopenhagenMadridParis' },
          { Id: 180012346, ParentCustomerId: '5550001', Name: null, Number: null, AccountLifeCycleStatus: null, CurrencyCode: null, TimeZone: null },
          { Id: null, ParentCustomerId: '5550001' },
          { Id: '1' },
          null,
        ],
      },
    });
    const result = await cm().searchAccountsByUser(auth, query);
    expect(result).toEqual({
      accounts: [
        { id: '180012345', number: 'F1', name: ' Shop ', parentCustomerId: '5550001', currencyCode: 'EUR', timeZone: 'BrusselsCopenhagenMadridParis', lifeCycleStatus: 'Active' },
        { id: '180012346', number: undefined, name: undefined, parentCustomerId: '5550001', currencyCode: undefined, timeZone: undefined, lifeCycleStatus: undefined },
      ],
    });
    const [req] = stub.requests;
    expect(req!.path).toBe('/CustomerManagement/v13/Accounts/Search');
    expect(JSON.parse(req!.body)).toEqual({
      Predicates: [{ Field: 'UserId', Operator: 'Equals', Value: '7770001' }],
      Ordering: [{ Field: 'Id', Order: 'Ascending' }],
      PageInfo: { Index: 3, Size: 100 },
    });
  });

  it('SearchAccounts: null Accounts = none; a body without Accounts is a ProtocolError', async () => {
    reply({ body: { Accounts: null } });
    expect(await cm().searchAccountsByUser(auth, query)).toEqual({ accounts: [] });
    reply({ body: {} });
    await expect(cm().searchAccountsByUser(auth, query)).rejects.toThrow('SearchAccounts: response has no Accounts list; got "{}"');
  });

  it('validates the query before sending, with the SOAP messages', async () => {
    await expect(cm().searchAccountsByUser(auth, { ...query, userId: '0' })).rejects.toThrow(RequestValidationError);
    await expect(cm().searchAccountsByUser(auth, { ...query, pageIndex: -1 })).rejects.toThrow('SearchAccounts: page index -1 is not a non-negative integer');
    await expect(cm().searchAccountsByUser(auth, { ...query, pageSize: 1001 })).rejects.toThrow('SearchAccounts: page size 1001 is not between 1 and 1000');
    expect(stub.requests).toHaveLength(0);
  });
});
