/** Microsoft Advertising v13 namespaces (REPORTING-FACTS §1.2). */
export const NS = {
  reporting: 'https://bingads.microsoft.com/Reporting/v13',
  customer: 'https://bingads.microsoft.com/Customer/v13',
  customerEntities: 'https://bingads.microsoft.com/Customer/v13/Entities',
  customerException: 'https://bingads.microsoft.com/Customer/v13/Exception',
  adapi: 'https://adapi.microsoft.com',
  arrays: 'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  soapEnvelope: 'http://schemas.xmlsoap.org/soap/envelope/',
} as const;
