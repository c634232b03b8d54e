import { readFileSync } from 'node:fs';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsAdsFaultError } from '../../src/errors.js';
import { bundledCustomerManagementWsdl } from '../../src/paths.js';
import { Secret } from '../../src/secret.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadSchemaSet } from '../../src/simulator/xsdSchema.js';
import { XsdValidator } from '../../src/simulator/xsdValidator.js';
import { createCustomerManagementService, type CustomerCallAuth, type CustomerManagementService } from '../../src/soap/customerManagementClient.js';
import { NS } from '../../src/soap/namespaces.js';
import { renderCustomerManagementWsdl } from '../../src/soap/wsdl/customerManagementWsdl.js';

/** The Customer Management client against the simulator's CustomerManagementService.svc. */

const BIG = Array.from({ length: 1205 }, (_, i) => String(310_000_000 + i));
let sim: Simulator;
let cm: CustomerManagementService;
let auth: CustomerCallAuth;

async function token(connectionId: string): Promise<string> {
  const res = await fetch(`${sim.urls.nango}/connections/${connectionId}?provider_config_key=microsoft-ads`, { headers: { authorization: 'Bearer sk' } });
  return ((await res.json()) as { credentials: { access_token: string } }).credentials.access_token;
}

beforeAll(async () => {
  sim = await startSimulator({
    nangoSecretKey: 'sk',
    developerToken: 'dev',
    connections: [
      { connectionId: 'agency', customerId: '3000003', accountIds: BIG, userId: '777', linkedAccounts: [{ customerId: '4000004', accountIds: ['410000001', '410000002'] }] },
      { connectionId: 'small', customerId: '5000005', accountIds: ['510000001'] },
    ],
    accounts: { '410000002': { name: 'Client & Co', status: 'Pause', currencyCode: 'EUR', timeZone: 'AthensBuckarestIstanbul' } },
  });
  cm = await createCustomerManagementService({ wsdl: bundledCustomerManagementWsdl, endpoint: sim.urls.customer, timeoutMs: 10_000 });
  auth = { accessToken: new Secret(await token('agency')), developerToken: new Secret('dev') };
});
afterAll(async () => {
  await sim?.close();
});

