import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledCustomerManagementWsdl } from '../../src/paths.js';
import { Secret } from '../../src/secret.js';
import { createCustomerManagementService } from '../../src/soap/customerManagementClient.js';
import { NS } from '../../src/soap/namespaces.js';
import { createWsdlSchemaValidator, envelopeParts, officialWsdlDir, type XmlDocument } from '../helpers/officialSchema.js';
import { startSoapStub, type SoapStub } from '../helpers/soapStub.js';

/**
 * Every Customer Management request the client sends (GetUser with a nil UserId, SearchAccounts with the
 * UserId predicate, Id ordering and paging), captured at a stub and validated against the XSD inlined in
 * Microsoft's own Customer Management WSDL, with the client built from our WSDL and from Microsoft's.
 */

const dir = officialWsdlDir();
const officialWsdl = dir ? join(dir, 'customermanagement_service.xml') : undefined;
if (!officialWsdl) console.warn('[conformance] Customer Management skipped: MSADS_OFFICIAL_WSDL_DIR is not set.');

const env = (body: string) => `<s:Envelope xmlns:s="${NS.soapEnvelope}"><s:Body>${body}</s:Body></s:Envelope>`;
const USER = `<GetUserResponse xmlns="${NS.customer}"><User><Id xmlns="${NS.customerEntities}">42</Id></User><CustomerRoles/></GetUserResponse>`;
const ACCOUNTS = `<SearchAccountsResponse xmlns="${NS.customer}"><Accounts/></SearchAccountsResponse>`;

describe.skipIf(!officialWsdl)("Customer Management requests validate against Microsoft's schema", () => {
  let stub: SoapStub;
  beforeAll(async () => {
    stub = await startSoapStub((req) => ({ body: env(req.action === 'GetUser' ? USER : ACCOUNTS) }));
  });
  afterAll(async () => {
    await stub?.close();
  });

  for (const [label, wsdl] of [
    ['our WSDL', bundledCustomerManagementWsdl],
    ["Microsoft's WSDL", officialWsdl as string],
  ] as const) {
    it(`GetUser and SearchAccounts built from ${label}`, async () => {
      stub.requests.length = 0;
      const cm = await createCustomerManagementService({ wsdl, endpoint: stub.url, timeoutMs: 5_000 });
      const auth = { accessToken: new Secret('conformance-access-token'), developerToken: new Secret('conformance-dev-token') };
      await cm.getUser(auth);
      await cm.searchAccountsByUser(auth, { userId: '42', pageIndex: 0, pageSize: 1000 });
      await cm.searchAccountsByUser(auth, { userId: '42', pageIndex: 3, pageSize: 1000 });
      expect(stub.requests.map((r) => r.action)).toEqual(['GetUser', 'SearchAccounts', 'SearchAccounts']);
      const docs: XmlDocument[] = stub.requests.flatMap((r, i) => envelopeParts(r.body, `${r.action}#${i}`));
      // Body plus exactly the two headers, in the Customer namespace (no CustomerId headers: §2.2).
      expect(docs.map((d) => d.name.replace(/#\d+/, ''))).toEqual([
        'GetUser Body <GetUserRequest>', 'GetUser Header <AuthenticationToken>', 'GetUser Header <DeveloperToken>',
        'SearchAccounts Body <SearchAccountsRequest>', 'SearchAccounts Header <AuthenticationToken>', 'SearchAccounts Header <DeveloperToken>',
        'SearchAccounts Body <SearchAccountsRequest>', 'SearchAccounts Header <AuthenticationToken>', 'SearchAccounts Header <DeveloperToken>',
      ]);
      // (Our own WSDL's schema is enforced by the simulator's validator: test/discovery/customerClient.test.ts.)
      const outcome = await createWsdlSchemaValidator(officialWsdl as string).validate(docs);
      expect(outcome.errors).toEqual([]);
      expect(outcome.valid).toBe(true);
      const getUser = stub.requests[0]!.body;
      expect(getUser).toMatch(/<(\w+:)?UserId[^>]*xsi:nil="true"/);
      const search = stub.requests[2]!.body;
      expect(search).toContain('>UserId<');
      expect(search).toMatch(/<e:Index[^>]*>3<\/e:Index><e:Size[^>]*>1000<\/e:Size>/);
      expect(search).toMatch(/<e:Field>Id<\/e:Field><e:Order>Ascending<\/e:Order>/);
      for (const r of stub.requests) expect(r.headers['soapaction']).toBe(`"${r.action}"`);
    });
  }

  it('the validator rejects what it is here to catch (wrong namespace on a Paging child)', async () => {
    const bad = `<SearchAccountsRequest xmlns="${NS.customer}"><PageInfo><Index>0</Index><Size>10</Size></PageInfo></SearchAccountsRequest>`;
    const outcome = await createWsdlSchemaValidator(officialWsdl as string).validate([{ name: 'bad', xml: bad }]);
    expect(outcome.valid).toBe(false);
  });
});
