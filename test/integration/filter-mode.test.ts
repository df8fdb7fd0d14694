import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { Downstream } from '../support/downstream.js';
import { freePort, tempDir } from '../support/env.js';
import { blobFiles, startFilterServer } from '../support/filter-server.js';
import { message, zipOf } from '../support/mail.js';
import { sendRaw } from '../support/smtp-client.js';

const startFilter = (dataDir: string, reinjectPort: number, extra: Record<string, string | number> = {}) =>
  startFilterServer(dataDir, reinjectPort, {
    LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'blocked.test:spammer@bad.example',
    ...extra,
  });

describe('filter mode: Postfix content_filter behaviour against a real downstream SMTP server', () => {
  let downstream: Downstream;
  let server: RunningServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const send = (to: string[], raw: Buffer, from = 'sender@example.org') =>
    sendRaw(server.smtpAddress.port, { from, to }, raw);

  beforeAll(async () => {
    dir = await tempDir();
    downstream = await new Downstream().start();
    server = await startFilter(dir.path, downstream.port);
  });
  afterAll(async () => {
    await server?.close();
    await downstream?.stop();
    await dir?.cleanup();
  });

  it('relays clean mail byte for byte before answering 250, and keeps nothing', async () => {
    const raw = message({ subject: 'clean', body: '.leading dot\r\nline two\r\n' });
    const before = downstream.deliveries.length;
    const outcome = await send(['alice@example.test', 'bob@example.test'], raw);
    expect(outcome).toMatchObject({ ok: true, code: 250 });
    expect(outcome.reply).toContain('relayed to 2 recipient(s)');
    const got = downstream.deliveries.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.raw.equals(raw)).toBe(true);
    expect(got[0]!.rcptTo).toEqual(['alice@example.test', 'bob@example.test']);
    const page = await server.context.items.listItems({ subject: 'clean' }, { limit: 10 });
    expect(page.items).toHaveLength(0);
    expect(await blobFiles(dir.path)).toEqual([]);
  });

  it('holds policy mail (blocked extension inside a zip) as items and relays nothing', async () => {
    const zip = zipOf([{ name: 'docs/invoice.pdf.exe', data: Buffer.from('MZ fake') }]);
    const raw = message({
      subject: 'zip policy',
      attachments: [{ filename: 'invoice.zip', contentType: 'application/zip', data: zip }],
    });
    const before = downstream.deliveries.length;
    const outcome = await send(['carol@example.test'], raw);
    expect(outcome).toMatchObject({ ok: true, code: 250 });
    expect(outcome.reply).toMatch(/Held as [0-9A-Z]{26}/);
    expect(downstream.deliveries.length).toBe(before);
    const { items } = await server.context.items.listItems({ subject: 'zip policy' }, { limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ recipient: 'carol@example.test', reason: 'policy' });
    expect(items[0]!.details).toMatchObject({
      scanner: 'policy',
      rule: 'blocked-extension-in-archive',
      filename: 'docs/invoice.pdf.exe',
      archive: 'invoice.zip',
    });
    expect(items[0]!.expiresAt).not.toBeNull();
  });

  it('decides per recipient: the blocked tenant gets an item, the other recipient gets the mail', async () => {
    const raw = message({ subject: 'per recipient', from: 'spammer@bad.example' });
    const before = downstream.deliveries.length;
    const outcome = await send(['x@blocked.test', 'y@open.test'], raw, 'spammer@bad.example');
    expect(outcome).toMatchObject({ ok: true, code: 250 });
    expect(outcome.reply).toMatch(/Held as .*, relayed to 1 recipient/);
    expect(downstream.deliveries.slice(before).map((mail) => mail.rcptTo)).toEqual([['y@open.test']]);
    const { items } = await server.context.items.listItems({ subject: 'per recipient' }, { limit: 10 });
    expect(items.map((item) => [item.recipient, item.reason, item.details.rule])).toEqual([
      ['x@blocked.test', 'policy', 'sender-block'],
    ]);
  });

  it('believes spam headers from a trusted host and records score and symbols', async () => {
    const raw = message({
      subject: 'trusted spam',
      headers: ['X-Spam-Flag: YES', 'X-Spam-Status: Yes, score=12.5 required=5.0 tests=GTUBE,MISSING_MID'],
    });
    const outcome = await send(['dave@example.test'], raw);
    expect(outcome.ok).toBe(true);
    const { items } = await server.context.items.listItems({ subject: 'trusted spam' }, { limit: 10 });
    expect(items[0]).toMatchObject({ reason: 'spam', score: 12.5 });
    expect(items[0]!.details).toMatchObject({ scanner: 'headers', symbols: ['GTUBE', 'MISSING_MID'] });
  });

  it('answers with the relay’s own 5xx when it refuses, and keeps nothing', async () => {
    downstream.onData = () => ({ code: 554, message: 'Content refused downstream' });
    try {
      const outcome = await send(['erin@example.test'], message({ subject: 'refused' }));
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe(554);
      expect(outcome.reply).toContain('Content refused downstream');
    } finally {
      downstream.onData = undefined;
    }
    expect(await blobFiles(dir.path)).toHaveLength(
      (await server.context.items.listItems({}, { limit: 100 })).items.length,
    );
  });

  it('answers 4xx when the relay defers at RCPT, so Postfix keeps the mail', async () => {
    downstream.onRcpt = () => ({ code: 452, message: 'Mailbox busy, try later' });
    try {
      const outcome = await send(['frank@example.test'], message({ subject: 'deferred' }));
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe(452);
    } finally {
      downstream.onRcpt = undefined;
    }
  });

  it('serves metrics for sessions, held and relayed mail and scanner latency', async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpAddress.port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/lazaret_smtp_sessions_total \d+/);
    expect(text).toMatch(/lazaret_recipients_held_total\{reason="policy"\} [1-9]/);
    expect(text).toMatch(/lazaret_recipients_held_total\{reason="spam"\} 1/);
    expect(text).toMatch(/lazaret_recipients_relayed_total [3-9]/);
    expect(text).toMatch(/lazaret_scanner_duration_seconds_count\{scanner="policy"\} [1-9]/);
    expect(text).toMatch(/lazaret_relay_failures_total\{kind="permanent"\} 1/);
    expect(text).toMatch(/lazaret_messages_received_total\{outcome="tempfail"\} 1/);
  });

  it('is ready while the relay answers', async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpAddress.port}/readyz`);
    expect(response.status).toBe(200);
  });
});

describe('filter mode with the re-injection listener down', () => {
  it('answers 451 and keeps nothing, /readyz fails, and accepts again once it is back; a closed store fails /readyz', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const server = await startFilter(dir.path, port);
    try {
      const outcome = await sendRaw(
        server.smtpAddress.port,
        { from: 'a@example.org', to: ['b@example.test'] },
        message({}),
      );
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe(451);
      expect(await blobFiles(dir.path)).toEqual([]);
      const notReady = await fetch(`http://127.0.0.1:${server.httpAddress.port}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ error: { code: 'relay_deferred' } });

      const downstream = await new Downstream().start();
      // The listener comes back on another port: point a second server at it, as an operator's restart would.
      await server.close();
      const again = await startFilter(dir.path, downstream.port);
      try {
        const retry = await sendRaw(
          again.smtpAddress.port,
          { from: 'a@example.org', to: ['b@example.test'] },
          message({}),
        );
        expect(retry).toMatchObject({ ok: true, code: 250 });
        expect(downstream.deliveries).toHaveLength(1);
        expect((await fetch(`http://127.0.0.1:${again.httpAddress.port}/readyz`)).status).toBe(200);
        // The store going away fails readiness too.
        await again.context.items.close();
        const storeDown = await fetch(`http://127.0.0.1:${again.httpAddress.port}/readyz`);
        expect(storeDown.status).toBe(503);
        expect(await storeDown.json()).toMatchObject({ error: { code: 'store_error' } });
      } finally {
        await again.close();
        await downstream.stop();
      }
    } finally {
      await server.close().catch(() => undefined);
      await dir.cleanup();
    }
  });
});

