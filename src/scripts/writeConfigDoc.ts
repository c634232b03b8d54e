import { writeFileSync } from 'node:fs';
import { renderConfigDoc } from '../docs/configDoc.js';
import { configDocPath } from '../paths.js';

// Rewrites docs/CONFIGURATION.md from the environment schema (npm run docs:config).
writeFileSync(configDocPath, renderConfigDoc());
console.log(`wrote ${configDocPath}`);
