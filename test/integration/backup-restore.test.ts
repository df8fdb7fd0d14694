import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { tempDir } from '../support/env.js';
import { runCli, ServeProcess } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';

const ADMIN = { email: 'admin@corp.test', password: 'backup-admin-password' };
const MESSAGES = 60;

/** A message whose subject names it and whose size ranges from inline (under 8 KiB) to file blobs. */
function mail(index: number): Buffer {
  const filler = `${'x'.repeat(75)}\r\n`.repeat(Math.floor((index % 6) * 40 + 1) * (index % 2 === 0 ? 1 : 5));
  return Buffer.from(
    `From: sender${index}@sender.test\r\nTo: rcpt${index}@corp.test\r\nSubject: backup ${index}\r\n` +
      `Message-ID: <backup-${index}@sender.test>\r\n\r\nBody of ${index}\r\n${filler}`,
  );
}

describe('lazaret backup while serve ingests and releases, then lazaret restore into a new data dir', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let downstream: Downstream;
  let serve: ServeProcess;
  let admin: ApiClient;
  let env: Record<string, string>;
  const sent = new Map<string, Buffer>();

  // The default statuses: quarantined, release_requested, releasing, released (a backup taken during a
  // release holds that item as releasing).
  const listAll = (client: ApiClient) => client.listItems();

  beforeAll(async () => {
    work = await tempDir('lazaret-backup-');
    downstream = await new Downstream().start();
    env = {
      LAZARET_DATA_DIR: join(work.path, 'data'),
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
      LAZARET_BLOBS_INLINE_MAX_BYTES: String(8 * 1024),
    };
    serve = await new ServeProcess(env).start();
    admin = await ApiClient.login(() => serve.baseUrl, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await work?.cleanup();
  });

  it('backs up a consistent store during traffic; the restored store serves every item with its exact bytes', async () => {
    const released = new Set<string>();
    let sending = true;
    const traffic = (async () => {
      for (let index = 0; index < MESSAGES; index += 1) {
        const raw = mail(index);
        sent.set(`backup ${index}`, raw);
        const outcome = await sendRaw(
          serve.smtpPort,
          { from: `sender${index}@sender.test`, to: [`rcpt${index}@corp.test`] },
          raw,
        );
        expect(outcome.reply).toMatch(/^250/);
        if (index % 3 === 0) {
          const [item] = (await listAll(admin)).filter((each) => each.subject === `backup ${index}`);
          const release = await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' });
          expect(release.status).toBe(200);
          released.add(`backup ${index}`);
        }
      }
      sending = false;
    })();

    // Start the backup once traffic is under way, so ingest and releases run during it.
    while ((await listAll(admin)).length < 10) await new Promise((resolve) => setImmediate(resolve));
    const backupDir = join(work.path, 'backup');
    const backup = await runCli(env, ['backup', backupDir]);
    const stillSending = sending;
    await traffic;
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backed up \d+ item\(s\)/);
    // The backup really overlapped the traffic: more mail arrived after it.
    expect(stillSending).toBe(true);

    const restoredEnv = { ...env, LAZARET_DATA_DIR: join(work.path, 'restored') };
    const restore = await runCli(restoredEnv, ['restore', backupDir]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(/^Restored \d+ item\(s\)/);
    // The digest link-signing key comes along, so links in digests already sent still work.
    const linkKey = await readFile(join(env.LAZARET_DATA_DIR!, 'link-signing.key'), 'utf8');
    expect(await readFile(join(restoredEnv.LAZARET_DATA_DIR, 'link-signing.key'), 'utf8')).toBe(linkKey);
    // So does the key of the TOTP secrets, without which no second factor could be checked.
    const totpKey = await readFile(join(env.LAZARET_DATA_DIR!, 'totp-secret.key'), 'utf8');
    expect(await readFile(join(restoredEnv.LAZARET_DATA_DIR, 'totp-secret.key'), 'utf8')).toBe(totpKey);

    const restored = await new ServeProcess(restoredEnv).start();
    try {
      const client = await ApiClient.login(() => restored.baseUrl, ADMIN.email, ADMIN.password);
      const items = await listAll(client);
      const backedUp = Number(/^Backed up (\d+)/.exec(backup.stdout)![1]);
      expect(items).toHaveLength(backedUp);
      expect(items.length).toBeGreaterThanOrEqual(10);
      expect(items.length).toBeLessThan(MESSAGES);
      for (const item of items) {
        const raw = await client.request(`/api/quarantine/${item.id}/raw`);
        expect(raw.status, `raw of ${item.subject}`).toBe(200);
        expect(Buffer.compare(raw.bytes, sent.get(item.subject!)!), `bytes of ${item.subject}`).toBe(0);
        if (item.status === 'released') expect(released.has(item.subject!)).toBe(true);
      }
      // Both kinds of raw message were in the backup: inside the database and as files.
      expect(items.some((item) => sent.get(item.subject!)!.length > 8 * 1024)).toBe(true);
      expect(items.some((item) => sent.get(item.subject!)!.length <= 8 * 1024)).toBe(true);
    } finally {
      await restored.stop();
    }
  });

  it('refuses a non-empty backup folder, a restore over an existing store and a folder that is no backup', async () => {
    const full = join(work.path, 'full');
    await rm(full, { recursive: true, force: true });
    await writeFile(join(work.path, 'marker'), 'x');
    const notEmpty = await runCli(env, ['backup', work.path]);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toBe(`lazaret: Backup folder ${work.path} is not empty\n`);

    const over = await runCli(env, ['restore', join(work.path, 'backup')]);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe(
      `lazaret: ${env.LAZARET_DATA_DIR} already holds a store; restore into an empty data dir\n`,
    );

    const fresh = { ...env, LAZARET_DATA_DIR: join(work.path, 'fresh') };
    const noBackup = await runCli(fresh, ['restore', join(work.path, 'data')]);
    expect(noBackup.code).toBe(1);
    expect(noBackup.stderr).toMatch(/is not a Lazaret backup/);
    await expect(readdir(join(work.path, 'fresh'))).rejects.toThrow(/ENOENT/);

    const dynamo = await runCli({ ...fresh, LAZARET_STORE: 'dynamodb' }, ['backup', full]);
    expect(dynamo.code).toBe(2);
    expect(dynamo.stderr).toMatch(/point-in-time recovery/);
  });

  it('refuses to restore a backup whose raw message was changed', async () => {
    const backupDir = join(work.path, 'backup');
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
        else if (entry.name.endsWith('.eml')) files.push(join(dir, entry.name));
      }
    };
    await walk(join(backupDir, 'blobs'));
    expect(files.length).toBeGreaterThan(0);
    await writeFile(files[0]!, 'tampered');
    const target = { ...env, LAZARET_DATA_DIR: join(work.path, 'tampered') };
    const restore = await runCli(target, ['restore', backupDir]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/does not match its checksum/);
    await expect(readdir(join(work.path, 'tampered'))).rejects.toThrow(/ENOENT/);
  });
});
