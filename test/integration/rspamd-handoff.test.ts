import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { type Daemon, RSPAMD_TEST_SPAM, startRspamd } from '../support/daemons.js';
import { docSnippets, docTextBlock } from '../support/docs-snippets.js';
import { Downstream } from '../support/downstream.js';
import { freePort, missingPrograms, tempDir, testConfig } from '../support/env.js';
import { GTUBE, message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';

const missing = missingPrograms('rspamd hand-off test', ['rspamd']);

const SECRET = 'handoff-secret-0123456789abcdef';
const ADMIN = { email: 'admin@handoff.test', password: 'handoff-admin-password' };

interface CheckAnswer {
  action: string;
  score: number;
  symbols: Record<string, unknown>;
  messages?: { smtp_message?: string };
}

/** docs/integration.md's metadata_exporter rule, with the test's Lazaret address and secret. */
function exporterRule(httpPort: number): string {
  return docTextBlock('integration.md', 'rspamd-metadata-exporter')
    .replace('http://127.0.0.1:8025/', `http://127.0.0.1:${httpPort}/`)
    .replace('change-me-to-the-lazaret-handoff-secret', SECRET);
}

describe.skipIf(missing.length > 0)("rspamd's metadata_exporter pushing to POST /api/ingest/rspamd", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let rspamdDir: Awaited<ReturnType<typeof tempDir>>;
  let rspamd: Daemon & { log(): Promise<string> };
  let downstream: Downstream;
  let lazaret: RunningServer | undefined;
  let httpPort: number;
  const log = memoryLogger('info');

  const startLazaret = async (secret = SECRET) => {
    const snippet = docSnippets('integration.md').get('rspamd-handoff') as {
      scanners: { rspamd: { holdActions: string[] } };
    };
    lazaret = await startServer(
      testConfig({
        LAZARET_DATA_DIR: work.path,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: httpPort,
        LAZARET_HANDOFF_RSPAMD_SECRET: secret,
        LAZARET_SCANNERS_RSPAMD_HOLD_ACTIONS: snippet.scanners.rspamd.holdActions.join(','),
        LAZARET_RELAY_PORT: downstream.port,
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
      }),
      log.logger,
      () => undefined,
    );
  };
  const stopLazaret = async () => {
    await lazaret?.close();
    lazaret = undefined;
  };

  /** rspamd's /checkv2 with the envelope as an MTA passes it; metadata_exporter has pushed before it answers. */
  const check = async (
    raw: Buffer,
    envelope: { from: string; rcpt: string[]; queueId: string },
  ): Promise<CheckAnswer> => {
    const headers = new Headers({ From: envelope.from, 'Queue-Id': envelope.queueId, Ip: '192.0.2.7' });
    for (const rcpt of envelope.rcpt) headers.append('Rcpt', rcpt);
    const response = await fetch(`http://127.0.0.1:${rspamd.port}/checkv2`, {
      method: 'POST',
      headers,
      body: raw,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as CheckAnswer;
  };

  const itemsWithSubject = async (subject: string) =>
    (await lazaret!.context.items.listItems({ subject }, { limit: 50 })).items;

  beforeAll(async () => {
    [work, rspamdDir] = await Promise.all([tempDir(), tempDir()]);
    downstream = await new Downstream().start();
    httpPort = await freePort();
    await startLazaret();
    rspamd = await startRspamd(rspamdDir.path, { metadataExporter: exporterRule(httpPort) });
  }, 120_000);

  afterAll(async () => {
    await rspamd?.stop();
    await stopLazaret();
    await downstream?.stop();
    await Promise.all([work?.cleanup(), rspamdDir?.cleanup()]);
  });

  it("holds a message rspamd rejects, per recipient, with rspamd's action, score and symbols", async () => {
    const raw = message({ subject: 'handoff spam', body: `Buy now ${RSPAMD_TEST_SPAM}\r\n` });
    const answer = await check(raw, {
      from: 'spammer@sender.example',
      rcpt: ['alice@handoff.test', 'Bob@Handoff.TEST'],
      queueId: '4HANDOFF1',
    });
    expect(answer.action).toBe('reject');

    const items = await itemsWithSubject('handoff spam');
    expect(items.map((item) => item.recipient).sort()).toEqual(['alice@handoff.test', 'bob@handoff.test']);
    for (const item of items) {
      expect(item).toMatchObject({ reason: 'spam', score: 20, sender: 'spammer@sender.example' });
      expect(item.details).toMatchObject({
        scanner: 'rspamd',
        source: 'rspamd-handoff',
        action: 'reject',
        symbols: ['LAZARET_TEST_SPAM'],
      });
    }
    const record = await lazaret!.context.items.getMessage(items[0]!.messageId);
    expect(record).toMatchObject({ queueId: '4HANDOFF1', remoteAddress: '192.0.2.7' });
    const stored = Buffer.concat(await (await lazaret!.context.blobs.get(record!.blobKey)).toArray());
    expect(stored.equals(raw)).toBe(true);
    const decision = log.lines.find(
      (line) => line.event === 'INGEST_DECISION' && line.queueId === '4HANDOFF1',
    );
    expect(decision).toMatchObject({ client: '192.0.2.7', sender: 'spammer@sender.example' });
  });

  it('a second push of the same bytes (the sender retried) adds no item', async () => {
    const raw = message({ subject: 'handoff retried', body: `Again ${RSPAMD_TEST_SPAM}\r\n` });
    const envelope = { from: 'spammer@sender.example', rcpt: ['carol@handoff.test'], queueId: '4HANDOFF2' };
    expect((await check(raw, envelope)).action).toBe('reject');
    expect((await check(raw, envelope)).action).toBe('reject');
    expect(await itemsWithSubject('handoff retried')).toHaveLength(1);
    const decisions = log.lines.filter(
      (line) => line.event === 'INGEST_DECISION' && line.queueId === '4HANDOFF2',
    );
    expect(decisions.map((line) => (line.recipients as { fate: string }[])[0]!.fate)).toEqual([
      'held',
      'held_before',
    ]);
  });

  it('clean mail is not pushed (is_reject), and GTUBE is refused by rspamd without reaching Lazaret', async () => {
    const clean = await check(message({ subject: 'handoff clean' }), {
      from: 'friend@sender.example',
      rcpt: ['alice@handoff.test'],
      queueId: '4HANDOFF3',
    });
    expect(clean.action).toBe('no action');
    // GTUBE makes rspamd skip every module, metadata_exporter included (docs/integration.md).
    const gtube = await check(message({ subject: 'handoff gtube', body: `${GTUBE}\r\n` }), {
      from: 'friend@sender.example',
      rcpt: ['alice@handoff.test'],
      queueId: '4HANDOFF4',
    });
    expect(gtube.action).toBe('reject');
    expect(await itemsWithSubject('handoff clean')).toHaveLength(0);
    expect(await itemsWithSubject('handoff gtube')).toHaveLength(0);
  });

  it('releases a handed-off item to the relay exactly once, with the original envelope', async () => {
    const raw = message({ subject: 'handoff release', body: `Release me ${RSPAMD_TEST_SPAM}\r\n` });
    await check(raw, { from: 'news@sender.example', rcpt: ['dave@handoff.test'], queueId: '4HANDOFF5' });
    const [item] = await itemsWithSubject('handoff release');
    const admin = await ApiClient.login(() => `http://127.0.0.1:${httpPort}`, ADMIN.email, ADMIN.password);
    const released = await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' });
    expect(released.status).toBe(200);
    const again = await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST' });
    expect(again.status).toBe(409);
    const arrived = downstream.deliveries.filter((delivery) => delivery.raw.includes('handoff release'));
    expect(arrived).toHaveLength(1);
    expect(arrived[0]).toMatchObject({ mailFrom: 'news@sender.example', rcptTo: ['dave@handoff.test'] });
    expect(arrived[0]!.raw.subarray(arrived[0]!.raw.length - raw.length).equals(raw)).toBe(true);
  });

  it('a wrong secret is refused with 401; rspamd logs it and soft-rejects (defer = true)', async () => {
    await stopLazaret();
    await startLazaret('another-secret-0123456789abcdef');
    const answer = await check(
      message({ subject: 'handoff wrong secret', body: `${RSPAMD_TEST_SPAM}\r\n` }),
      {
        from: 'spammer@sender.example',
        rcpt: ['alice@handoff.test'],
        queueId: '4HANDOFF6',
      },
    );
    expect(answer.action).toBe('soft reject');
    expect(answer.messages?.smtp_message).toBe('deferred');
    expect(await rspamd.log()).toMatch(/got unexpected http status: 401/);
    expect(log.lines.some((line) => line.event === 'HANDOFF_AUTH_FAILED')).toBe(true);
    expect(await itemsWithSubject('handoff wrong secret')).toHaveLength(0);
    await stopLazaret();
    await startLazaret();
  });

  it('while Lazaret is down rspamd soft-rejects; the retry after it is back is held once', async () => {
    await stopLazaret();
    const raw = message({ subject: 'handoff down', body: `${RSPAMD_TEST_SPAM}\r\n` });
    const envelope = { from: 'spammer@sender.example', rcpt: ['erin@handoff.test'], queueId: '4HANDOFF7' };
    const answer = await check(raw, envelope);
    expect(answer.action).toBe('soft reject');
    expect(await rspamd.log()).toMatch(/got error .*Connection refused in http callback/);
    await startLazaret();
    expect((await check(raw, envelope)).action).toBe('reject');
    expect(await itemsWithSubject('handoff down')).toHaveLength(1);
  });
});
