import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort, missingPrograms, STRICT, tempDir, testConfig, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';
import {
  milterGuideLines,
  type PostfixInstance,
  startPostfix,
  withoutPostfixTrace,
} from '../support/postfix.js';
import { sendExact, sendRaw } from '../support/smtp-client.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'hostile');
const HOSTILE_FIXTURES = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.eml'))
  .sort();
const TIME_BOUND_MS = 15_000;

const missing = missingPrograms('Postfix milter-mode test', ['postfix', 'postqueue']);
const notRoot = process.getuid?.() !== 0;
if (notRoot) {
  if (STRICT) throw new Error('LAZARET_TEST_STRICT=1 and the Postfix milter-mode test needs root');
  process.stderr.write('SKIPPED Postfix milter-mode test: needs root to run a private Postfix\n');
}

describe.skipIf(missing.length > 0 || notRoot)('LAZARET_MODE=milter behind Postfix smtpd_milters', () => {
  let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  let postfix: PostfixInstance;
  let lazaret: RunningServer | undefined;
  let milterPort: number;
  const log = memoryLogger('info');

  const startLazaret = async (extra: Record<string, string> = {}) => {
    lazaret = await startServer(
      testConfig({
        ...extra,
        LAZARET_DATA_DIR: dirs[1]!.path,
        LAZARET_HTTP_PORT: 0,
        LAZARET_MODE: 'milter',
        LAZARET_MILTER_LISTEN: `inet:127.0.0.1:${milterPort}`,
        LAZARET_MILTER_REJECT_REASONS: 'policy',
        LAZARET_SCANNERS_ENABLED: 'headers,policy',
        LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
        LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'blocked.test:spammer@bad.example',
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
        // Raw messages as files: a lock on the database then fails the commit, not the blob.
        LAZARET_BLOBS_INLINE_MAX_BYTES: 0,
      }),
      log.logger,
      () => undefined,
    );
  };

  beforeAll(async () => {
    dirs = await Promise.all([tempDir(), tempDir()]);
    milterPort = await freePort();
    await startLazaret();
    postfix = await startPostfix(dirs[0]!.path, 0, { mainCf: await milterGuideLines(milterPort) });
  }, 120_000);

  afterAll(async () => {
    await postfix?.stop();
    await lazaret?.close();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  });

  const submit = (from: string, to: string[], raw: Buffer) =>
    sendRaw(postfix.inboundPort, { from, to }, raw, '127.0.0.1', 'client.example.net');

  const itemsWithSubject = async (subject: string) =>
    (await lazaret!.context.items.listItems({ subject }, { limit: 10 })).items;

  /** The Maildir files that arrived after `before` once Postfix's queue is empty. */
  const deliveredSince = async (before: number, expected: number) =>
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

  it('clean mail is delivered byte for byte, with nothing stored', async () => {
    const raw = message({
      subject: 'milter clean',
      headers: ['X-Folded: one', '\ttwo'],
      body: 'Hello\r\n.dot line\r\nbye\r\n',
    });
    expect(await submit('sender@example.org', ['alice@example.test'], raw)).toMatchObject({
      ok: true,
      code: 250,
    });
    const [delivered] = await deliveredSince(0, 1);
    expect(withoutPostfixTrace(delivered!).toString('latin1')).toBe(raw.toString('latin1'));
    expect(await itemsWithSubject('milter clean')).toHaveLength(0);
  });

  it('holds one of three recipients (DELRCPT) and delivers to the other two', async () => {
    const before = (await postfix.delivered()).length;
    const raw = message({ subject: 'milter one held' });
    const outcome = await submit(
      'spammer@bad.example',
      ['alice@example.test', 'x@blocked.test', 'bob@example.test'],
      raw,
    );
    expect(outcome).toMatchObject({ ok: true, code: 250 });
    const delivered = await deliveredSince(before, 2);
    const to = delivered.map((file) => /^X-Original-To: (.+)$/m.exec(file.toString('latin1'))?.[1]);
    expect(to.sort()).toEqual(['alice@example.test', 'bob@example.test']);
    for (const file of delivered) {
      expect(withoutPostfixTrace(file).toString('latin1')).toBe(raw.toString('latin1'));
    }
    const items = await itemsWithSubject('milter one held');
    expect(items.map((item) => [item.recipient, item.reason])).toEqual([['x@blocked.test', 'policy']]);
    const record = await lazaret!.context.items.getMessage(items[0]!.messageId);
    expect(record).toMatchObject({ heloName: 'client.example.net', remoteAddress: '127.0.0.1' });
    expect(record?.queueId).toMatch(/^[0-9A-Za-z]+$/);
    expect(await lazaret!.context.blobs.get(record!.blobKey).then(streamText)).toBe(raw.toString('latin1'));
  });

  it('discards mail held for every recipient (spam), with the items stored', async () => {
    const before = (await postfix.delivered()).length;
    const raw = message({ subject: 'milter all spam', headers: ['X-Spam-Flag: YES'] });
    expect(await submit('sender@example.org', ['alice@example.test', 'bob@example.test'], raw)).toMatchObject(
      { ok: true, code: 250 },
    );
    await waitUntil('Postfix to log the DISCARD', async () =>
      /milter-discard: END-OF-MESSAGE .*milter triggers DISCARD action/.test(await postfix.log()),
    );
    const items = await itemsWithSubject('milter all spam');
    expect(items.map((item) => [item.recipient, item.reason]).sort()).toEqual([
      ['alice@example.test', 'spam'],
      ['bob@example.test', 'spam'],
    ]);
    expect(await postfix.queue()).toEqual([]);
    expect(await postfix.delivered()).toHaveLength(before);
  });

  it('rejects mail held for every recipient for a reason in milter.rejectReasons, with the item stored', async () => {
    const before = (await postfix.delivered()).length;
    const outcome = await submit(
      'spammer@bad.example',
      ['x@blocked.test'],
      message({ subject: 'milter all policy' }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.code).toBe(550);
    expect(outcome.reply).toMatch(/^550 5\.7\.1 Message refused \(policy\), held as /);
    const items = await itemsWithSubject('milter all policy');
    expect(items.map((item) => item.recipient)).toEqual(['x@blocked.test']);
    expect(await postfix.queue()).toEqual([]);
    expect(await postfix.delivered()).toHaveLength(before);
  });

  it('answers 4xx while the store fails; the retry delivers once', async () => {
    const before = (await postfix.delivered()).length;
    const raw = message({ subject: 'milter store fails' });
    const envelope = ['alice@example.test', 'x@blocked.test'];
    // Another writer holds the database: Lazaret's commit waits out its busy timeout and fails.
    const blocker = new Database(join(dirs[1]!.path, 'lazaret.sqlite'));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const outcome = await submit('spammer@bad.example', envelope, raw);
      expect(outcome).toMatchObject({ ok: false, code: 451 });
      expect(outcome.reply).toMatch(/^451 4\.3\.0 /);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(await itemsWithSubject('milter store fails')).toEqual([]);
    expect(await postfix.queue()).toEqual([]);
    expect(await postfix.delivered()).toHaveLength(before);

    expect(await submit('spammer@bad.example', envelope, raw)).toMatchObject({ ok: true, code: 250 });
    const delivered = await deliveredSince(before, 1);
    expect(delivered).toHaveLength(1);
    expect((await itemsWithSubject('milter store fails')).map((item) => item.recipient)).toEqual([
      'x@blocked.test',
    ]);
  }, 60_000);

  it('takes the hostile MIME corpus through Postfix: clear replies in bounded time, the process stays up', async () => {
    const logged = log.lines.length;
    let accepted = 0;
    for (const fixture of HOSTILE_FIXTURES) {
      const started = Date.now();
      const outcome = await sendExact(
        postfix.inboundPort,
        { from: 'hostile@example.org', to: ['victim@example.test'] },
        readFileSync(join(CORPUS, fixture)),
        TIME_BOUND_MS,
      );
      expect(Date.now() - started, fixture).toBeLessThan(TIME_BOUND_MS);
      // Postfix's own answer to a message it takes: 250, or a 4xx/5xx Postfix or Lazaret gave.
      expect(outcome.reply, fixture).toMatch(/^(250 |[45]\d\d [45]\.\d+\.\d+ )/);
      if (outcome.code === 250) accepted += 1;
      else expect(outcome.code, `${fixture}: ${outcome.reply}`).toBeLessThan(600);
    }
    const failures = log.lines
      .slice(logged)
      .filter((line) =>
        [
          'MILTER_PROTOCOL_ERROR',
          'MILTER_SESSION_FAILED',
          'MILTER_POLICY_FAILED',
          'INGEST_STORE_FAILED',
        ].includes(String(line.event)),
      );
    expect(failures).toEqual([]);
    // Every message Postfix took went through Lazaret's decision, none around it.
    const decided = log.lines.slice(logged).filter((line) => line.event === 'INGEST_DECISION');
    expect(decided.length).toBe(accepted);
    expect(accepted).toBeGreaterThanOrEqual(HOSTILE_FIXTURES.length - 3);
    expect(await submit('sender@example.org', ['alice@example.test'], message({}))).toMatchObject({
      ok: true,
      code: 250,
    });
    await waitUntil(
      'Postfix to deliver what it took',
      async () => (await postfix.queue()).length === 0,
      60_000,
    );
  }, 240_000);

  it('with Lazaret stopped, Postfix answers 4xx (milter_default_action = tempfail); once back, the mail goes through', async () => {
    const before = (await postfix.delivered()).length;
    await lazaret!.close();
    lazaret = undefined;
    const raw = message({ subject: 'milter while down' });
    const outcome = await submit('sender@example.org', ['alice@example.test'], raw);
    expect(outcome).toMatchObject({ ok: false, code: 451 });
    expect(outcome.reply).toMatch(/4\.7\.1/);
    expect(await postfix.queue()).toEqual([]);

    // Back with milter.verdictHeader: clean mail gets the header (ADDHEADER, at the end of the header).
    await startLazaret({ LAZARET_MILTER_VERDICT_HEADER: 'X-Lazaret-Verdict' });
    expect(await submit('sender@example.org', ['alice@example.test'], raw)).toMatchObject({
      ok: true,
      code: 250,
    });
    const [delivered] = await deliveredSince(before, 1);
    const [head, ...body] = raw.toString('latin1').split('\r\n\r\n');
    expect(withoutPostfixTrace(delivered!).toString('latin1')).toBe(
      [`${head}\r\nX-Lazaret-Verdict: pass; scanners=headers,policy`, ...body].join('\r\n\r\n'),
    );
    expect(log.lines.filter((line) => line.event === 'MILTER_PROTOCOL_ERROR')).toEqual([]);
  }, 60_000);
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('latin1');
}
