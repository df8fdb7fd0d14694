import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKENDS } from './backends.js';
import { CONTRACTS, type ContractName } from './contracts.js';

const DIR = new URL('./', import.meta.url);
const contractFiles = readdirSync(DIR)
  .filter((file) => file.endsWith('.contract.ts'))
  .map((file) => file.slice(0, -'.contract.ts'.length))
  .sort();

describe('contract wiring: every contract runs on every backend of BACKENDS, or says why not', () => {
  it('lists every test/contract/*.contract.ts in CONTRACTS, and nothing else', () => {
    expect(Object.keys(CONTRACTS).sort()).toEqual(contractFiles);
  });

  it('runs each contract group from its own test file, through the table', () => {
    const groups = new Set(Object.values(CONTRACTS).map((contract) => contract.group));
    for (const group of groups) {
      const file = new URL(`${group}.test.ts`, DIR);
      expect(existsSync(file), `${group}.test.ts`).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(`runContractGroup('${group}')`);
    }
  });

  it('calls no contract outside the table', () => {
    const runners = readdirSync(DIR).filter((file) => file.endsWith('.test.ts') && file !== 'wiring.test.ts');
    for (const file of runners) {
      const source = readFileSync(new URL(file, DIR), 'utf8');
      expect(source, file).not.toMatch(/Contract\(/);
    }
    const elsewhere = readdirSync(new URL('../', DIR), { recursive: true, encoding: 'utf8' }).filter(
      (file) =>
        file.endsWith('.ts') &&
        !file.startsWith('contract/') &&
        /from '[^']*\.contract\.js'/.test(readFileSync(new URL(`../${file}`, DIR), 'utf8')),
    );
    expect(elsewhere).toEqual([]);
  });

  it.each(BACKENDS.map((backend) => [backend.key, backend] as const))(
    '%s excludes only known contracts, each with a reason',
    (_key, backend) => {
      for (const [name, reason] of Object.entries(backend.excluded)) {
        expect(contractFiles, name).toContain(name);
        expect(reason?.trim().length, `reason for excluding ${name}`).toBeGreaterThan(20);
      }
      for (const variant of backend.variants ?? []) {
        for (const name of variant.contracts) expect(contractFiles).toContain(name as ContractName);
      }
    },
  );

  it('has one row per backend key', () => {
    const keys = BACKENDS.map((backend) => backend.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['sqlite-fs', 'dynamodb-s3']));
  });
});
