import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVE_BACKENDS } from '../contract/backends.js';
import { ApiClient, type ListedItem } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';
import type { StorageSetup } from '../support/storage-backends.js';

async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

describe.each(SERVE_BACKENDS)('walking skeleton on $name: SMTP → store → API → release/delete', (backend) => {
  let dataDir: string;
  let storage: StorageSetup;
  let downstream: Downstream;
  let serve: ServeProcess;
  let admin: ApiClient;
  const ADMIN = { email: 'admin@corp.test', password: 'skeleton-admin-password' };
  const sent: Record<string, Buffer> = {};
  let env: Record<string, string>;

  const smtpSend = (envelope: { from: string; to: string[] }, raw: Buffer) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true })
      .sendMail({ envelope, raw });

  const listAll = (query = '') => admin.listItems(query);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-skeleton-'));
    storage = await backend.setup(dataDir);
    downstream = await new Downstream({
      onRcpt: (address) =>
        address.startsWith('refused@') ? { code: 550, message: '5.1.1 No such user here' } : undefined,
    }).start();
    env = {
      ...storage.env,
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_SMTP_MAX_MESSAGE_SIZE: String(12 * 1024 * 1024),
      LAZARET_SMTP_MAX_RECIPIENTS: '3',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
      // Small messages are kept inside SQLite, larger ones (here: over 16 KiB) as files: both paths run.
      LAZARET_BLOBS_INLINE_MAX_BYTES: String(16 * 1024),
    };
    serve = await new ServeProcess(env).start();
    admin = await ApiClient.login(() => serve.baseUrl, ADMIN.email, ADMIN.password);

    sent.twoRecipients = await compose({
      from: 'Alice <alice@sender.test>',
      to: 'bob@corp.test, carol@corp.test',
      subject: 'Quarterly report',
      text: 'Numbers inside.\r\n.\r\nA line with a lone dot above.',
    });
    sent.withAttachment = await compose({
      from: 'billing@sender.test',
      to: 'dave@corp.test',
      subject: '=?UTF-8?B?UmVjaG51bmcgw7xiZXIgMTAwIOKCrA==?=',
      text: 'See attachment',
      attachments: [
        { filename: 'invoice.pdf', content: Buffer.alloc(40_000, 7), contentType: 'application/pdf' },
      ],
    });
    sent.large = await compose({
      from: 'big@sender.test',
      to: 'erin@corp.test',
      subject: 'Ten megabytes',
      attachments: [{ filename: 'big.bin', content: Buffer.alloc(7.5 * 1024 * 1024, 0xab) }],
    });
    sent.refused = await compose({
      from: 'x@sender.test',
      to: 'refused@corp.test',
      subject: 'Will be refused',
      text: 'x',
    });

    await smtpSend(
      { from: 'alice@sender.test', to: ['bob@corp.test', 'Carol@Corp.test'] },
      sent.twoRecipients,
    );
    await smtpSend({ from: 'billing@sender.test', to: ['dave@corp.test'] }, sent.withAttachment);
    await smtpSend({ from: 'big@sender.test', to: ['erin@corp.test'] }, sent.large);
    await smtpSend({ from: 'x@sender.test', to: ['refused@corp.test'] }, sent.refused);
  });

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await storage?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('holds one item per recipient and lists them newest first', async () => {
    expect(sent.large!.length).toBeGreaterThan(10 * 1024 * 1024);
    const items = await listAll();
    expect(items.map((item) => item.recipient)).toEqual([
      'refused@corp.test',
      'erin@corp.test',
      'dave@corp.test',
      expect.stringMatching(/^(bob|carol)@corp\.test$/),
      expect.stringMatching(/^(bob|carol)@corp\.test$/),
    ]);
    expect(new Set(items.slice(3).map((item) => item.messageId)).size).toBe(1);
    expect(items.every((item) => item.status === 'quarantined')).toBe(true);
  });

  it('filters the list and pages with a cursor', async () => {
    expect((await listAll('&recipient=dave@corp.test')).map((item) => item.subject)).toEqual([
      'Rechnung über 100 €',
    ]);
    expect(await listAll('&sender=sender.test&subject=quarterly')).toHaveLength(2);
    const first = await admin.request('/api/quarantine?limit=2');
    const { items, nextCursor } = first.body as { items: ListedItem[]; nextCursor: string };
    expect(items).toHaveLength(2);
    const second = await admin.request(`/api/quarantine?limit=10&cursor=${encodeURIComponent(nextCursor)}`);
    expect((second.body as { items: ListedItem[] }).items).toHaveLength(3);
  });

  it('shows the message summary with attachments in the detail', async () => {
    const [item] = await listAll('&recipient=dave@corp.test');
    const detail = await admin.request(`/api/quarantine/${item!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      item: { id: item!.id, hasAttachments: true, reason: 'policy', details: { rule: 'capture' } },
      message: {
        envelope: { mailFrom: 'billing@sender.test', rcptTo: ['dave@corp.test'] },
        headers: { subject: 'Rechnung über 100 €', from: 'billing@sender.test' },
        attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf' }],
        size: sent.withAttachment!.length,
      },
    });
  });

  it('serves the exact bytes as received, also for a 10 MB message', async () => {
    for (const [recipient, original] of [
      ['dave@corp.test', sent.withAttachment!],
      ['erin@corp.test', sent.large!],
    ] as const) {
      const [item] = await listAll(`&recipient=${recipient}`);
      const response = await admin.request(`/api/quarantine/${item!.id}/raw`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('message/rfc822');
      expect(Buffer.compare(response.bytes, original)).toBe(0);
    }
  });

  it('releases an item: the downstream gets the original bytes after one trace header', async () => {
    const [item] = await listAll('&recipient=bob@corp.test');
    const response = await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      item: { status: 'released', release: { to: ['bob@corp.test'] } },
    });

    await downstream.waitForDeliveries(1);
    const delivery = downstream.deliveries.find((entry) => entry.rcptTo.includes('bob@corp.test'))!;
    expect(delivery.mailFrom).toBe('alice@sender.test');
    expect(delivery.rcptTo).toEqual(['bob@corp.test']);
    const text = delivery.raw.toString('latin1');
    expect(text).toMatch(/^X-Lazaret-Release: item=[0-9A-Z]{26}; by=admin@corp\.test; at=\S+Z\r\n/);
    const afterTrace = delivery.raw.subarray(delivery.raw.indexOf('\r\n') + 2);
    expect(Buffer.compare(afterTrace, sent.twoRecipients!)).toBe(0);

    const again = await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'already_released' } });
    expect(downstream.deliveries.filter((entry) => entry.rcptTo.includes('bob@corp.test'))).toHaveLength(1);
  });

  it('keeps an item quarantined with the reply when the downstream refuses it with 550', async () => {
    const [item] = await listAll('&recipient=refused@corp.test');
    const response = await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' });
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({
      error: { code: 'delivery_rejected', details: { reply: expect.stringContaining('550') } },
    });
    const audited = await admin.request(`/api/audit?itemId=${item!.id}`);
    expect(audited.body).toMatchObject({
      entries: [
        {
          action: 'item.release',
          outcome: 'failed',
          actor: { kind: 'user', label: 'admin@corp.test' },
          params: { error: 'delivery_rejected' },
        },
      ],
    });
    const detail = await admin.request(`/api/quarantine/${item!.id}`);
    expect(detail.body).toMatchObject({
      item: {
        status: 'quarantined',
        lastError: { code: 'delivery_rejected', reply: expect.stringMatching(/^550 .*No such user here/) },
      },
    });
  });

  it('deletes an item: it answers 404 afterwards and the raw message stays for the other recipient', async () => {
    const [carol] = await listAll('&recipient=carol@corp.test');
    const response = await admin.request(`/api/quarantine/${carol!.id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ item: { status: 'deleted' } });
    expect((await admin.request(`/api/quarantine/${carol!.id}`)).status).toBe(404);
    expect((await admin.request(`/api/quarantine/${carol!.id}/raw`)).status).toBe(404);
    const again = await admin.request(`/api/quarantine/${carol!.id}`, { method: 'DELETE' });
    expect(again.body).toMatchObject({ error: { code: 'already_deleted' } });
    const [bob] = await listAll('&recipient=bob@corp.test');
    expect((await admin.request(`/api/quarantine/${bob!.id}/raw`)).status).toBe(200);
  });

  it('answers bad input with stable error codes', async () => {
    expect((await admin.request('/api/quarantine/not-an-id')).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    expect((await admin.request('/api/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV')).body).toMatchObject({
      error: { code: 'not_found' },
    });
    expect((await admin.request('/api/quarantine?cursor=garbage')).body).toMatchObject({
      error: { code: 'bad_cursor' },
    });
    expect((await admin.request('/api/quarantine?reason=nonsense')).status).toBe(400);
    expect((await admin.request('/api/nowhere')).body).toMatchObject({
      error: { code: 'route_not_found' },
    });
    const badBody = await admin.request('/api/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV/release', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipients: ['not an address'] }),
    });
    expect(badBody.body).toMatchObject({ error: { code: 'address_invalid' } });
  });

  it('refuses a message over the size limit with 552 and keeps nothing of it', async () => {
    const before = await listAll();
    const tooBig = await compose({
      from: 'huge@sender.test',
      to: 'frank@corp.test',
      attachments: [{ filename: 'huge.bin', content: Buffer.alloc(10 * 1024 * 1024, 1) }],
    });
    await expect(
      smtpSend({ from: 'huge@sender.test', to: ['frank@corp.test'] }, tooBig),
    ).rejects.toMatchObject({
      responseCode: 552,
    });
    expect(await listAll()).toEqual(before);
  });

  it('refuses recipients beyond the limit with 452', async () => {
    const raw = await compose({ from: 'many@sender.test', to: 'r@corp.test', subject: 'Many', text: 'x' });
    const info = await smtpSend(
      { from: 'many@sender.test', to: ['r1@many.test', 'r2@many.test', 'r3@many.test', 'r4@many.test'] },
      raw,
    );
    expect(info.accepted).toEqual(['r1@many.test', 'r2@many.test', 'r3@many.test']);
    expect(info.rejectedErrors?.[0]).toMatchObject({ responseCode: 452 });
    expect(await listAll('&sender=many@sender.test')).toHaveLength(3);
  });

  it('answers 451 and keeps nothing when the store cannot write', async () => {
    const before = await listAll();
    const restore = await storage.breakBlobWrites();
    try {
      const raw = await compose({
        from: 'x@sender.test',
        to: 'gina@corp.test',
        subject: 'Storage down',
        text: 'x'.repeat(20 * 1024),
      });
      await expect(smtpSend({ from: 'x@sender.test', to: ['gina@corp.test'] }, raw)).rejects.toMatchObject({
        responseCode: 451,
      });
      expect(await listAll()).toEqual(before);
      await serve.waitForLog((line) => line.event === 'INGEST_STORE_FAILED');
    } finally {
      await restore();
    }
  });

  it('keeps everything across a restart over the same storage', async () => {
    const before = await listAll('&status=quarantined&status=released&status=deleted');
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(serve.logs.some((line) => line.event === 'SHUTDOWN_COMPLETE')).toBe(true);
    serve = await new ServeProcess(env).start();
    expect(await listAll('&status=quarantined&status=released&status=deleted')).toEqual(before);
    const [erin] = await listAll('&recipient=erin@corp.test');
    // The session lives in the store, so the same cookie still works after the restart.
    const raw = (await admin.request(`/api/quarantine/${erin!.id}/raw`)).bytes;
    expect(Buffer.compare(raw, sent.large!)).toBe(0);
  });
});
