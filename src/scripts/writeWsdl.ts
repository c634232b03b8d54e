import { writeFileSync } from 'node:fs';
import { bundledReportingWsdl } from '../paths.js';
import { renderReportingWsdl } from '../soap/wsdl/reportingWsdl.js';

// Rewrites the bundled WSDL from the catalog data (npm run wsdl).
writeFileSync(bundledReportingWsdl, renderReportingWsdl());
console.log(`wrote ${bundledReportingWsdl}`);
