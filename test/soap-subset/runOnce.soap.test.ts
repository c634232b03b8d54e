// The SOAP subset: test/e2e/runOnce.test.ts again with MSADS_API=soap, so a user who stays on SOAP until
// Microsoft's 2027-01-31 cutover keeps everything that passes today.
process.env.MSADS_TEST_API = 'soap';
await import('../e2e/runOnce.test.js');
