import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { postgresConnectionOptions } from '../../src/store/open-stores.js';

const DOCS = readFileSync(new URL('../../docs/postgresql.md', import.meta.url), 'utf8');

/** The fenced block between `<!-- snippet:name:start -->` and its end marker. */
function snippet(name: string): string {
  const start = DOCS.indexOf(`<!-- snippet:${name}:start -->`);
  const end = DOCS.indexOf(`<!-- snippet:${name}:end -->`);
  expect(start, `docs/postgresql.md has snippet ${name}`).toBeGreaterThan(-1);
  const block = DOCS.slice(start, end);
  return block
    .slice(block.indexOf('\n```') + 1)
    .replace(/^```\w*\n/, '')
    .replace(/```\s*$/, '');
}

/** The variables an `export A=1 \ B=2` line of the shell snippet sets. */
function exported(shell: string): Record<string, string> {
  const exportLine = shell.slice(shell.indexOf('export '), shell.indexOf('\nlazaret ')).replace(/\\\n/g, ' ');
  return Object.fromEntries(
    [...exportLine.matchAll(/(LAZARET_\w+)=(\S+)/g)].map((match) => [match[1]!, match[2]!]),
  );
}

describe('docs/postgresql.md and the README', () => {
  it("the README's PostgreSQL snippet loads", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Several nodes: PostgreSQL + S3'));
    const shell = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    const config = loadConfig({ env: exported(shell) });
    expect(config.store.backend).toBe('postgres');
    expect(config.postgres.passwordFile).toBe('/run/secrets/lazaret-db');
    expect(config.blobs.backend).toBe('s3');
  });

  it('its environment and config-file snippets load, and say the same', async () => {
    const env = exported(snippet('env'));
    expect(Object.keys(env)).toContain('LAZARET_POSTGRES_URL');
    const fromEnv = loadConfig({ env });
    const dir = await mkdtemp(join(tmpdir(), 'lazaret-pg-docs-'));
    try {
      const file = join(dir, 'lazaret.json');
      await writeFile(file, snippet('json'));
      const fromFile = loadConfig({ file, env: {} });
      for (const section of ['store', 'postgres', 'blobs', 's3'] as const) {
        expect(fromFile[section], section).toEqual(fromEnv[section]);
      }
      expect(postgresConnectionOptions(fromFile)).toMatchObject({
        url: 'postgres://lazaret@db.example.net:5432/lazaret',
        passwordFile: '/run/secrets/lazaret-db',
        tls: { mode: 'verify-full', caFile: '/etc/lazaret/db-ca.pem' },
        poolSize: 10,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