describe('filter mode with a scanner that is down', () => {
  let downstream: Downstream;
  beforeAll(async () => {
    downstream = await new Downstream().start();
  });
  afterAll(async () => downstream?.stop());

  for (const onError of ['tempfail', 'pass'] as const) {
    it(`onError=${onError}: ${onError === 'tempfail' ? '451, nothing lost' : 'the mail passes'}`, async () => {
      const dir = await tempDir();
      const server = await startFilter(dir.path, downstream.port, {
        LAZARET_SCANNERS_ENABLED: 'policy,clamav',
        LAZARET_SCANNERS_CLAMAV_PORT: await freePort(),
        LAZARET_SCANNERS_ON_ERROR: onError,
      });
      try {
        const before = downstream.deliveries.length;
        const outcome = await sendRaw(
          server.smtpAddress.port,
          { from: 'a@example.org', to: ['b@example.test'] },
          message({ subject: `scanner down ${onError}` }),
        );
        if (onError === 'tempfail') {
          expect(outcome).toMatchObject({ ok: false, code: 451 });
          expect(outcome.reply).toContain('scanner unavailable');
          expect(downstream.deliveries.length).toBe(before);
          expect(await blobFiles(dir.path)).toEqual([]);
        } else {
          expect(outcome).toMatchObject({ ok: true, code: 250 });
          expect(downstream.deliveries.length).toBe(before + 1);
        }
        const metrics = await (await fetch(`http://127.0.0.1:${server.httpAddress.port}/metrics`)).text();
        expect(metrics).toMatch(/lazaret_scanner_errors_total\{scanner="clamav",kind="error"\} 1/);
      } finally {
        await server.close();
        await dir.cleanup();
      }
    });
  }
});
