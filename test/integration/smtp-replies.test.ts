import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { Downstream } from '../support/downstream.js';
import { freePort, tempDir } from '../support/env.js';
import { startFilterServer } from '../support/filter-server.js';
import { message } from '../support/mail.js';
import { type SmtpDialogue, smtpDialogue } from '../support/smtp-client.js';

const MAX_SIZE = 4096;

const startFilter = (dataDir: string, reinjectPort: number, extra: Record<string, string | number> = {}) =>
  startFilterServer(dataDir, reinjectPort, {
    LAZARET_SMTP_HOSTNAME: 'lazaret.test',
    LAZARET_SMTP_MAX_MESSAGE_SIZE: MAX_SIZE,
    LAZARET_SMTP_MAX_RECIPIENTS: 2,
    ...extra,
  });

/** EHLO, MAIL, RCPT for each recipient, DATA; answers the reply to the message. */
async function transaction(session: SmtpDialogue, to: string[], content: Buffer): Promise<string> {
  expect(await session.say('EHLO client.test')).toMatch(/^250[- ]/);
  expect(await session.say('MAIL FROM:<sender@example.org>')).toBe('250 2.1.0 Accepted');
  for (const recipient of to) expect(await session.say(`RCPT TO:<${recipient}>`)).toBe('250 2.1.5 Accepted');
  expect(await session.say('DATA')).toMatch(/^354 /);
  return session.say(`${content.toString('latin1').replace(/(^|\n)\./g, '$1..')}.`);
}

describe('SMTP replies: the exact line of every answer, with its enhanced status code', () => {
  let downstream: Downstream;
  let server: RunningServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const open = () => smtpDialogue(server.smtpAddress.port);

  beforeAll(async () => {
    dir = await tempDir();
    downstream = await new Downstream({ server: { hideENHANCEDSTATUSCODES: false } }).start();
    server = await startFilter(dir.path, downstream.port);
  });
  afterAll(async () => {
    await server?.close();
    await downstream?.stop();
    await dir?.cleanup();
  });

  it('greets as "<name> ESMTP Lazaret" and offers ENHANCEDSTATUSCODES', async () => {
    const session = await open();
    try {
      expect(session.greeting).toBe('220 lazaret.test ESMTP Lazaret');
      const ehlo = (await session.say('EHLO client.test')).split('\r\n');
      expect(ehlo[0]).toBe('250-lazaret.test Nice to meet you, [127.0.0.1]');
      expect(ehlo).toContain('250-ENHANCEDSTATUSCODES');
    } finally {
      session.close();
    }
  });

  it('answers 250 2.6.0 for held and for relayed mail', async () => {
    const session = await open();
    try {
      const held = await transaction(
        session,
        ['held@example.test'],
        message({ subject: 'held', headers: ['X-Spam-Flag: YES'] }),
      );
      expect(held).toMatch(/^250 2\.6\.0 Held as [0-9A-Z]{26}$/);
      const relayed = await transaction(session, ['clean@example.test'], message({ subject: 'clean' }));
      expect(relayed).toBe('250 2.6.0 relayed to 1 recipient(s)');
    } finally {
      session.close();
    }
  });

  it('refuses recipients over smtp.maxRecipients with 452 4.5.3', async () => {
    const session = await open();
    try {
      await session.say('EHLO client.test');
      await session.say('MAIL FROM:<sender@example.org>');
      await session.say('RCPT TO:<a@example.test>');
      await session.say('RCPT TO:<b@example.test>');
      expect(await session.say('RCPT TO:<c@example.test>')).toBe('452 4.5.3 Too many recipients');
    } finally {
      session.close();
    }
  });

  it('refuses a message over smtp.maxMessageSize with 552 5.3.4, announced or not', async () => {
    const session = await open();
    try {
      await session.say('EHLO client.test');
      expect(await session.say(`MAIL FROM:<sender@example.org> SIZE=${MAX_SIZE + 1}`)).toBe(
        `552 5.3.4 Error: message exceeds fixed maximum message size ${MAX_SIZE}`,
      );
      const tooBig = message({ subject: 'too big', body: `${'x'.repeat(76)}\r\n`.repeat(60) });
      expect(await transaction(session, ['big@example.test'], tooBig)).toBe(
        '552 5.3.4 Message exceeds fixed maximum message size',
      );
    } finally {
      session.close();
    }
  });

  it('mirrors the re-injection listener’s 5xx with its enhanced code', async () => {
    const session = await open();
    try {
      downstream.onData = () => ({ code: 554, message: 'Content refused downstream' });
      expect(await transaction(session, ['erin@example.test'], message({ subject: 'refused' }))).toBe(
        '554 5.6.0 Relay: 554 5.6.0 Content refused downstream',
      );
    } finally {
      downstream.onData = undefined;
      session.close();
    }
  });

  it('mirrors the re-injection listener’s 4xx at RCPT with its enhanced code', async () => {
    const session = await open();
    try {
      downstream.onRcpt = () => ({ code: 452, message: 'Mailbox busy, try later' });
      expect(await transaction(session, ['frank@example.test'], message({ subject: 'deferred' }))).toBe(
        '452 4.2.2 Relay: 452 4.2.2 Mailbox busy, try later',
      );
    } finally {
      downstream.onRcpt = undefined;
      session.close();
    }
  });

  it('answers 451 4.3.0 when the store cannot write', async () => {
    const tmpFolder = join(dir.path, 'blobs', 'tmp');
    await rm(tmpFolder, { recursive: true, force: true });
    await writeFile(tmpFolder, 'not a folder');
    const session = await open();
    try {
      expect(await transaction(session, ['gina@example.test'], message({ subject: 'store down' }))).toBe(
        '451 4.3.0 Temporary storage failure, try again later',
      );
    } finally {
      session.close();
      await rm(tmpFolder, { force: true });
    }
  });

  it('answers 421 4.3.2 to an open session when the server shuts down', async () => {
    const otherDir = await tempDir();
    const other = await startFilter(otherDir.path, downstream.port);
    const session = await smtpDialogue(other.smtpAddress.port);
    try {
      await session.say('EHLO client.test');
      const closing = other.close();
      expect(await session.next()).toBe('421 4.3.2 Server shutting down');
      await closing;
    } finally {
      session.close();
      await other.close().catch(() => undefined);
      await otherDir.cleanup();
    }
  });
});

