// The SOAP subset: account discovery (test/discovery/discovery.test.ts) again over SOAP.
process.env.MSADS_TEST_API = 'soap';
await import('../discovery/discovery.test.js');
