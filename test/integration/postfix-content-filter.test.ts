import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { CLAMAV_TEST_STRING, type Daemon, startClamd } from '../support/daemons.js';
import { freePort, missingPrograms, STRICT, tempDir, testConfig, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';
import { guideBlock, type PostfixInstance, startPostfix, withoutPostfixTrace } from '../support/postfix.js';
import { sendRaw } from '../support/smtp-client.js';

const missing = missingPrograms('Postfix content_filter test', ['postfix', 'postqueue', 'clamd']);
const notRoot = process.getuid?.() !== 0;
if (notRoot) {
  if (STRICT) throw new Error('LAZARET_TEST_STRICT=1 and the Postfix test needs root');
  process.stderr.write('SKIPPED Postfix content_filter test: needs root to run a private Postfix\n');
}

describe.skipIf(missing.length > 0 || notRoot)(
  'Postfix after-queue content_filter → Lazaret → re-injection',
  () => {
    let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
    let postfix: PostfixInstance;
    let clamd: Daemon;
    let lazaret: RunningServer | undefined;
    let lazaretPort: number;
    const log = memoryLogger('info');

    const startLazaret = async () => {
      lazaret = await startServer(
        testConfig({
          LAZARET_DATA_DIR: dirs[1]!.path,
          LAZARET_SMTP_PORT: lazaretPort,
          LAZARET_HTTP_PORT: 0,
          LAZARET_MODE: 'filter',
          LAZARET_FILTER_REINJECT_PORT: postfix.reinjectPort,
          LAZARET_SCANNERS_ENABLED: 'headers,policy,clamav',
          LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
          LAZARET_SCANNERS_CLAMAV_PORT: clamd.port,
          LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
          LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'blocked.test:spammer@bad.example',
          // Raw messages as files: a lock on the database then fails the commit, not the blob.
          LAZARET_BLOBS_INLINE_MAX_BYTES: 0,
        }),
        log.logger,
        () => undefined,
      );
    };

    beforeAll(async () => {
      dirs = await Promise.all([tempDir(), tempDir(), tempDir()]);
      lazaretPort = await freePort();
      [postfix, clamd] = await Promise.all([
        startPostfix(dirs[0]!.path, lazaretPort),
        startClamd(dirs[2]!.path),
      ]);
      await startLazaret();
    }, 120_000);

    afterAll(async () => {
      await lazaret?.close();
      await postfix?.stop();
      await clamd?.stop();
      await Promise.all(dirs.map((dir) => dir.cleanup()));
    });

    const submit = (to: string, raw: Buffer) =>
      sendRaw(
        postfix.inboundPort,
        { from: 'sender@example.org', to: [to] },
        raw,
        '127.0.0.1',
        'client.example.net',
      );

    const itemsWithSubject = async (subject: string) =>
      (await lazaret!.context.items.listItems({ subject }, { limit: 10 })).items;

    it('clean mail arrives in the Maildir byte for byte apart from Postfix’s trace headers', async () => {
      const raw = message({ subject: 'clean through postfix', body: 'Hello\r\n.dot line\r\nbye\r\n' });
      expect(await submit('alice@example.test', raw)).toMatchObject({ ok: true, code: 250 });
      const [delivered] = await waitUntil('delivery to the Maildir', async () => {
        const files = await postfix.delivered();
        return files.length >= 1 ? files : undefined;
      });
      expect(withoutPostfixTrace(delivered!).toString('latin1')).toBe(raw.toString('latin1'));
      expect(await itemsWithSubject('clean through postfix')).toHaveLength(0);
    });

    it('spam (trusted upstream header), virus (clamd) and policy mail become items, none is delivered', async () => {
      const before = (await postfix.delivered()).length;
      const cases = [
        ['pf spam', message({ subject: 'pf spam', headers: ['X-Spam-Flag: YES'] }), 'spam'],
        [
          'pf virus',
          message({
            subject: 'pf virus',
            attachments: [
              { filename: 'a.txt', contentType: 'text/plain', data: Buffer.from(CLAMAV_TEST_STRING) },
            ],
          }),
          'malware',
        ],
        [
          'pf policy',
          message({
            subject: 'pf policy',
            attachments: [
              { filename: 'setup.exe', contentType: 'application/octet-stream', data: Buffer.from('MZ') },
            ],
          }),
          'policy',
        ],
      ] as const;
      for (const [, raw] of cases) expect((await submit('bob@example.test', raw)).ok).toBe(true);
      for (const [subject, , reason] of cases) {
        const items = await waitUntil(`an item for ${subject}`, async () => {
          const found = await itemsWithSubject(subject);
          return found.length > 0 ? found : undefined;
        });
        expect(items.map((item) => [item.recipient, item.reason])).toEqual([['bob@example.test', reason]]);
        // XFORWARD: the message record names the original client's HELO, not Postfix's own name.
        const record = await lazaret!.context.items.getMessage(items[0]!.messageId);
        expect(record).toMatchObject({ heloName: 'client.example.net', remoteAddress: '127.0.0.1' });
      }
      await waitUntil(
        'Postfix to finish with the held mail',
        async () => (await postfix.queue()).length === 0,
      );
      expect((await postfix.delivered()).length).toBe(before);
    });

    it('delivers the largest message Postfix accepts under the guide’s message_size_limit, logged under its queue id', async () => {
      const limit = Number(/^message_size_limit = (\d+)$/m.exec(await guideBlock('main.cf'))?.[1]);
      expect(limit).toBeGreaterThan(1_000_000);
      const line = `${'x'.repeat(76)}\r\n`;
      const ofSize = (size: number) => {
        const subject = `at the size limit ${size}`;
        const bodySize = size - message({ subject, body: '' }).length;
        const fullLines = Math.floor(bodySize / line.length);
        const rest = bodySize - fullLines * line.length;
        const body = line.repeat(fullLines) + (rest >= 2 ? `${'y'.repeat(rest - 2)}\r\n` : '');
        return { subject, raw: message({ subject, body }) };
      };
      // Postfix counts its queue file (envelope records, its Received header) against the limit: find the
      // largest message its smtpd takes by bisection. Every message it takes must reach the Maildir.
      const accepted: ReturnType<typeof ofSize>[] = [];
      let low = limit - 1500;
      let high = limit;
      for (let size = low; high - low > 32; size = Math.floor((low + high) / 2)) {
        const candidate = ofSize(size);
        const outcome = await submit('dora@example.test', candidate.raw);
        if (outcome.ok) {
          accepted.push(candidate);
          low = size;
        } else {
          expect(outcome.reply).toBe('552 5.3.4 Error: message file too big');
          expect(size).toBeGreaterThan(limit - 1500);
          high = size;
        }
      }
      const largest = accepted.at(-1)!;
      expect(limit - largest.raw.length).toBeLessThan(1500);

      const files = await waitUntil(
        'delivery of every accepted message',
        async () => {
          const delivered = (await postfix.delivered()).filter((file) =>
            file.includes('Subject: at the size limit'),
          );
          return delivered.length >= accepted.length ? delivered : undefined;
        },
        120_000,
        200,
      );
      const arrived = files.find((file) => file.includes(`Subject: ${largest.subject}\n`));
      expect(withoutPostfixTrace(arrived!).equals(largest.raw)).toBe(true);
      await waitUntil('an empty queue', async () => (await postfix.queue()).length === 0);
      const maillog = await postfix.log();
      expect(maillog).not.toMatch(/status=bounced/);

      // The decision line names Postfix's queue id; Postfix logs Lazaret's answer under it, enhanced code and all.
      const headerMessageId = /^Message-ID: (<[^>]+>)/im.exec(largest.raw.toString('latin1'))![1];
      const decision = await log.waitFor(
        (each) => each.event === 'INGEST_DECISION' && each.headerMessageId === headerMessageId,
      );
      expect(decision).toMatchObject({
        queueId: expect.stringMatching(/^[0-9A-Za-z]+$/),
        helo: 'client.example.net',
        sender: 'sender@example.org',
        recipients: [{ recipient: 'dora@example.test', fate: 'relayed' }],
        reply: '250 2.6.0 relayed to 1 recipient(s)',
      });
      // What Lazaret got is the message with Postfix's Received header on top.
      expect(decision.size).toBeGreaterThan(largest.raw.length);
      expect(decision.size).toBeLessThan(largest.raw.length + 1000);
      expect(maillog).toMatch(
        new RegExp(
          `${decision.queueId}: to=<dora@example\\.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lazaretPort},.* dsn=2\\.6\\.0, status=sent \\(250 2\\.6\\.0 relayed to 1 recipient\\(s\\)\\)`,
        ),
      );
    }, 300_000);

    it('a commit that fails defers the whole message; once it works the clean recipient gets one copy', async () => {
      const subject = 'pf commit fails';
      const raw = message({ subject, from: 'spammer@bad.example' });
      const tempfails = async () => {
        const metric = await lazaret!.context.metrics.messagesReceived.get();
        return metric.values.find((value) => value.labels.outcome === 'tempfail')?.value ?? 0;
      };
      const copies = async () =>
        (await postfix.delivered()).filter((file) => file.includes(`Subject: ${subject}`)).length;
      // Another writer holds the database: Lazaret's commit waits out its busy timeout and fails.
      const blocker = new Database(join(dirs[1]!.path, 'lazaret.sqlite'));
      blocker.exec('BEGIN IMMEDIATE');
      try {
        const before = await tempfails();
        const submitted = await sendRaw(
          postfix.inboundPort,
          { from: 'spammer@bad.example', to: ['x@blocked.test', 'dave@example.test'] },
          raw,
          '127.0.0.1',
          'client.example.net',
        );
        expect(submitted).toMatchObject({ ok: true });
        await waitUntil(
          'a first refused attempt',
          async () => (await tempfails()) >= before + 1,
          30_000,
          200,
        );
        await postfix.flush();
        await waitUntil(
          'a second refused attempt',
          async () => (await tempfails()) >= before + 2,
          30_000,
          200,
        );
        expect(await copies()).toBe(0);
        expect(await itemsWithSubject(subject)).toEqual([]);
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
      }
      await postfix.flush();
      await waitUntil('the delivery once the commit works', async () => (await copies()) > 0, 30_000, 200);
      await waitUntil('Postfix to finish with the mail', async () => (await postfix.queue()).length === 0);
      expect(await copies()).toBe(1);
      const delivered = (await postfix.delivered()).find((file) => file.includes(`Subject: ${subject}`))!;
      expect(withoutPostfixTrace(delivered).toString('latin1')).toBe(raw.toString('latin1'));
      expect((await itemsWithSubject(subject)).map((item) => item.recipient)).toEqual(['x@blocked.test']);
    }, 240_000);

    it('with Lazaret stopped Postfix defers (mail stays queued); once it is back the mail is delivered', async () => {
      await lazaret!.close();
      lazaret = undefined;
      const before = (await postfix.delivered()).length;
      const raw = message({ subject: 'while lazaret is down' });
      const submitted = await submit('carol@example.test', raw);
      expect(submitted).toMatchObject({ ok: true });
      const queueId = /queued as ([0-9A-Za-z]+)/.exec(submitted.reply)![1]!;
      // Postfix's own record of the deferral: between its retries (every second here) the message
      // moves between the deferred and active queues, so a queue listing may catch it in either.
      const deferral = await waitUntil(
        'Postfix to log the deferral',
        async () =>
          new RegExp(`${queueId}: to=<carol@example\\.test>, .*status=deferred \\(([^)]*)\\)`).exec(
            await postfix.log(),
          )?.[1],
        60_000,
        200,
      );
      expect(deferral).toMatch(/Connection refused|delivery temporarily suspended/);
      expect((await postfix.queue()).map((entry) => entry.queue_id)).toContain(queueId);
      expect((await postfix.delivered()).length).toBe(before);

      await startLazaret();
      await postfix.flush();
      const files = await waitUntil(
        'delivery after restart',
        async () => {
          const delivered = await postfix.delivered();
          return delivered.length > before ? delivered : undefined;
        },
        30_000,
        200,
      );
      // Maildir names do not sort by arrival within a second: pick the message by its subject.
      const arrived = files.find((file) => file.includes('Subject: while lazaret is down'));
      expect(withoutPostfixTrace(arrived!).toString('latin1')).toBe(raw.toString('latin1'));
      expect(await postfix.queue()).toEqual([]);
    });
  },
);
