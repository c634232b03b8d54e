import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.js';
import { renderConfigDoc } from '../../src/docs/configDoc.js';
import { configDocPath } from '../../src/paths.js';

describe('docs/CONFIGURATION.md', () => {
  it('equals its generator (npm run docs:config rewrites it)', () => {
    expect(readFileSync(configDocPath, 'utf8')).toBe(renderConfigDoc());
  });

  it('documents every variable of the schema, each with a description', () => {
    const doc = renderConfigDoc();
    for (const [name, schema] of Object.entries(envSchema.shape)) {
      expect(doc, name).toContain(`| \`${name}\` |`);
      expect(schema.description, `${name} has no .describe()`).toBeTruthy();
    }
  });
});
