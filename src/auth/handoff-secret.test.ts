import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testConfig } from '../../test/support/env.js';
import { carriesHandoffSecret, loadHandoffSecret } from './handoff-secret.js';

const SECRET = 'unit-handoff-secret-0123456789';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the rspamd hand-off secret', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.cleanup());

  it('is off without secret or file, and read from the file (trailing newline dropped) before the value', async () => {
    expect(loadHandoffSecret(testConfig({}))).toBeUndefined();
    expect(loadHandoffSecret(testConfig({ LAZARET_HANDOFF_RSPAMD_SECRET: SECRET }))).toBe(SECRET);
    const file = join(dir.path, 'secret');
    await writeFile(file, `${SECRET}-file\n`);
    expect(
      loadHandoffSecret(
        testConfig({ LAZARET_HANDOFF_RSPAMD_SECRET: SECRET, LAZARET_HANDOFF_RSPAMD_SECRET_FILE: file }),
      ),
    ).toBe(`${SECRET}-file`);
  });

  it('refuses a short secret, in the config or in the file, and a file it cannot read', async () => {
    expect(() => testConfig({ LAZARET_HANDOFF_RSPAMD_SECRET: 'short' })).toThrow(
      /handoff\.rspamd\.secret .*at least 16/,
    );
    const file = join(dir.path, 'short');
    await writeFile(file, 'short\n');
    expect(() => loadHandoffSecret(testConfig({ LAZARET_HANDOFF_RSPAMD_SECRET_FILE: file }))).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
    expect(() =>
      loadHandoffSecret(testConfig({ LAZARET_HANDOFF_RSPAMD_SECRET_FILE: join(dir.path, 'missing') })),
    ).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });

  it('is carried as the Basic password (any user) or as a Bearer token, nothing else', () => {
    expect(carriesHandoffSecret(basic('rspamd', SECRET), SECRET)).toBe(true);
    expect(carriesHandoffSecret(basic('', SECRET), SECRET)).toBe(true);
    expect(carriesHandoffSecret(`Bearer ${SECRET}`, SECRET)).toBe(true);
    expect(carriesHandoffSecret(undefined, SECRET)).toBe(false);
    expect(carriesHandoffSecret(basic(SECRET, 'x'), SECRET)).toBe(false);
    expect(carriesHandoffSecret(basic('rspamd', `${SECRET}x`), SECRET)).toBe(false);
    expect(carriesHandoffSecret(`Basic ${Buffer.from(SECRET).toString('base64')}`, SECRET)).toBe(false);
    expect(carriesHandoffSecret(`Token ${SECRET}`, SECRET)).toBe(false);
    expect(carriesHandoffSecret('Basic !!!', SECRET)).toBe(false);
  });
});
