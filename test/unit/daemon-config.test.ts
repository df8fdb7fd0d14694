import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/config-keys.js';
import { type Config, loadConfig } from '../../src/config/load-config.js';
import { REDACTED, redactConfig } from '../../src/config/redact-config.js';
import { isLazaretError, type LazaretError } from '../../src/core/errors.js';
import { folderForThisTest } from '../support/temp-folders.js';

function load(env: Record<string, string>, file?: string): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  const config = loadConfig({ env, file, warn: (message) => warnings.push(message) });
  return { config, warnings };
}

function refusal(env: Record<string, string>, file?: string): LazaretError {
  try {
    loadConfig({ env, file });
  } catch (error) {
    if (isLazaretError(error, 'config_invalid')) return error;
    throw error;
  }
  throw new Error('expected config_invalid');
}

async function configFile(content: unknown): Promise<string> {
  const path = join(await folderForThisTest('lazaret-daemons-'), 'lazaret.json');
  await writeFile(path, JSON.stringify(content));
  return path;
}

const OLD_SPELLINGS = {
  LAZARET_LEARNING_SPAMD_HOST: 'spamd.internal',
  LAZARET_LEARNING_SPAMD_PORT: '7830',
  LAZARET_LEARNING_SPAMD_USER: 'bayes',
  LAZARET_LEARNING_RSPAMD_URL: 'http://rspamd.internal:11334',
  LAZARET_LEARNING_RSPAMD_PASSWORD: 'enable-secret',
};

