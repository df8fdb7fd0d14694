import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { isLazaretError } from '../../src/core/errors.js';
import { LINK_KEY_FILE, loadLinkSecrets } from '../../src/digest/link-keys.js';
import { folderForThisTest } from '../support/temp-folders.js';

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ env });
  } catch (error) {
    if (isLazaretError(error, 'config_invalid')) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('digest, link and learning configuration', () => {
  it('has safe defaults: no digests until someone chooses them, no learning', () => {
    const config = loadConfig({ env: {} });
    expect(config.digest).toMatchObject({
      enabled: true,
      frequency: 'never',
      hour: 8,
      timeZone: 'UTC',
      maxItems: 50,
    });
    expect(config.links).toEqual({ ttlHours: 72 });
    expect(config.learning.backend).toBe('none');
    expect(config.http.publicUrl).toBeUndefined();
  });

  it.each([
    [{ LAZARET_DIGEST_TIME_ZONE: 'Mars/Olympus' }, 'digest.timeZone', 'unknown time zone'],
    [{ LAZARET_LINK_KEYS: 'short' }, 'links.keys', 'at least 32 characters'],
    [{ LAZARET_LINK_KEYS: `${'k'.repeat(40)},` }, 'links.keys', 'no key may be empty'],
    [{ LAZARET_PUBLIC_URL: 'quarantine.example.com' }, 'http.publicUrl', 'http:// or https://'],
    [{ LAZARET_DIGEST_FROM: 'Lazaret <x@y>' }, 'digest.from', 'plain address'],
    [{ LAZARET_LEARNING_RSPAMD_URL: 'ftp://x' }, 'learning.rspamdUrl', 'http:// or https://'],
    [{ LAZARET_DIGEST_FREQUENCY: 'monthly' }, 'digest.frequency', 'one of never, hourly, daily, weekly'],
    [{ LAZARET_DIGEST_HOUR: '24' }, 'digest.hour', 'between 0 and 23'],
    [{ LAZARET_LEARNING_BACKEND: 'bogofilter' }, 'learning.backend', 'one of none, rspamd, spamassassin'],
  ])('refuses %j naming %s', (env, key, text) => {
    const message = problem(env);
    expect(message).toContain(key);
    expect(message).toContain(text);
  });

  it('accepts well-formed values', () => {
    const config = loadConfig({
      env: {
        LAZARET_DIGEST_TIME_ZONE: 'Europe/Berlin',
        LAZARET_LINK_KEYS: `${'a'.repeat(32)}, ${'b'.repeat(40)}`,
        LAZARET_PUBLIC_URL: 'https://quarantine.example.com',
      },
    });
    expect(config.digest.timeZone).toBe('Europe/Berlin');
    expect(loadLinkSecrets(config)).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
  });

  it('generates one link key into the data folder, readable only by its owner, and keeps it', async () => {
    const dataDir = await folderForThisTest('lazaret-keys-');
    const config = loadConfig({ env: { LAZARET_DATA_DIR: dataDir } });
    const first = loadLinkSecrets(config);
    expect(first).toHaveLength(1);
    expect(first[0]!.length).toBeGreaterThanOrEqual(64);
    expect(loadLinkSecrets(config)).toEqual(first);
    expect(((await stat(join(dataDir, LINK_KEY_FILE))).mode & 0o777).toString(8)).toBe('600');
    expect((await readFile(join(dataDir, LINK_KEY_FILE), 'utf8')).trim()).toBe(first[0]);
  });
});
