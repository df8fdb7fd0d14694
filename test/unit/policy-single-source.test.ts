import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** The policy itself; `core/actor.ts` only defines the Role type and is held to the rule too. */
const ALLOWED_FILES = new Set(['auth/access-policy.ts']);

/** A role expression: `role`, `actor.role`, `request.actor?.role`, `me.role` … */
const ROLE = String.raw`[\w$?.]*\brole`;
const LITERAL = String.raw`['"\x60]`;

/** Ways of deciding by role: comparing it with a literal, switching on it, looking it up. */
const ROLE_DECISIONS: { name: string; pattern: RegExp }[] = [
  { name: 'role compared with a literal', pattern: new RegExp(`${ROLE}\\s*[!=]==?\\s*${LITERAL}`) },
  { name: 'literal compared with a role', pattern: new RegExp(`${LITERAL}\\s*[!=]==?\\s*${ROLE}\\b`) },
  { name: 'switch on a role', pattern: new RegExp(`switch\\s*\\(\\s*${ROLE}\\s*\\)`) },
  { name: 'role looked up in a list', pattern: new RegExp(`\\.includes\\(\\s*${ROLE}\\s*\\)`) },
  { name: 'role used as a key', pattern: new RegExp(`\\[\\s*${ROLE}\\s*\\]`) },
];

/** Every line of `source` that decides by role, as `line: text (kind)`. */
function roleDecisions(source: string): string[] {
  const found: string[] = [];
  source.split('\n').forEach((line, index) => {
    for (const { name, pattern } of ROLE_DECISIONS) {
      if (pattern.test(line)) found.push(`${index + 1}: ${line.trim()} (${name})`);
    }
  });
  return found;
}

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => path.split('\\').join('/'));
}

describe('the access policy is the single source of role rules', () => {
  it('finds no role comparison in src/ outside src/auth/access-policy.ts', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    const offences = files
      .filter((path) => !ALLOWED_FILES.has(path))
      .flatMap((path) =>
        roleDecisions(readFileSync(join(SRC, path), 'utf8')).map(
          (hit) => `${relative(process.cwd(), join(SRC, path))}:${hit}`,
        ),
      );
    expect(offences).toEqual([]);
  });

  it('recognises each way of deciding by role, and leaves role data alone', () => {
    const injected = [
      "if (request.actor.role !== 'admin') throw forbidden();",
      "const seesAll = 'admin' === actor?.role;",
      'if (role === "user") return;',
      'switch (actor.role) {',
      "if (['admin', 'domain_admin'].includes(me.role)) show();",
      'const rank = RANK[actor.role];',
    ];
    for (const line of injected) expect(roleDecisions(line), line).toHaveLength(1);
    const data = [
      "role: 'admin',",
      'if (filter.role !== undefined) conditions.push(sql);',
      'update.domains ?? (role === current.role ? current.domains : undefined)',
      "description: 'Least role that may release an item held as malware.'",
    ];
    for (const line of data) expect(roleDecisions(line), line).toEqual([]);
  });

  it('holds the policy to its own patterns, so the scan would see a comparison there', () => {
    const policy = readFileSync(join(SRC, 'auth/access-policy.ts'), 'utf8');
    expect(roleDecisions(policy).length).toBeGreaterThan(5);
  });
});