describe('one set of config keys per daemon', () => {
  it('configures spamd and rspamd once, for scanning and learning alike, with no warning', () => {
    const { config, warnings } = load({
      LAZARET_LEARNING_BACKEND: 'spamassassin',
      LAZARET_SCANNERS_SPAMASSASSIN_HOST: 'spamd.internal',
      LAZARET_SCANNERS_SPAMASSASSIN_PORT: '7830',
      LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL: 'http://rspamd.internal:11334',
    });
    expect(config.scanners.spamassassin).toMatchObject({ host: 'spamd.internal', port: 7830 });
    expect(config.scanners.rspamd).toMatchObject({
      url: 'http://127.0.0.1:11333',
      controllerUrl: 'http://rspamd.internal:11334',
    });
    expect(Object.keys(config.learning).sort()).toEqual([
      'backend',
      'maxAttempts',
      'pollSeconds',
      'retryBaseSeconds',
      'timeoutMs',
    ]);
    expect(warnings).toEqual([]);
  });

  it('defaults the rspamd controller to port 11334 and the normal worker to 11333', () => {
    const { config } = load({});
    expect(config.scanners.rspamd.url).toBe('http://127.0.0.1:11333');
    expect(config.scanners.rspamd.controllerUrl).toBe('http://127.0.0.1:11334');
    expect(config.scanners.spamassassin).toMatchObject({ host: '127.0.0.1', port: 783 });
  });

  it('still reads the deprecated learning.* variables, each with a warning naming its replacement', () => {
    const { config, warnings } = load(OLD_SPELLINGS);
    expect(config.scanners.spamassassin).toMatchObject({ host: 'spamd.internal', port: 7830, user: 'bayes' });
    expect(config.scanners.rspamd).toMatchObject({
      controllerUrl: 'http://rspamd.internal:11334',
      password: 'enable-secret',
    });
    expect(warnings).toEqual([
      'learning.rspamdUrl (env LAZARET_LEARNING_RSPAMD_URL) is deprecated: use scanners.rspamd.controllerUrl (LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL) instead',
      'learning.rspamdPassword (env LAZARET_LEARNING_RSPAMD_PASSWORD) is deprecated: use scanners.rspamd.password (LAZARET_SCANNERS_RSPAMD_PASSWORD) instead',
      'learning.spamdHost (env LAZARET_LEARNING_SPAMD_HOST) is deprecated: use scanners.spamassassin.host (LAZARET_SCANNERS_SPAMASSASSIN_HOST) instead',
      'learning.spamdPort (env LAZARET_LEARNING_SPAMD_PORT) is deprecated: use scanners.spamassassin.port (LAZARET_SCANNERS_SPAMASSASSIN_PORT) instead',
      'learning.spamdUser (env LAZARET_LEARNING_SPAMD_USER) is deprecated: use scanners.spamassassin.user (LAZARET_SCANNERS_SPAMASSASSIN_USER) instead',
    ]);
    expect(redactConfig(config)).toMatchObject({ scanners: { rspamd: { password: REDACTED } } });
  });

  it('still reads the deprecated learning.* keys in the config file', async () => {
    const file = await configFile({
      learning: { backend: 'spamassassin', spamdHost: 'spamd.internal', spamdPort: 7830 },
    });
    const { config, warnings } = load({}, file);
    expect(config.learning.backend).toBe('spamassassin');
    expect(config.scanners.spamassassin).toMatchObject({ host: 'spamd.internal', port: 7830 });
    expect(warnings).toEqual([
      `learning.spamdHost (file ${file}) is deprecated: use scanners.spamassassin.host (LAZARET_SCANNERS_SPAMASSASSIN_HOST) instead`,
      `learning.spamdPort (file ${file}) is deprecated: use scanners.spamassassin.port (LAZARET_SCANNERS_SPAMASSASSIN_PORT) instead`,
    ]);
  });

  it('accepts both spellings set to the same value (still warning)', async () => {
    const file = await configFile({ scanners: { spamassassin: { port: 7830 } } });
    const { config, warnings } = load({ LAZARET_LEARNING_SPAMD_PORT: '7830' }, file);
    expect(config.scanners.spamassassin.port).toBe(7830);
    expect(warnings).toHaveLength(1);
  });

  it('refuses both spellings set to different values, naming both', async () => {
    const conflict = refusal({
      LAZARET_SCANNERS_SPAMASSASSIN_PORT: '783',
      LAZARET_LEARNING_SPAMD_PORT: '7830',
    });
    expect(conflict.message).toBe(
      'Invalid configuration scanners.spamassassin.port (env LAZARET_SCANNERS_SPAMASSASSIN_PORT): its deprecated alias learning.spamdPort (env LAZARET_LEARNING_SPAMD_PORT) is set too, to another value (783 and 7830); remove learning.spamdPort',
    );
    expect(conflict.details).toMatchObject({ key: 'scanners.spamassassin.port' });
    // The file and the environment are compared too; a secret's values are not repeated.
    const file = await configFile({ scanners: { rspamd: { password: 'one-secret' } } });
    const secret = refusal({ LAZARET_LEARNING_RSPAMD_PASSWORD: 'other-secret' }, file);
    expect(secret.message).toContain('learning.rspamdPassword (env LAZARET_LEARNING_RSPAMD_PASSWORD)');
    expect(secret.message).toContain('they differ');
    expect(secret.message).not.toContain('one-secret');
    expect(secret.message).not.toContain('other-secret');
  });

  it('names the spelling that was used when its value is bad', () => {
    expect(refusal({ LAZARET_LEARNING_SPAMD_PORT: 'x' }).message).toBe(
      'Invalid configuration learning.spamdPort (env LAZARET_LEARNING_SPAMD_PORT): expected a whole number, got "x"',
    );
    // The normal worker's address is checked the same way: a value that could never be reached stops start-up.
    expect(refusal({ LAZARET_SCANNERS_RSPAMD_URL: 'rspamd:11333' }).message).toBe(
      'Invalid configuration scanners.rspamd.url (env LAZARET_SCANNERS_RSPAMD_URL): expected an http:// or https:// address, got "rspamd:11333"',
    );
    expect(refusal({ LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL: 'ftp://x' }).message).toBe(
      'Invalid configuration scanners.rspamd.controllerUrl (env LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL): expected an http:// or https:// address, got "ftp://x"',
    );
  });

  it('knows no daemon key twice: every deprecated spelling is an alias, not a key of its own', () => {
    const paths = new Set(CONFIG_KEYS.map((key) => key.path));
    const envs = new Set(CONFIG_KEYS.map((key) => key.env));
    for (const key of CONFIG_KEYS.filter((each) => each.alias)) {
      expect(paths.has(key.alias!.path), key.alias!.path).toBe(false);
      expect(envs.has(key.alias!.env), key.alias!.env).toBe(false);
    }
    expect(
      CONFIG_KEYS.filter((key) => /spamd|rspamd/i.test(key.path) && key.path.startsWith('learning.')),
    ).toEqual([]);
  });

  it('loads every JSON example in docs/configuration.md as written', async () => {
    const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const examples = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const { config, warnings } = load({}, await configFile(JSON.parse(example)));
      expect(config.mode).toBeDefined();
      expect(warnings).toEqual([]);
    }
  });
});
