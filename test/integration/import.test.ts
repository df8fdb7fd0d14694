import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMessages } from '../../src/import/import-messages.js';
import { readMbox } from '../../src/import/mail-sources.js';
import { buildIngestDeps, buildPipeline } from '../../src/ingest/ingest-setup.js';
import { createLogger } from '../../src/log.js';
import { openStores } from '../../src/store/open-stores.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const MBOX_MESSAGES = 10_000;

function mboxMessage(n: number): string {
  return [
    `From sender${n % 50}@example.org Sun Nov 29 12:00:00 2026`,
    `From: Sender ${n} <sender${n % 50}@example.org>`,
    `To: user${n % 7}@example.test`,
    `Subject: mbox message ${n}`,
    `Message-ID: <mbox.${n}@example.org>`,
    '',
    `Body of message ${n}.`,
    '>From the quoted line',
    '',
    '',
  ].join('\n');
}

describe('lazaret import: .eml, mbox and Maildir, resumable', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let mbox: string;
  let maildir: string;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    dir = await tempDir();
    mbox = join(dir.path, 'archive.mbox');
    await writeFile(mbox, Array.from({ length: MBOX_MESSAGES }, (_, n) => mboxMessage(n)).join(''));
    maildir = join(dir.path, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp', '.Spam/cur', '.Spam/new', '.Spam/tmp']) {
      await mkdir(join(maildir, sub), { recursive: true });
    }
    await writeFile(
      join(maildir, 'new', '1700000000.M1P1.host'),
      'Delivered-To: Real@Example.test\r\nTo: list@lists.example\r\nSubject: maildir one\r\n\r\nhello\r\n',
    );
    await writeFile(
      join(maildir, 'cur', '1700000001.M2P1.host:2,S'),
      'X-Original-To: other@example.test\r\nSubject: maildir two\r\n\r\nhi\r\n',
    );
    await writeFile(
      join(maildir, '.Spam', 'cur', '1700000002.M3P1.host:2,S'),
      'To: a@example.test, "B" <b@example.test>\r\nCc: c@example.test\r\nSubject: maildir spam folder\r\n\r\nx\r\n',
    );
    await writeFile(join(dir.path, 'lonely.eml'), 'Subject: no recipient anywhere\r\n\r\nbody\r\n');
    config = testConfig({ LAZARET_DATA_DIR: join(dir.path, 'data') });
  });

  afterAll(async () => dir?.cleanup());

  it('splits an mbox, undoing one level of >From quoting and keeping the bytes', async () => {
    const messages = [];
    for await (const message of readMbox(mbox, 1024 * 1024, () => undefined)) {
      messages.push(message);
      if (messages.length === 3) break;
    }
    expect(messages[1]!.mboxSender).toBe('sender1@example.org');
    expect(messages[1]!.raw.toString('latin1')).toBe(
      'From: Sender 1 <sender1@example.org>\nTo: user1@example.test\nSubject: mbox message 1\n' +
        'Message-ID: <mbox.1@example.org>\n\nBody of message 1.\nFrom the quoted line\n',
    );
  });

  it(`imports ${MBOX_MESSAGES} mbox messages and a Maildir; a re-run imports nothing new`, async () => {
    const stores = await openStores(config);
    const deps = buildIngestDeps(config, {
      ...stores,
      logger: createLogger('silent'),
      now: () => new Date(),
    });
    try {
      let total = 0;
      let progressCalls = 0;
      const first = await importMessages(deps, [mbox, maildir], {
        maxMessageSize: config.smtp.maxMessageSize,
        concurrency: 8,
        onTotal: (count) => {
          total = count;
        },
        onProgress: () => {
          progressCalls += 1;
        },
      });
      expect(total).toBe(MBOX_MESSAGES + 3);
      expect(progressCalls).toBe(MBOX_MESSAGES + 3);
      expect(first).toMatchObject({
        processed: MBOX_MESSAGES + 3,
        imported: MBOX_MESSAGES + 3,
        skipped: 0,
        failed: [],
      });
      expect(first.items).toBe(MBOX_MESSAGES + 1 + 1 + 3);

      const [one] = (await stores.items.listItems({ subject: 'maildir one' }, { limit: 5 })).items;
      expect(one).toMatchObject({ recipient: 'real@example.test', reason: 'manual' });
      expect(one!.details).toMatchObject({ rule: 'import' });
      const two = (await stores.items.listItems({ subject: 'maildir two' }, { limit: 5 })).items;
      expect(two.map((item) => item.recipient)).toEqual(['other@example.test']);
      const spam = (await stores.items.listItems({ subject: 'maildir spam folder' }, { limit: 5 })).items;
      expect(spam.map((item) => item.recipient).sort()).toEqual([
        'a@example.test',
        'b@example.test',
        'c@example.test',
      ]);

      const [last] = (await stores.items.listItems({ subject: 'mbox message 9999' }, { limit: 5 })).items;
      expect(last).toMatchObject({ recipient: 'user3@example.test', sender: 'sender49@example.org' });
      const raw = await buffer(await stores.blobs.get(last!.messageId));
      expect(raw.toString('latin1')).toContain('\nFrom the quoted line\n');

      const again = await importMessages(deps, [mbox, maildir], {
        maxMessageSize: config.smtp.maxMessageSize,
        concurrency: 8,
      });
      expect(again).toMatchObject({
        processed: MBOX_MESSAGES + 3,
        imported: 0,
        items: 0,
        skipped: MBOX_MESSAGES + 3,
      });

      // A new recipient for the same bytes is not "already imported".
      const extra = await importMessages(deps, [join(maildir, '.Spam')], {
        maxMessageSize: config.smtp.maxMessageSize,
        to: ['a@example.test', 'new@example.test'],
      });
      expect(extra).toMatchObject({ imported: 1, items: 1 });
    } finally {
      await stores.close();
    }
  }, 300_000);

  it('the CLI prints a summary, reports failures with exit status 1, and resumes', async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
      await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
    const env = { ...process.env, LAZARET_DATA_DIR: join(dir.path, 'cli-data'), LAZARET_LOG_LEVEL: 'silent' };
    const cli = (args: string[]) =>
      run(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'import', ...args], { env }).then(
        (result) => ({ code: 0, ...result }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const first = await cli([maildir, join(dir.path, 'lonely.eml')]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(
      'Imported 3 message(s) as 5 item(s); skipped 0 already imported; 0 clean (not held); 1 failed',
    );
    expect(first.stderr).toMatch(/failed: .*lonely\.eml: no recipient/);
    const second = await cli([maildir, '--to', 'x@example.test']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Imported 3 message(s) as 3 item(s)');
    const third = await cli([maildir]);
    expect(third.stdout).toContain('Imported 0 message(s) as 0 item(s); skipped 3 already imported');
  }, 120_000);

  it('--scan runs the configured scanners: held recipients are imported, clean ones only counted', async () => {
    const scanDir = join(dir.path, 'scan');
    await mkdir(scanDir, { recursive: true });
    await writeFile(join(scanDir, 'clean.eml'), message({ subject: 'scan clean' }));
    await writeFile(
      join(scanDir, 'bad.eml'),
      message({
        subject: 'scan bad',
        attachments: [
          { filename: 'run.exe', contentType: 'application/octet-stream', data: Buffer.from('MZ') },
        ],
      }),
    );
    const scanConfig = testConfig({
      LAZARET_DATA_DIR: join(dir.path, 'scan-data'),
      LAZARET_SCANNERS_ENABLED: 'policy',
    });
    const stores = await openStores(scanConfig);
    const logger = createLogger('silent');
    const deps = buildIngestDeps(
      scanConfig,
      { ...stores, logger, now: () => new Date() },
      { pipeline: buildPipeline(scanConfig, logger) },
    );
    try {
      const report = await importMessages(deps, [scanDir], { maxMessageSize: 1024 * 1024 });
      expect(report).toMatchObject({ processed: 2, imported: 1, items: 1, clean: 1, failed: [] });
      const { items } = await stores.items.listItems({}, { limit: 10 });
      expect(items.map((item) => [item.subject, item.reason, item.details.rule])).toEqual([
        ['scan bad', 'policy', 'blocked-extension'],
      ]);
    } finally {
      await stores.close();
    }
  });
});
