import type { ConnectionState } from './connections.js';
import type { SimAccount } from './customerAccounts.js';

/**
 * Customer Management's REST answers as complete JSON objects. Microsoft's .NET client requires every
 * member of each object and refuses unknown ones (REST-FACTS §4), so every member of the official
 * response types is written, null where the simulator has no value; ids (int64) as strings. Member lists
 * from rest/GetUserResponse.schema.json (User, CustomerRole, PersonName) and
 * rest/SearchAccountsResponse.schema.json (AdvertiserAccount).
 */

export function userJson(user: ConnectionState, roleId: number): Record<string, unknown> {
  return {
    User: {
      ContactInfo: null,
      CustomerId: user.customerId,
      Id: user.userId,
      JobTitle: null,
      LastModifiedByUserId: null,
      LastModifiedTime: null,
      Lcid: null,
      Name: { FirstName: 'Sim', LastName: user.connectionId, MiddleInitial: null },
      Password: null,
      SecretAnswer: null,
      SecretQuestion: 'None',
      UserLifeCycleStatus: 'Active',
      TimeStamp: null,
      UserName: `${user.connectionId}@example.com`,
      ForwardCompatibilityMap: null,
      AuthenticationToken: null,
    },
    // One role per customer; AccountIds null = every account of the customer, current and future.
    CustomerRoles: [
      {
        RoleId: roleId,
        CustomerId: user.customerId,
        AccountIds: null,
        LinkedAccountIds: user.linkedAccountIds.length > 0 ? [...user.linkedAccountIds] : null,
        CustomerLinkPermission: null,
      },
    ],
  };
}

export function advertiserAccountJson(a: SimAccount): Record<string, unknown> {
  return {
    BillToCustomerId: a.parentCustomerId,
    CurrencyCode: a.currencyCode,
    AccountFinancialStatus: null,
    Id: a.id,
    Language: null,
    LastModifiedByUserId: null,
    LastModifiedTime: null,
    Name: a.name,
    Number: a.number,
    ParentCustomerId: a.parentCustomerId,
    PaymentMethodId: null,
    PaymentMethodType: null,
    PrimaryUserId: null,
    AccountLifeCycleStatus: a.status,
    TimeStamp: null,
    TimeZone: a.timeZone,
    PauseReason: null,
    ForwardCompatibilityMap: null,
    LinkedAgencies: null,
    SalesHouseCustomerId: null,
    TaxInformation: null,
    BackUpPaymentInstrumentId: null,
    BillingThresholdAmount: null,
    BusinessAddress: null,
    AutoTagType: null,
    SoldToPaymentInstrumentId: null,
    TaxCertificate: null,
    AccountMode: null,
  };
}
