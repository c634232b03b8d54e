import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.js';
import { renderConfigDoc, renderEnvExample } from '../../src/docs/configDoc.js';
import { configDocPath, envExamplePath } from '../../src/paths.js';

describe('docs/CONFIGURATION.md', () => {
  it('equals its generator (npm run docs:config rewrites it)', () => {
    expect(readFileSync(configDocPath, 'utf8')).toBe(renderConfigDoc());
  });

  it('.env.example equals its generator and names every variable', () => {
    const text = readFileSync(envExamplePath, 'utf8');
    expect(text).toBe(renderEnvExample());
    for (const name of Object.keys(envSchema.shape)) expect(text).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });

  it('documents every variable of the schema, each with a description', () => {
    const doc = renderConfigDoc();
    for (const [name, schema] of Object.entries(envSchema.shape)) {
      expect(doc, name).toContain(`| \`${name}\` |`);
      expect(schema.description, `${name} has no .describe()`).toBeTruthy();
    }
  });
});