describe('SMTP replies when a dependency is down', () => {
  it('answers 451 4.4.1 when the re-injection listener cannot be reached', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const server = await startFilter(dir.path, port);
    const session = await smtpDialogue(server.smtpAddress.port);
    try {
      expect(await transaction(session, ['b@example.test'], message({}))).toBe(
        `451 4.4.1 Relay: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
    } finally {
      session.close();
      await server.close();
      await dir.cleanup();
    }
  });

  it('answers the re-injection listener’s 4xx/5xx with 4.4.1/5.7.1 when its reply has no enhanced code', async () => {
    const dir = await tempDir();
    const downstream = await new Downstream().start();
    const server = await startFilter(dir.path, downstream.port);
    const session = await smtpDialogue(server.smtpAddress.port);
    try {
      downstream.onData = () => ({ code: 550, message: 'Unauthenticated mail refused' });
      expect(await transaction(session, ['b@example.test'], message({}))).toBe(
        '550 5.7.1 Relay: 550 Unauthenticated mail refused',
      );
      downstream.onData = () => ({ code: 450, message: 'Try again later' });
      expect(await transaction(session, ['b@example.test'], message({}))).toBe(
        '450 4.4.1 Relay: 450 Try again later',
      );
    } finally {
      session.close();
      await server.close();
      await downstream.stop();
      await dir.cleanup();
    }
  });

  it('answers 451 4.7.1 when a scanner is down and scanners.onError is tempfail', async () => {
    const dir = await tempDir();
    const downstream = await new Downstream().start();
    const server = await startFilter(dir.path, downstream.port, {
      LAZARET_SCANNERS_ENABLED: 'policy,clamav',
      LAZARET_SCANNERS_CLAMAV_PORT: await freePort(),
    });
    const session = await smtpDialogue(server.smtpAddress.port);
    try {
      expect(await transaction(session, ['b@example.test'], message({}))).toBe(
        '451 4.7.1 Content scanner unavailable, try again later',
      );
    } finally {
      session.close();
      await server.close();
      await downstream.stop();
      await dir.cleanup();
    }
  });
});
