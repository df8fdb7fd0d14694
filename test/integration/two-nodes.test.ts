import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_SERVE_BACKENDS } from '../contract/backends.js';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';
import type { StorageSetup } from '../support/storage-backends.js';

interface ListedItem {
  id: string;
  messageId: string;
  recipient: string;
  status: string;
}

const ADMIN = { email: 'admin@corp.test', password: 'two-nodes-admin-password' };

describe.each(SHARED_SERVE_BACKENDS)('two serve processes over one $name share the quarantine', (backend) => {
  let dataDirs: string[];
  let storage: StorageSetup;
  let downstream: Downstream;
  let nodeA: ServeProcess;
  let nodeB: ServeProcess;
  let adminA: ApiClient;
  let adminB: ApiClient;

  beforeAll(async () => {
    dataDirs = [
      await mkdtemp(join(tmpdir(), 'lazaret-node-a-')),
      await mkdtemp(join(tmpdir(), 'lazaret-node-b-')),
    ];
    storage = await backend.setup(dataDirs[0]!);
    downstream = await new Downstream().start();
    const env = (name: string, dataDir: string) => ({
      ...storage.env,
      // Nothing may live on a node: each has its own, otherwise empty, data folder.
      LAZARET_DATA_DIR: dataDir,
      LAZARET_NODE_NAME: name,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
    });
    // Both start at once on an empty table: one creates the first administrator, the other finds it.
    [nodeA, nodeB] = await Promise.all([
      new ServeProcess(env('node-a', dataDirs[0]!)).start(),
      new ServeProcess(env('node-b', dataDirs[1]!)).start(),
    ]);
    adminA = await ApiClient.login(() => nodeA.baseUrl, ADMIN.email, ADMIN.password);
    adminB = await ApiClient.login(() => nodeB.baseUrl, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await nodeA?.stop();
    await nodeB?.stop();
    await downstream?.stop();
    await storage?.cleanup();
    for (const dir of dataDirs ?? []) await rm(dir, { recursive: true, force: true });
  });

  it('created the first administrator once, and a session made on one node works on the other', async () => {
    const created = [...nodeA.logs, ...nodeB.logs].filter((line) => line.event === 'BOOTSTRAP_ADMIN_CREATED');
    expect(created).toHaveLength(1);
    const sessionFromA = new ApiClient(() => nodeB.baseUrl, adminA.credentials);
    expect((await sessionFromA.request('/api/auth/me')).status).toBe(200);
  });

  it('holds mail received by one node, lists and serves it on the other, and releases it exactly once', async () => {
    const raw = await new MailComposer({
      from: 'alice@sender.test',
      to: 'bob@corp.test',
      subject: 'Shared quarantine',
      text: 'Seen from both nodes.',
    })
      .compile()
      .build();
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: nodeA.smtpPort, ignoreTLS: true })
      .sendMail({ envelope: { from: 'alice@sender.test', to: ['bob@corp.test'] }, raw });

    const listed = await adminB.request('/api/quarantine?recipient=bob@corp.test');
    const [item] = (listed.body as { items: ListedItem[] }).items;
    expect(item).toMatchObject({ recipient: 'bob@corp.test', status: 'quarantined' });
    const bytes = await adminB.request(`/api/quarantine/${item!.id}/raw`);
    expect(Buffer.compare(bytes.bytes, raw)).toBe(0);

    // Both nodes release the same item at the same moment: one wins, the other is refused.
    const answers = await Promise.all(
      [adminA, adminB].map((admin) =>
        admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    await downstream.waitForDeliveries(1);
    expect(
      downstream.deliveries.filter((delivery) => delivery.rcptTo.includes('bob@corp.test')),
    ).toHaveLength(1);
    expect((await adminA.request(`/api/quarantine/${item!.id}`)).body).toMatchObject({
      item: { status: 'released' },
    });
  });

  it('shows an action taken on one node in the audit log read on the other', async () => {
    const audit = await adminB.request('/api/audit?action=item.release&limit=10');
    expect(audit.status).toBe(200);
    expect((audit.body as { entries: { action: string }[] }).entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'item.release' })]),
    );
  });
});
