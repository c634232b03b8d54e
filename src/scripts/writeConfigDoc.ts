import { writeFileSync } from 'node:fs';
import { renderConfigDoc, renderEnvExample } from '../docs/configDoc.js';
import { configDocPath, envExamplePath } from '../paths.js';

// Rewrites docs/CONFIGURATION.md and .env.example from the environment schema (npm run docs:config).
writeFileSync(configDocPath, renderConfigDoc());
console.log(`wrote ${configDocPath}`);
writeFileSync(envExamplePath, renderEnvExample());
console.log(`wrote ${envExamplePath}`);
