import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/config-keys.js';

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
const read = (...names: string[]) =>
  names
    .map((name) => join(DOCS, name))
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');

describe('docs of filter mode, scanners and retention', () => {
  it('document every config key they add, with its environment variable', () => {
    const docs = read('configuration.md');
    const keys = CONFIG_KEYS.filter((key) => /^(mode$|filter\.|scanners\.|retention\.)/.test(key.path));
    expect(keys.length).toBeGreaterThan(30);
    for (const key of keys) {
      expect(docs, key.path).toContain(`\`${key.path}\``);
      expect(docs, key.env).toContain(`\`${key.env}\``);
    }
  });

  it('document every error code they add', () => {
    const docs = read('errors.md');
    for (const code of ['scanner_unavailable', 'relay_deferred', 'relay_rejected'])
      expect(docs).toContain(`\`${code}\``);
  });

  it('give the Postfix lines the test instance uses', () => {
    const postfix = read('postfix.md');
    const helper = readFileSync(join(import.meta.dirname, '..', 'helpers', 'postfix.ts'), 'utf8');
    for (const option of [...helper.matchAll(/'\s+-o ([a-z_]+=[^']*)'/g)].map((match) => match[1]!)) {
      // Either as a service option in master.cf or as the same setting in main.cf.
      const [name, value] = option.split('=') as [string, string];
      const inDocs = postfix.includes(`-o ${option}`) || postfix.includes(`${name} = ${value}`);
      expect(inDocs, option).toBe(true);
    }
  });
});
