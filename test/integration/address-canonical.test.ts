import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { runCli, ServeProcess } from '../support/serve-process.js';

/**
 * Issue 14 item 8: one canonical form for every address, at SMTP and in the API (core/address.ts).
 * Drives the SMTP dialogue by hand so the exact MAIL FROM / RCPT TO text and parameters are sent.
 */

/** Sends each command, waiting for its reply; answers the replies in order (the greeting first). */
async function dialogue(port: number, commands: string[]): Promise<string[]> {
  const socket = connect({ host: '127.0.0.1', port });
  const replies: string[] = [];
  let buffer = '';
  let waiting: ((reply: string) => void) | null = null;
  const pending: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (;;) {
      const match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer);
      if (!match) return;
      const reply = buffer.slice(0, match.index + match[0].length).trim();
      buffer = buffer.slice(match.index + match[0].length);
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(reply);
      } else pending.push(reply);
    }
  });
  const next = () =>
    new Promise<string>((resolve) => {
      const ready = pending.shift();
      if (ready !== undefined) resolve(ready);
      else waiting = resolve;
    });
  replies.push(await next());
  for (const command of commands) {
    socket.write(`${command}\r\n`);
    replies.push(await next());
  }
  socket.end('QUIT\r\n');
  return replies;
}

const code = (reply: string | undefined) => Number(reply?.slice(0, 3));

