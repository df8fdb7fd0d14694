import { createHash } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/store/open-stores.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { tempDir, testConfig } from '../support/env.js';
import { runCli } from '../support/serve-process.js';

/** Every file and folder below `root` with its permission bits. */
async function modes(root: string): Promise<{ path: string; mode: number; dir: boolean }[]> {
  const found: { path: string; mode: number; dir: boolean }[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found.push({ path, mode: (await stat(path)).mode & 0o777, dir: entry.isDirectory() });
  }
  return found;
}

describe('lazaret backup and restore: the files they write, and the folders they cannot write', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  const umask = process.umask(0o022);

  beforeAll(async () => {
    work = await tempDir('lazaret-backup-files-');
    env = { LAZARET_DATA_DIR: join(work.path, 'data'), LAZARET_BLOBS_INLINE_MAX_BYTES: '64' };
    const stores = await openStores(testConfig(env));
    try {
      // One raw message inside the database, one as a file.
      for (const text of ['short', 'a longer message that is stored as a file of its own'.repeat(4)]) {
        const body = Buffer.from(`Subject: ${text.slice(0, 20)}\r\n\r\n${text}\r\n`);
        const message = buildMessage({
          size: body.length,
          sha256: createHash('sha256').update(body).digest('hex'),
        });
        await stores.blobs.put(message.blobKey, body);
        await stores.items.putMessage(message, buildItems(message));
      }
    } finally {
      await stores.close();
    }
  });

  afterAll(async () => {
    process.umask(umask);
    await work?.cleanup();
  });

  it('keeps the backup and the restored store readable by their owner only, whatever the umask', async () => {
    const backupDir = join(work.path, 'backup');
    const backup = await runCli(env, ['backup', backupDir]);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/\(1 message file\(s\)\)/);
    expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
    const backedUp = await modes(backupDir);
    expect(backedUp.map((entry) => entry.path)).toEqual(
      expect.arrayContaining([join(backupDir, 'lazaret.sqlite'), join(backupDir, 'lazaret-backup.json')]),
    );
    expect(backedUp.some((entry) => entry.path.endsWith('.eml'))).toBe(true);
    for (const entry of backedUp) expect(entry.mode, entry.path).toBe(entry.dir ? 0o700 : 0o600);

    const restoredDir = join(work.path, 'restored');
    const restore = await runCli({ ...env, LAZARET_DATA_DIR: restoredDir }, ['restore', backupDir]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect((await stat(restoredDir)).mode & 0o777).toBe(0o700);
    const restored = await modes(restoredDir);
    expect(restored.some((entry) => entry.path.endsWith('.eml'))).toBe(true);
    for (const entry of restored) expect(entry.mode, entry.path).toBe(entry.dir ? 0o700 : 0o600);
  });

  it('answers a folder it cannot create or read with one line naming it, not a stack trace', async () => {
    const file = join(work.path, 'a-file');
    await writeFile(file, 'not a folder');
    const backupDir = join(work.path, 'backup');
    const cases = [
      { env, args: ['backup', join(file, 'backup')], path: join(file, 'backup') },
      { env: { ...env, LAZARET_DATA_DIR: join(file, 'data') }, args: ['restore', backupDir], path: file },
      { env: { ...env, LAZARET_DATA_DIR: join(work.path, 'x') }, args: ['restore', file], path: file },
    ];
    for (const each of cases) {
      const result = await runCli(each.env, each.args);
      expect(result.code, each.args.join(' ')).toBe(1);
      expect(result.stderr, each.args.join(' ')).toMatch(
        new RegExp(`^lazaret: [^\\n]*${each.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*\\n$`),
      );
    }
  });
});
