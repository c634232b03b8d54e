import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchemaDoc } from '../../src/docs/schemaDoc.js';
import { schemaDocPath } from '../../src/paths.js';

describe('docs/SCHEMA.md', () => {
  it('equals its generator (npm run docs:schema rewrites it)', () => {
    expect(readFileSync(schemaDocPath, 'utf8')).toBe(renderSchemaDoc());
  });
});
