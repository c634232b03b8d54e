import { writeFileSync } from 'node:fs';
import { renderSchemaDoc } from '../docs/schemaDoc.js';
import { schemaDocPath } from '../paths.js';

// Rewrites docs/SCHEMA.md from the catalog and the drizzle schema (npm run docs:schema).
writeFileSync(schemaDocPath, renderSchemaDoc());
console.log(`wrote ${schemaDocPath}`);