describe('Customer Management client + simulator', () => {
  it('the committed WSDL is the generator output, and the simulator serves it at ?wsdl', async () => {
    expect(readFileSync(bundledCustomerManagementWsdl, 'utf8')).toBe(renderCustomerManagementWsdl());
    const served = await (await fetch(sim.urls.customerWsdl)).text();
    expect(served).toContain(`location="${sim.urls.customer}"`);
  });

  it('GetUser returns the authenticated user and its customer roles, linked accounts included', async () => {
    const user = await cm.getUser(auth);
    expect(user).toMatchObject({ id: '777', customerId: '3000003' });
    expect(user.roles).toEqual([{ roleId: 41, customerId: '3000003', accountIds: null, linkedAccountIds: ['410000001', '410000002'] }]);
    expect(user.trackingId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('SearchAccounts pages by 1,000 in Id order with each account’s parent customer', async () => {
    const p0 = await cm.searchAccountsByUser(auth, { userId: '777', pageIndex: 0, pageSize: 1000 });
    const p1 = await cm.searchAccountsByUser(auth, { userId: '777', pageIndex: 1, pageSize: 1000 });
    const p2 = await cm.searchAccountsByUser(auth, { userId: '777', pageIndex: 2, pageSize: 1000 });
    expect([p0.accounts.length, p1.accounts.length, p2.accounts.length]).toEqual([1000, 207, 0]);
    const ids = [...p0.accounts, ...p1.accounts].map((a) => a.id);
    expect(ids).toEqual([...BIG, '410000001', '410000002']);
    expect(p1.accounts.at(-1)).toEqual({
      id: '410000002',
      number: expect.stringMatching(/^F[0-9A-Z]{7}$/),
      name: 'Client & Co',
      parentCustomerId: '4000004',
      currencyCode: 'EUR',
      timeZone: 'AthensBuckarestIstanbul',
      lifeCycleStatus: 'Pause',
    });
  });

  it('a user cannot search another user’s accounts; bad page sizes are refused before sending', async () => {
    await expect(cm.searchAccountsByUser(auth, { userId: '778', pageIndex: 0, pageSize: 10 })).rejects.toMatchObject({ name: 'MsAdsFaultError', code: 106 });
    await expect(cm.searchAccountsByUser(auth, { userId: '777', pageIndex: 0, pageSize: 1001 })).rejects.toMatchObject({ name: 'RequestValidationError' });
  });

  it('faults: 105 for refused credentials, ApiFault with OperationError (no ErrorCode) for internal errors', async () => {
    sim.faults.invalidCredentialConnections.add('agency');
    try {
      const err = await cm.getUser(auth).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MsAdsFaultError);
      expect((err as MsAdsFaultError).code).toBe(105);
      expect((err as MsAdsFaultError).message).not.toContain(auth.accessToken.reveal());
    } finally {
      sim.faults.invalidCredentialConnections.clear();
    }
    sim.faults.customerInternalErrorNext = 1;
    const err = (await cm.getUser(auth).catch((e: unknown) => e)) as MsAdsFaultError;
    expect(err).toBeInstanceOf(MsAdsFaultError);
    expect(err.code).toBe(0);
    expect(err.errorCode).toBeUndefined();
    expect(err.trackingId).toBeTruthy();
    expect((await cm.getUser(auth)).id).toBe('777');
  });

  it('is as strict as the service: headers, body namespace, SOAPAction, one predicate', async () => {
    const post = async (action: string, header: string, body: string) => {
      const res = await fetch(sim.urls.customer, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: action },
        body: `<s:Envelope xmlns:s="${NS.soapEnvelope}" xmlns:i="${NS.xsi}"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`,
      });
      return { status: res.status, text: await res.text() };
    };
    const token = `<AuthenticationToken xmlns="${NS.customer}">${auth.accessToken.reveal()}</AuthenticationToken>`;
    const dev = `<DeveloperToken xmlns="${NS.customer}">dev</DeveloperToken>`;
    const getUser = `<GetUserRequest xmlns="${NS.customer}"><UserId i:nil="true"/></GetUserRequest>`;
    // Reporting-namespace headers are not Customer Management headers: 116 RequestMissingHeaders.
    const reportingHeaders = await post('GetUser', `<AuthenticationToken xmlns="${NS.reporting}">x</AuthenticationToken>${dev}`, getUser);
    expect(reportingHeaders.status).toBe(500);
    expect(reportingHeaders.text).toContain('<Code>116</Code>');
    const wrongNs = await post('GetUser', token + dev, `<GetUserRequest xmlns="${NS.reporting}"/>`);
    expect(wrongNs.text).toMatch(/<e:Code>100<\/e:Code>/);
    const wrongAction = await post('GetAccountsInfo', token + dev, getUser);
    expect(wrongAction.text).toContain('ActionNotSupported');
    const twoPredicates =
      `<SearchAccountsRequest xmlns="${NS.customer}" xmlns:e="${NS.customerEntities}"><Predicates>` +
      `<e:Predicate><e:Field>UserId</e:Field><e:Operator>Equals</e:Operator><e:Value>777</e:Value></e:Predicate>` +
      `<e:Predicate><e:Field>AccountId</e:Field><e:Operator>Equals</e:Operator><e:Value>1</e:Value></e:Predicate>` +
      `</Predicates><PageInfo><e:Index>0</e:Index><e:Size>10</e:Size></PageInfo></SearchAccountsRequest>`;
    const two = await post('SearchAccounts', token + dev, twoPredicates);
    expect(two.text).toContain('exactly one predicate');
    // Customer Management faults carry no ErrorCode (REPORTING-FACTS §6.1).
    expect(two.text).not.toContain('ErrorCode');
  });

  it('answers validate against our Customer Management WSDL', async () => {
    const validator = new XsdValidator(loadSchemaSet(readFileSync(bundledCustomerManagementWsdl, 'utf8')));
    const post = async (action: string, body: string) => {
      const res = await fetch(sim.urls.customer, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: action },
        body:
          `<s:Envelope xmlns:s="${NS.soapEnvelope}" xmlns:i="${NS.xsi}"><s:Header><AuthenticationToken xmlns="${NS.customer}">${auth.accessToken.reveal()}</AuthenticationToken>` +
          `<DeveloperToken xmlns="${NS.customer}">dev</DeveloperToken></s:Header><s:Body>${body}</s:Body></s:Envelope>`,
      });
      const doc = new DOMParser().parseFromString(await res.text(), 'text/xml');
      const fault = doc.getElementsByTagNameNS(NS.soapEnvelope, 'Fault')[0];
      const body0 = doc.getElementsByTagNameNS(NS.soapEnvelope, 'Body')[0] as Element;
      const payload = fault ? (doc.getElementsByTagName('detail')[0]?.getElementsByTagNameNS('*', '*')[0] as Element) : (body0.getElementsByTagNameNS('*', '*')[0] as Element);
      expect(validator.validate(payload)).toBeNull();
      expect(validator.validate(doc.getElementsByTagNameNS(NS.customer, 'TrackingId')[0] as Element)).toBeNull();
      return res.status;
    };
    expect(await post('GetUser', `<GetUserRequest xmlns="${NS.customer}"><UserId i:nil="true"/></GetUserRequest>`)).toBe(200);
    const search = (size: number) =>
      `<SearchAccountsRequest xmlns="${NS.customer}" xmlns:e="${NS.customerEntities}"><Predicates><e:Predicate><e:Field>UserId</e:Field><e:Operator>Equals</e:Operator><e:Value>777</e:Value></e:Predicate></Predicates><Ordering i:nil="true"/><PageInfo><e:Index>1</e:Index><e:Size>${size}</e:Size></PageInfo></SearchAccountsRequest>`;
    expect(await post('SearchAccounts', search(1000))).toBe(200);
    // Size over 1,000: ApiFault with an OperationError, which must itself be schema-valid.
    expect(await post('SearchAccounts', search(5000))).toBe(500);
    // A Paging child in the wrong namespace is refused as WCF would (schema violation → 201).
    expect(await post('SearchAccounts', `<SearchAccountsRequest xmlns="${NS.customer}"><PageInfo><Index>0</Index></PageInfo></SearchAccountsRequest>`)).toBe(500);
  });
});
