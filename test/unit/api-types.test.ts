import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes } from '../../scripts/api-types.js';

describe('web API types', () => {
  it('web/src/api/openapi.d.ts is what the server’s OpenAPI document generates (else: npm run gen:api-types)', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    const generated = await renderApiTypes();
    expect(generated).toContain('export interface paths');
    expect(committed === generated, 'web/src/api/openapi.d.ts is stale: run `npm run gen:api-types`').toBe(
      true,
    );
  });
});
