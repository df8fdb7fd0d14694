import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/config-keys.js';
import { guideBlock } from '../support/postfix.js';

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

  it('give the main.cf and master.cf blocks that the Postfix test instance runs as written', async () => {
    const helper = readFileSync(join(import.meta.dirname, '..', 'support', 'postfix.ts'), 'utf8');
    expect(helper).toContain("guideBlock('main.cf')");
    expect(helper).toContain("guideBlock('master.cf')");
    const mainCf = await guideBlock('main.cf');
    const masterCf = await guideBlock('master.cf');
    expect(mainCf).toMatch(/^content_filter = lazaret:\[127\.0\.0\.1\]:10025$/m);
    expect(mainCf).toMatch(/^message_size_limit = \d+$/m);
    expect(masterCf).toMatch(
      /^127\.0\.0\.1:10026 inet .* smtpd\n(?: {2}-o .*\n)* {2}-o message_size_limit=0$/m,
    );
    expect(masterCf).toMatch(/^ {2}-o cleanup_service_name=lazaret_cleanup$/m);
    expect(masterCf).toMatch(/^lazaret_cleanup unix .* cleanup\n {2}-o message_size_limit=0$/m);
  });

  it('keep Lazaret’s default size limit above the guide’s message_size_limit', async () => {
    const limit = Number(/^message_size_limit = (\d+)$/m.exec(await guideBlock('main.cf'))?.[1]);
    const lazaret = CONFIG_KEYS.find((key) => key.path === 'smtp.maxMessageSize')!.default as number;
    expect(lazaret - limit).toBeGreaterThan(64 * 1024);
    // Postfix's default mailbox_size_limit and virtual_mailbox_limit, which the guide leaves alone.
    expect(51_200_000 - limit).toBeGreaterThan(64 * 1024);
  });
});
