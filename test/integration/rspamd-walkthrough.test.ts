import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { type Daemon, RSPAMD_TEST_SPAM, startRspamd } from '../support/daemons.js';
import { docSnippets, docTextBlock } from '../support/docs-snippets.js';
import { freePort, missingPrograms, STRICT, tempDir, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';
import { type PostfixInstance, startPostfix, withoutPostfixTrace } from '../support/postfix.js';
import { sendRaw } from '../support/smtp-client.js';

const missing = missingPrograms('rspamd hand-off walkthrough', ['postfix', 'postqueue', 'rspamd']);
const notRoot = process.getuid?.() !== 0;
if (notRoot) {
  if (STRICT) throw new Error('LAZARET_TEST_STRICT=1 and the rspamd walkthrough needs root');
  process.stderr.write('SKIPPED rspamd hand-off walkthrough: needs root to run a private Postfix\n');
}

const SECRET = 'walkthrough-secret-0123456789abcdef';
const ADMIN = { email: 'admin@example.test', password: 'walkthrough-admin-password' };

/**
 * A new administrator following docs/integration.md only: rspamd's proxy worker as Postfix's milter,
 * its metadata_exporter rule and Postfix's main.cf lines from the page (only ports, URL and secret are
 * the test's), Lazaret started from the page's JSON config with the secret in a file.
 */
describe.skipIf(missing.length > 0 || notRoot)(
  'walkthrough: Postfix → rspamd milter → Lazaret hand-off',
  () => {
    let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
    let rspamd: Daemon & { milterPort?: number; log(): Promise<string> };
    let postfix: PostfixInstance;
    let lazaret: RunningServer | undefined;
    let httpPort: number;
    let configFile: string;
    const log = memoryLogger('info');

    const startLazaret = async () => {
      lazaret = await startServer(
        loadConfig({
          file: configFile,
          env: {
            LAZARET_DATA_DIR: dirs[2]!.path,
            LAZARET_SMTP_PORT: '0',
            LAZARET_HTTP_PORT: String(httpPort),
            LAZARET_ADMIN_EMAIL: ADMIN.email,
            LAZARET_ADMIN_PASSWORD: ADMIN.password,
          },
        }),
        log.logger,
        () => undefined,
      );
    };

    beforeAll(async () => {
      dirs = await Promise.all([tempDir(), tempDir(), tempDir()]);
      httpPort = await freePort();
      rspamd = await startRspamd(dirs[0]!.path, {
        milterProxy: true,
        metadataExporter: docTextBlock('integration.md', 'rspamd-metadata-exporter')
          .replace('http://127.0.0.1:8025/', `http://127.0.0.1:${httpPort}/`)
          .replace('change-me-to-the-lazaret-handoff-secret', SECRET),
      });
      postfix = await startPostfix(dirs[1]!.path, 0, {
        mainCf: docTextBlock('integration.md', 'rspamd-postfix-main-cf').replaceAll(
          ':11332',
          `:${rspamd.milterPort}`,
        ),
      });
      const config = docSnippets('integration.md').get('rspamd-handoff') as {
        handoff: { rspamd: { secretFile: string } };
        relay: { port: number };
      };
      const secretFile = join(dirs[2]!.path, 'rspamd-handoff.secret');
      await writeFile(secretFile, `${SECRET}\n`);
      config.handoff.rspamd.secretFile = secretFile;
      // The page's relay is the re-injection listener of docs/postfix.md (10026): this Postfix's.
      expect(config.relay.port).toBe(10026);
      config.relay.port = postfix.reinjectPort;
      configFile = join(dirs[2]!.path, 'lazaret.json');
      await writeFile(configFile, JSON.stringify(config));
      await startLazaret();
    }, 180_000);

    afterAll(async () => {
      await postfix?.stop();
      await rspamd?.stop();
      await lazaret?.close();
      await Promise.all(dirs.map((dir) => dir.cleanup()));
    });

    const submit = (to: string[], raw: Buffer) =>
      sendRaw(
        postfix.inboundPort,
        { from: 'sender@example.org', to },
        raw,
        '127.0.0.1',
        'client.example.net',
      );

    /** The Maildir files that arrived after `before` once Postfix's queue is empty. */
    const deliveredSince = (before: number, expected: number) =>
      waitUntil(
        `${expected} new file(s) in the Maildir and an empty queue`,
        async () => {
          const files = await postfix.delivered();
          return files.length >= before + expected && (await postfix.queue()).length === 0
            ? files.slice(before)
            : undefined;
        },
        30_000,
      );

    it('clean mail is delivered and not pushed', async () => {
      const raw = message({ subject: 'walkthrough clean' });
      expect(await submit(['alice@example.test'], raw)).toMatchObject({ ok: true, code: 250 });
      const [delivered] = await deliveredSince(0, 1);
      expect(withoutPostfixTrace(delivered!).toString('latin1')).toContain('walkthrough clean');
      expect(
        (await lazaret!.context.items.listItems({ subject: 'walkthrough clean' }, { limit: 5 })).items,
      ).toEqual([]);
    });

    it('mail rspamd rejects is refused to the sender, held per recipient, and released into the Maildir once', async () => {
      const before = (await postfix.delivered()).length;
      const raw = message({ subject: 'walkthrough spam', body: `Cheap ${RSPAMD_TEST_SPAM}\r\n` });
      const outcome = await submit(['alice@example.test', 'bob@example.test'], raw);
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe(554);
      expect(outcome.reply).toBe('554 5.7.1 Spam message rejected');

      const admin = await ApiClient.login(() => `http://127.0.0.1:${httpPort}`, ADMIN.email, ADMIN.password);
      const listed = await admin.listItems('&subject=walkthrough%20spam');
      expect(listed.map((item) => item.recipient).sort()).toEqual(['alice@example.test', 'bob@example.test']);
      const alice = listed.find((item) => item.recipient === 'alice@example.test')!;
      const detail = await admin.request(`/api/quarantine/${alice.id}`);
      expect(detail.body).toMatchObject({
        item: { reason: 'spam', details: { source: 'rspamd-handoff', symbols: ['LAZARET_TEST_SPAM'] } },
      });
      const queueId = (detail.body as { message: { queueId?: string } }).message.queueId;
      expect(queueId).toMatch(/^[0-9A-Za-z]+$/);
      expect(await postfix.log()).toContain(queueId);

      const released = await admin.request(`/api/quarantine/${alice.id}/release`, { method: 'POST' });
      expect(released.status).toBe(200);
      const again = await admin.request(`/api/quarantine/${alice.id}/release`, { method: 'POST' });
      expect(again.status).toBe(409);
      const delivered = await deliveredSince(before, 1);
      expect(delivered).toHaveLength(1);
      const text = delivered[0]!.toString('latin1');
      expect(text).toMatch(/^X-Original-To: alice@example.test$/m);
      expect(text).toMatch(/^Return-Path: <sender@example.org>$/m);
      expect(text).toContain('walkthrough spam');
    });

    it('while Lazaret is down Postfix answers 4xx (rspamd defers), and the retry is held', async () => {
      await lazaret?.close();
      lazaret = undefined;
      const raw = message({ subject: 'walkthrough down', body: `Cheap ${RSPAMD_TEST_SPAM}\r\n` });
      const outcome = await submit(['carol@example.test'], raw);
      expect(outcome.ok).toBe(false);
      // rspamd's soft reject with metadata_exporter's message, as docs/integration.md says.
      expect(outcome.reply).toBe('451 4.7.1 deferred');
      await startLazaret();
      expect(await submit(['carol@example.test'], raw)).toMatchObject({ ok: false, code: 554 });
      const items = await lazaret!.context.items.listItems({ subject: 'walkthrough down' }, { limit: 5 });
      expect(items.items.map((item) => item.recipient)).toEqual(['carol@example.test']);
    });
  },
);
