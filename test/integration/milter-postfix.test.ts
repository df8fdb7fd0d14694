import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MilterServer, startMilterServer } from '../../src/milter/milter-server.js';
import { missingPrograms, STRICT, tempDir, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';
import { holdingPolicy } from '../support/milter-test-policy.js';
import { type PostfixInstance, startPostfix } from '../support/postfix.js';
import { sendRaw } from '../support/smtp-client.js';

const missing = missingPrograms('Postfix smtpd_milters test', ['postfix', 'postqueue', 'smtp-source']);
const notRoot = process.getuid?.() !== 0;
if (notRoot) {
  if (STRICT) throw new Error('LAZARET_TEST_STRICT=1 and the Postfix milter test needs root');
  process.stderr.write('SKIPPED Postfix smtpd_milters test: needs root to run a private Postfix\n');
}

describe.skipIf(missing.length > 0 || notRoot)('Postfix smtpd_milters → Lazaret’s milter session', () => {
  let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  let postfix: PostfixInstance;
  let milter: MilterServer;
  const policy = holdingPolicy(['held@example.test']);
  const log = memoryLogger('info');

  beforeAll(async () => {
    dirs = await Promise.all([tempDir()]);
    milter = await startMilterServer({ host: '127.0.0.1', port: 0 }, { policy, logger: log.logger });
    const { port } = milter.address() as AddressInfo;
    postfix = await startPostfix(dirs[0]!.path, port, { milter: `inet:127.0.0.1:${port}` });
  }, 120_000);

  afterAll(async () => {
    await postfix?.stop();
    await milter?.close();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  });

  it('delivers to the kept recipient only, with the added header, after DELRCPT of the other', async () => {
    const raw = message({ subject: 'milter through postfix', body: 'Hello milter\r\n' });
    const outcome = await sendRaw(
      postfix.inboundPort,
      { from: 'sender@example.org', to: ['held@example.test', 'kept@example.test'] },
      raw,
      '127.0.0.1',
      'client.example.net',
    );
    expect(outcome.ok, outcome.reply).toBe(true);

    const delivered = await waitUntil(
      'Postfix to deliver and empty its queue',
      async () => {
        const files = await postfix.delivered();
        return files.length > 0 && (await postfix.queue()).length === 0 && files;
      },
      30_000,
    );
    expect(delivered).toHaveLength(1);
    const text = delivered[0]!.toString('latin1');
    expect(text).toMatch(/^X-Original-To: kept@example\.test$/m);
    expect(text).not.toContain('held@example.test>');
    expect(text).toMatch(/^X-Lazaret-Test: held=held@example\.test$/m);
    expect(text).toContain('Hello milter');

    const seen = policy.seen.at(-1)!;
    expect(seen.message.recipients.map((recipient) => recipient.address)).toEqual([
      'held@example.test',
      'kept@example.test',
    ]);
    expect(seen.message.client.address).toBe('127.0.0.1');
    expect(seen.message.client.helo).toBe('client.example.net');
    expect(seen.macros.get('i')).toMatch(/^[0-9A-Za-z]+$/);
    // Not among Postfix's default milter_connect_macros: here because the session asked for it
    // in its OPTNEG reply (SETSYMLIST).
    expect(seen.macros.get('client_addr')).toBe('127.0.0.1');
    expect(seen.macros.get('j')).toBe('lazaret-test.localdomain');
    expect(seen.macros.get('mail_addr')).toBe('sender@example.org');
    expect(seen.message.recipients[1]!.macros.get('rcpt_addr')).toBe('kept@example.test');
    // Header values arrive with their leading space (SMFIP_HDR_LEADSPC), as they were written.
    expect(seen.message.headers.find((header) => header.name === 'Subject')?.value.toString()).toBe(
      ' milter through postfix',
    );
    expect(seen.body.toString('latin1')).toContain('Hello milter\r\n');
    expect(log.lines.filter((line) => line.event === 'MILTER_PROTOCOL_ERROR')).toEqual([]);
    expect(await postfix.log()).not.toMatch(/warning: milter/);
  });

  it('accepts and discards a message whose every recipient is held (DISCARD): nothing is delivered', async () => {
    const before = (await postfix.delivered()).length;
    const raw = message({ subject: 'milter all held', body: 'Nobody gets this\r\n' });
    const outcome = await sendRaw(
      postfix.inboundPort,
      { from: 'sender@example.org', to: ['held@example.test'] },
      raw,
      '127.0.0.1',
      'client.example.net',
    );
    expect(outcome.ok, outcome.reply).toBe(true);
    await waitUntil('Postfix to log the milter’s DISCARD', async () =>
      /milter-discard: END-OF-MESSAGE .*milter triggers DISCARD action/.test(await postfix.log()),
    );
    expect(await postfix.queue()).toEqual([]);
    expect(await postfix.delivered()).toHaveLength(before);
  });

  // Postfix keeps one milter connection per SMTP connection and, between transactions, sends
  // ABORT and the next MAIL's macros without waiting for a reply: the session must answer every
  // end of message promptly, or Postfix logs a milter timeout and applies milter_default_action.
  it('discards 60 all-held messages sent over one SMTP connection, each answered, no milter warnings', async () => {
    const messages = 60;
    const seenBefore = policy.seen.length;
    const logBefore = (await postfix.log()).length;
    // smtp-source: one session (-s 1), every message over the same connection (-d), a real peer.
    await promisify(execFile)('smtp-source', [
      '-d',
      '-s',
      '1',
      '-m',
      String(messages),
      '-l',
      '2048',
      '-f',
      'sender@example.org',
      '-t',
      'held@example.test',
      '-M',
      'client.example.net',
      `127.0.0.1:${postfix.inboundPort}`,
    ]);
    const log = await waitUntil('Postfix to log the end of the SMTP session', async () => {
      const text = (await postfix.log()).slice(logBefore);
      return /disconnect from .* mail=\d+/.test(text) && text;
    });
    expect(log).toMatch(new RegExp(`disconnect from .* mail=${messages} rcpt=${messages} data=${messages} `));
    expect(log.match(/milter-discard: END-OF-MESSAGE .*milter triggers DISCARD action/g)).toHaveLength(
      messages,
    );
    expect(log).not.toMatch(/timeout|warning: milter|milter-reject|can't read SMFIC|unexpected reply/i);
    expect(policy.seen.length - seenBefore).toBe(messages);
    expect(log.match(/connect from /g)).toHaveLength(2); // one connect, one disconnect
    expect(await postfix.queue()).toEqual([]);
  }, 120_000);
});
