import { writeFileSync } from 'node:fs';
import { bundledCustomerManagementWsdl, bundledReportingWsdl } from '../paths.js';
import { renderCustomerManagementWsdl } from '../soap/wsdl/customerManagementWsdl.js';
import { renderReportingWsdl } from '../soap/wsdl/reportingWsdl.js';

// Rewrites the bundled WSDLs from the catalog data (npm run wsdl).
writeFileSync(bundledReportingWsdl, renderReportingWsdl());
console.log(`wrote ${bundledReportingWsdl}`);
writeFileSync(bundledCustomerManagementWsdl, renderCustomerManagementWsdl());
console.log(`wrote ${bundledCustomerManagementWsdl}`);
