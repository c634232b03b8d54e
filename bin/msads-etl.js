#!/usr/bin/env node
// The package's command. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write('msads-etl: dist/ is missing; run `npm run build` (npm ci does this) first\n');
    process.exit(1);
  }
  throw err;
});
