import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file sits directly under src/ (and dist/ once compiled), so the project root is one level up
// in both layouts. Everything that ships with the package (WSDLs, migrations) is found from here.
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const migrationsFolder = resolve(projectRoot, 'migrations');
export const bundledReportingWsdl = resolve(projectRoot, 'src/soap/wsdl/ReportingService.wsdl');
export const bundledCustomerManagementWsdl = resolve(projectRoot, 'src/soap/wsdl/CustomerManagementService.wsdl');
export const schemaDocPath = resolve(projectRoot, 'docs/SCHEMA.md');
export const configDocPath = resolve(projectRoot, 'docs/CONFIGURATION.md');
export const envExamplePath = resolve(projectRoot, '.env.example');