describe('addresses in one canonical form: SMTP ingest and API input', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let admin: ApiClient;
  let alice: ApiClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-address-'));
    downstream = await new Downstream().start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: 'admin@admin.test',
      LAZARET_ADMIN_PASSWORD: 'address-password-1',
    }).start();
    const added = await runCli(
      { LAZARET_DATA_DIR: dataDir },
      [
        'user',
        'add',
        '"Alice"@A.Test',
        '--address',
        'ALICE@a.test',
        '--address',
        'jörg@bücher.test',
        '--password-stdin',
      ],
      'address-password-1',
    );
    expect(added.code, added.stderr).toBe(0);
    admin = await ApiClient.login(() => serve.baseUrl, 'admin@admin.test', 'address-password-1');
    alice = await ApiClient.login(() => serve.baseUrl, 'ALICE@a.test', 'address-password-1');
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const send = (from: string, rcpts: string[], subject: string) =>
    dialogue(serve.smtpPort, [
      'EHLO client.test',
      from,
      ...rcpts,
      'DATA',
      `From: x@bad.test\r\nSubject: ${subject}\r\n\r\nbody\r\n.`,
    ]);

  it('stores quoted, upper-case and A-label spellings as one canonical address that its owner sees', async () => {
    const replies = await send(
      'MAIL FROM:<"Spam.Er"@Bad.Test>',
      ['RCPT TO:<"alice"@a.test>', 'RCPT TO:<ALICE@A.TEST>', 'RCPT TO:<joerg@xn--bcher-kva.test>'],
      'spellings',
    );
    expect(replies.map(code)).toEqual([220, 250, 250, 250, 250, 250, 354, 250]);
    const mine = (await alice.request('/api/quarantine?q=subject:spellings')).body as {
      items: { id: string; recipient: string; sender: string }[];
    };
    expect(mine.items.map((item) => [item.recipient, item.sender])).toEqual([
      ['alice@a.test', 'spam.er@bad.test'],
    ]);
    const detail = (await alice.request(`/api/quarantine/${mine.items[0]!.id}`)).body as {
      message: { envelope: { mailFrom: string; rcptTo: string[] } };
    };
    expect(detail.message.envelope).toEqual({ mailFrom: 'spam.er@bad.test', rcptTo: ['alice@a.test'] });
    const all = (await admin.request('/api/quarantine?q=subject:spellings')).body as {
      items: { recipient: string }[];
    };
    expect(all.items.map((item) => item.recipient).sort()).toEqual([
      'alice@a.test',
      'joerg@xn--bcher-kva.test',
    ]);

    // Filters take any spelling of the same address, and the same domain in Unicode or A-labels.
    for (const recipient of ['"alice"@a.test', 'Alice@A.test', '<alice@a.test>']) {
      const found = (
        await admin.request(`/api/quarantine?q=subject:spellings&recipient=${encodeURIComponent(recipient)}`)
      ).body as { items: unknown[] };
      expect(found.items, recipient).toHaveLength(1);
    }
    const byDomain = (
      await admin.request(`/api/quarantine?q=subject:spellings&sender=${encodeURIComponent('BAD.test')}`)
    ).body as { items: unknown[] };
    expect(byDomain.items).toHaveLength(2);
    const unicode = (
      await admin.request(
        `/api/quarantine?q=subject:spellings&recipient=${encodeURIComponent('joerg@Bücher.test')}`,
      )
    ).body as { items: unknown[] };
    expect(unicode.items).toHaveLength(1);
  });

  it('needs SMTPUTF8 for a non-ASCII local part, and holds it with the parameter', async () => {
    const without = await dialogue(serve.smtpPort, [
      'EHLO client.test',
      'MAIL FROM:<x@bad.test>',
      'RCPT TO:<jörg@bücher.test>',
    ]);
    expect(without[1]).toMatch(/SMTPUTF8/);
    expect(without[3]).toMatch(/^553 .*SMTPUTF8/);
    const sender = await dialogue(serve.smtpPort, ['EHLO client.test', 'MAIL FROM:<jörg@bad.test>']);
    expect(sender[2]).toMatch(/^553 /);
    const replies = await send('MAIL FROM:<x@bad.test> SMTPUTF8', ['RCPT TO:<jörg@bücher.test>'], 'utf8');
    expect(replies.map(code)).toEqual([220, 250, 250, 250, 354, 250]);
    const mine = (await alice.request('/api/quarantine?q=subject:utf8')).body as {
      items: { recipient: string }[];
    };
    expect(mine.items.map((item) => item.recipient)).toEqual(['jörg@xn--bcher-kva.test']);
  });

  it.each([
    ['a local part over 64 octets', `RCPT TO:<${'a'.repeat(65)}@a.test>`],
    ['a domain label over 63 octets', `RCPT TO:<a@${'b'.repeat(64)}.test>`],
    ['a bidi override', 'RCPT TO:<ali\u202ece@a.test>'],
    ['a line separator', 'RCPT TO:<alice\u2028@a.test>'],
    ['an underscore in the domain', 'RCPT TO:<alice@a_b.test>'],
  ])('refuses %s at RCPT TO permanently, and keeps the session usable', async (_what, command) => {
    const replies = await dialogue(serve.smtpPort, [
      'EHLO client.test',
      'MAIL FROM:<x@bad.test> SMTPUTF8',
      command,
      'RCPT TO:<alice@a.test>',
    ]);
    // 553 from Lazaret's check; smtp-server's own syntax check answers some of them first with 501.
    expect(replies.map(code)).toEqual([
      220,
      250,
      250,
      expect.toSatisfy((value: number) => value === 553 || value === 501),
      250,
    ]);
  });

  it('accepts the domainless postmaster at RCPT TO (RFC 5321 §4.1.1.3)', async () => {
    const replies = await dialogue(serve.smtpPort, [
      'EHLO client.test',
      'MAIL FROM:<x@bad.test>',
      'RCPT TO:<Postmaster>',
    ]);
    expect(replies.map(code)).toEqual([220, 250, 250, 250]);
  });

  it('takes release recipients in canonical form and refuses invalid ones with address_invalid', async () => {
    const mine = (await alice.request('/api/quarantine?q=subject:spellings')).body as {
      items: { id: string }[];
    };
    const id = mine.items[0]!.id;
    for (const recipients of [
      ['not an address'],
      ['a@b..test'],
      [`${'a'.repeat(65)}@a.test`],
      ['x\u202e@a.test'],
    ]) {
      const refused = await alice.request(`/api/quarantine/${id}/release`, {
        method: 'POST',
        json: { recipients },
      });
      expect([refused.status, refused.body], recipients[0]).toMatchObject([
        400,
        { error: { code: 'address_invalid' } },
      ]);
    }
    const released = await alice.request(`/api/quarantine/${id}/release`, {
      method: 'POST',
      json: { recipients: ['"Alice"@A.test', 'alice@a.test'] },
    });
    expect(released.status, released.text).toBe(200);
    expect((released.body as { item: { release: { to: string[] } } }).item.release.to).toEqual([
      'alice@a.test',
    ]);
    expect(downstream.deliveries.at(-1)?.rcptTo).toEqual(['alice@a.test']);
  });

  it('stores user addresses in canonical form and refuses invalid ones', async () => {
    const me = (await alice.request('/api/auth/me')).body as { user: { email: string; addresses: string[] } };
    expect(me.user.email).toBe('alice@a.test');
    expect(me.user.addresses).toEqual(['alice@a.test', 'jörg@xn--bcher-kva.test']);
    const bad = await admin.request('/api/users', {
      method: 'POST',
      json: { email: 'bad\u202e@a.test', role: 'user', password: 'address-password-2' },
    });
    expect([bad.status, bad.body]).toMatchObject([400, { error: { code: 'address_invalid' } }]);
  });
});
