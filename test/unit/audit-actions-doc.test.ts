import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('docs/access.md and the audit actions', () => {
  it('lists every sign-in and user audit action the code writes', () => {
    const written = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!/\baction:/.test(line)) continue;
        for (const match of line.matchAll(/'((?:auth|user)\.[a-z_]+)'/g)) written.add(match[1]!);
      }
    }
    expect([...written]).toEqual(expect.arrayContaining(['auth.login', 'auth.totp_remove', 'user.create']));
    const doc = readFileSync(join(ROOT, 'docs/access.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Audit log'));
    expect([...written].filter((action) => !table.includes(`\`${action}\``))).toEqual([]);
  });
});
