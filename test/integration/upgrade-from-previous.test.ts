import { createHash } from 'node:crypto';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { tempDir } from '../support/env.js';
import { runCli, ServeProcess } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';

/** What scripts/upgrade-fixture/generate.mjs wrote beside the data dir. */
interface Manifest {
  messages: { subject: string; bytes: number; sha256: string }[];
  items: { id: string; subject: string; recipient: string; status: 'quarantined' | 'released' | 'deleted' }[];
  token: string;
  users: { email: string; password: string; alias?: string }[];
  jobs: { id: string; action: string; state: string }[];
}

const FIXTURE = fileURLToPath(new URL('../fixtures/upgrade/0.1.0/', import.meta.url));
/** The migration the current release adds to what 0.1.0 wrote (src/store/sqlite/trace-schema.ts). */
const NEW_MIGRATION = 'message-trace';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function migrationsOf(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM schema_migrations ORDER BY name').all() as { name: string }[]).map(
      (row) => row.name,
    );
  } finally {
    db.close();
  }
}

describe('the current serve on a data dir written by the previous release (0.1.0)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let downstream: Downstream;
  let serve: ServeProcess;
  let manifest: Manifest;
  let admin: ApiClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    manifest = JSON.parse(await readFile(join(FIXTURE, 'manifest.json'), 'utf8')) as Manifest;
    work = await tempDir('lazaret-upgrade-');
    await cp(join(FIXTURE, 'data-dir'), join(work.path, 'data'), { recursive: true });
    expect(migrationsOf(join(work.path, 'data', 'lazaret.sqlite'))).not.toContain(NEW_MIGRATION);
    downstream = await new Downstream().start();
    env = {
      LAZARET_DATA_DIR: join(work.path, 'data'),
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      // The fixture's items are older than any retention by the time this runs years later.
      LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: '0',
    };
    serve = await new ServeProcess(env).start();
    admin = ApiClient.bearer(() => serve.baseUrl, manifest.token);
  });

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await work?.cleanup();
  });

  it('lists every item with the status it had, and serves each message with its exact bytes', async () => {
    const listed = await admin.listItems();
    const live = manifest.items.filter((item) => item.status !== 'deleted');
    expect(listed.map((item) => [item.id, item.recipient, item.status]).sort()).toEqual(
      live.map((item) => [item.id, item.recipient, item.status]).sort(),
    );
    for (const item of live) {
      const raw = await admin.request(`/api/quarantine/${item.id}/raw`);
      expect(raw.status, `raw of ${item.id}`).toBe(200);
      const message = manifest.messages.find((each) => each.subject === item.subject)!;
      expect(raw.bytes.length, `size of ${item.subject}`).toBe(message.bytes);
      expect(sha256(raw.bytes), `sha256 of ${item.subject}`).toBe(message.sha256);
    }
    // Both kinds of stored message were read: one inside the database, one a file blob.
    expect(manifest.messages.some((message) => message.bytes > 256 * 1024)).toBe(true);
    expect(manifest.messages.some((message) => message.bytes < 8 * 1024)).toBe(true);
  });

  it('keeps the released item released and the deleted one gone', async () => {
    for (const item of manifest.items.filter((each) => each.status === 'released')) {
      const again = await admin.request(`/api/quarantine/${item.id}/release`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect((again.body as { error: { code: string } }).error.code).toBe('already_released');
    }
    const deleted = manifest.items.filter((each) => each.status === 'deleted');
    expect(deleted).toHaveLength(1);
    const gone = await admin.request(`/api/quarantine/${deleted[0]!.id}`);
    expect(gone.status).toBe(404);
    expect((gone.body as { error: { code: string } }).error.code).toBe('not_found');
    // Nothing released before the upgrade went out again (a digest may: carol's schedule can be due).
    const resent = downstream.deliveries.filter((delivery) =>
      /^Message-ID: <upgrade-/im.test(delivery.raw.toString()),
    );
    expect(resent).toEqual([]);
  });

  it('signs in the user with their password and shows them the mail of their address and alias', async () => {
    const carol = manifest.users.find((user) => user.alias)!;
    const client = await ApiClient.login(() => serve.baseUrl, carol.email, carol.password);
    const recipients = (await client.listItems()).map((item) => item.recipient).sort();
    expect(recipients).toEqual(
      manifest.items
        .filter((item) => [carol.email, carol.alias].includes(item.recipient))
        .map((item) => item.recipient)
        .sort(),
    );
    expect(recipients).toContain(carol.alias);
  });

  it('keeps the audit log, the finished job, the sender list and the digest schedule', async () => {
    const audit = await admin.request('/api/audit?limit=100');
    expect(audit.status).toBe(200);
    const actions = (audit.body as { entries: { action: string; outcome: string }[] }).entries.map(
      (entry) => `${entry.action}:${entry.outcome}`,
    );
    expect(actions).toEqual(expect.arrayContaining(['item.release:ok', 'item.delete:ok']));

    const [job] = manifest.jobs;
    const stored = await admin.request(`/api/quarantine/jobs/${job!.id}`);
    expect(stored.status).toBe(200);
    expect((stored.body as { job: { action: string; state: string } }).job).toMatchObject({
      action: 'release',
      state: 'completed',
    });

    const lists = await admin.request('/api/lists?scope=global');
    expect(lists.status).toBe(200);
    expect(JSON.stringify(lists.body)).toContain('blocked@spam.test');

    const carol = manifest.users.find((user) => user.alias)!;
    const schedule = await runCli(env, ['digest', 'schedule', '--user', carol.email]);
    expect(schedule.stderr).toBe('');
    expect(schedule.code).toBe(0);
    expect(schedule.stdout).toMatch(/daily/);
    expect(schedule.stdout).toMatch(/Europe\/Berlin/);
  });

  it('ingests new mail beside the old, then stops with the new migration applied and backs up', async () => {
    const raw = Buffer.from(
      'From: new@sender.test\r\nTo: dave@corp.test\r\nSubject: after upgrade\r\n' +
        'Message-ID: <after-upgrade@sender.test>\r\n\r\nNew mail on the upgraded store.\r\n',
    );
    const sent = await sendRaw(serve.smtpPort, { from: 'new@sender.test', to: ['dave@corp.test'] }, raw);
    expect(sent.reply).toMatch(/^250/);
    const listed = await admin.listItems();
    const fresh = listed.find((item) => item.subject === 'after upgrade')!;
    expect(fresh.status).toBe('quarantined');
    expect(sha256((await admin.request(`/api/quarantine/${fresh.id}/raw`)).bytes)).toBe(sha256(raw));
    expect(listed).toHaveLength(manifest.items.filter((item) => item.status !== 'deleted').length + 1);

    expect(await serve.stop()).toBe(0);
    expect(migrationsOf(join(work.path, 'data', 'lazaret.sqlite'))).toContain(NEW_MIGRATION);

    const backup = await runCli(env, ['backup', join(work.path, 'backup')]);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const backedUp = Number(/^Backed up (\d+) item\(s\)/.exec(backup.stdout)?.[1]);
    // Every item of the old release (the deleted one's row included) and the new one.
    expect(backedUp).toBe(manifest.items.length + 1);
  });
});
