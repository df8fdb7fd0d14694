import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';

describe('error catalogue', () => {
  const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(ERROR_CATALOGUE))(
    'documents %s with its HTTP status and exact SMTP reply in docs/errors.md',
    (code, entry) => {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
      expect(row).toContain(`| ${entry.http} | ${entry.smtp} |`);
    },
  );

  it.each(Object.entries(ERROR_CATALOGUE))(
    'gives %s an SMTP reply code with an enhanced status code of the same class',
    (_code, entry) => {
      const match = /^([245])\d\d ([245])\.\d{1,3}\.\d{1,3}$/.exec(entry.smtp);
      expect(match, entry.smtp).not.toBeNull();
      expect(match![2]).toBe(match![1]);
    },
  );
});
