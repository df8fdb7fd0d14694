import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { runCli } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const mount = await mountTmpfs('backup to a full target', 1);

describe.skipIf(mount === null)('lazaret backup into a folder on a full file system (1 MB tmpfs)', () => {
  const target = mount as Tmpfs;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let server: RunningServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await tempDir('lazaret-backup-full-');
    env = { LAZARET_DATA_DIR: join(work.path, 'data'), LAZARET_BLOBS_INLINE_MAX_BYTES: '0' };
    server = await startServer(
      testConfig({
        ...env,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
      }),
      createLogger('silent'),
    );
    // About 2.4 MB of raw messages as files: more than the target holds.
    for (let index = 0; index < 4; index += 1) {
      const body = `${'z'.repeat(998)}\r\n`.repeat(600);
      const sent = await sendRaw(
        server.smtpAddress.port,
        { from: 'a@example.org', to: [`r${index}@example.test`] },
        message({ subject: `big ${index}`, body }),
      );
      expect(sent.ok, sent.reply).toBe(true);
    }
  });

  afterAll(async () => {
    await server?.close();
    await target.cleanup();
    await work?.cleanup();
  });

  it('fails with a clear message and exit code 1, leaves nothing that looks like a backup, and serve keeps working', async () => {
    const folder = join(target.path, 'backup');
    const result = await runCli(env, ['backup', folder]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lazaret: Storage is full during backup: /m);
    expect(result.stdout).toBe('');
    // Neither a database nor a manifest nor half-copied messages: restore could not take it for a backup.
    expect(await readdir(folder)).toEqual([]);
    const restore = await runCli({ LAZARET_DATA_DIR: join(work.path, 'restored') }, ['restore', folder]);
    expect(restore.code).not.toBe(0);

    // The live store is untouched and still takes mail.
    const after = await sendRaw(
      server.smtpAddress.port,
      { from: 'a@example.org', to: ['after@example.test'] },
      message({ subject: 'after the failed backup' }),
    );
    expect(after.ok, after.reply).toBe(true);
    const ok = await runCli(env, ['backup', join(work.path, 'roomy')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Backed up 5 item(s) of 5 message(s)');
  });
});
