import { readdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { sendExact, sendRaw } from '../support/smtp-client.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const MB = 1024 * 1024;
const ADMIN = { email: 'admin@disk.test', password: 'disk-full-admin-password' };
const RESERVE_MB = 4;
const mount = await mountTmpfs('disk full on a real tmpfs', 32);

async function available(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

async function metric(server: RunningServer, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.httpAddress.port}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

describe.skipIf(mount === null)('disk full as a normal condition (data dir on a 32 MB tmpfs)', () => {
  const fs = mount as Tmpfs;
  const filler = join(fs.path, 'filler');
  let server: RunningServer;
  let admin: ApiClient;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;
  const send = (raw: Buffer) =>
    sendRaw(server.smtpAddress.port, { from: 'a@example.org', to: ['held@example.test'] }, raw);
  /** Leaves `bytes` free on the tmpfs by growing the filler file. */
  const leaveFree = async (bytes: number) => {
    await unlink(filler).catch(() => undefined);
    await writeFile(filler, Buffer.alloc(Math.max(0, (await available(fs.path)) - bytes)));
  };
  const accepted: { raw: Buffer; id: string }[] = [];

  beforeAll(async () => {
    server = await startServer(
      testConfig({
        LAZARET_DATA_DIR: fs.path,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
        LAZARET_STORE_MIN_FREE_MB: RESERVE_MB,
        LAZARET_BLOBS_INLINE_MAX_BYTES: 64 * 1024,
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
      }),
      createLogger('silent'),
    );
    admin = await ApiClient.login(base, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await server?.close();
    await fs?.cleanup();
  });

  const accept = async (subject: string, body = 'hello\r\n') => {
    const raw = message({ subject, body });
    const outcome = await send(raw);
    expect(outcome).toMatchObject({ ok: true, code: 250 });
    accepted.push({ raw, id: /Held as ([0-9A-Z]{26})/.exec(outcome.reply)![1]! });
  };

  it('accepts mail while there is room, and reports the free space', async () => {
    await accept('before');
    await accept('large before', `${'x'.repeat(78)}\r\n`.repeat(2600));
    expect(await metric(server, /^lazaret_data_dir_free_bytes (\d+)/m)).toBeGreaterThan(RESERVE_MB * MB);
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
  });

  it('below the reserve: 452 4.3.1 at MAIL FROM, /readyz fails, the refusal is counted; reads and deletes still work', async () => {
    await leaveFree(2 * MB);
    const outcome = await send(message({ subject: 'refused below reserve' }));
    expect(outcome.ok).toBe(false);
    expect(outcome.code).toBe(452);
    expect(outcome.reply).toMatch(/^452 (4\.3\.1 )?Insufficient system storage/);
    expect(await metric(server, /^lazaret_storage_refusals_total\{reason="reserve"\} (\d+)/m)).toBe(1);
    expect(await metric(server, /^lazaret_data_dir_free_bytes (\d+)/m)).toBeLessThan(RESERVE_MB * MB);

    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(507);
    expect(await ready.json()).toMatchObject({ error: { code: 'insufficient_storage' } });

    // What is stored stays readable byte for byte, and the reserve is there for a delete to use.
    const items = (await server.context.items.listItems({}, { limit: 10 })).items;
    for (const { raw, id } of accepted) {
      const item = items.find((each) => each.messageId === id)!;
      const answer = await admin.request(`/api/quarantine/${item.id}/raw`);
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(raw)).toBe(true);
    }
    const first = items.find((each) => each.messageId === accepted[0]!.id)!;
    const deleted = await admin.request(`/api/quarantine/${first.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    accepted.shift();
  });

  it('a message bigger than the space left: the write fails, 452 4.3.1, nothing of it kept', async () => {
    await leaveFree(RESERVE_MB * MB + MB);
    // No SIZE announced (a hand-driven session), so the MAIL FROM check passes and the write finds the disk full.
    const big = Buffer.from(
      `From: a@example.org\r\nTo: held@example.test\r\nSubject: too big for the disk\r\n\r\n${`${'z'.repeat(998)}\r\n`.repeat(7000)}`,
    );
    const outcome = await sendExact(
      server.smtpAddress.port,
      { from: 'a@example.org', to: ['held@example.test'] },
      big,
    );
    expect(outcome.code).toBe(452);
    expect(outcome.reply).toMatch(/^452 (4\.3\.1 )?Insufficient system storage/);
    expect(await metric(server, /^lazaret_storage_refusals_total\{reason="full"\} (\d+)/m)).toBe(1);
    expect(
      (await server.context.items.listItems({ subject: 'too big for the disk' }, { limit: 5 })).items,
    ).toEqual([]);
    expect(await readdir(join(fs.path, 'blobs', 'tmp'))).toEqual([]);
  });

  it('accepts again without a restart once space returns; every acknowledged message is intact', async () => {
    await unlink(filler);
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
    await accept('after');
    const items = (await server.context.items.listItems({}, { limit: 10 })).items;
    expect(items).toHaveLength(accepted.length);
    for (const { raw, id } of accepted) {
      const stored = Buffer.concat(await (await server.context.blobs.get(id)).toArray());
      expect(stored.equals(raw)).toBe(true);
    }
    const db = new Database(join(fs.path, 'lazaret.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
