import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import type { SMTPServerSession } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load-config.js';
import { type DeliveryResult, SmtpRelay } from '../../src/relay/smtp-relay.js';
import { Downstream, type DownstreamOptions, refuseNext } from '../support/downstream.js';

// The relay's delivery semantics, against a real SMTP server: what every caller (release, digests,
// filter mode's re-injection) relies on, whatever client library sits behind SmtpRelay.

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
const key = readFileSync(new URL('key.pem', TLS_DIR));
const cert = readFileSync(new URL('cert.pem', TLS_DIR));

const message = (id: string) =>
  Buffer.from(
    `Message-ID: <${id}@test>\r\nFrom: a@example.org\r\nSubject: ${id}\r\n\r\nfirst line\r\n.a line starting with a dot\r\n.\r\nlast line\r\n`,
  );

interface Observed {
  connections: number;
  closed: number;
  sessions: { secure: boolean; user: unknown }[];
}

let downstreams: Downstream[] = [];
let relays: SmtpRelay[] = [];
let servers: Server[] = [];

afterEach(async () => {
  for (const relay of relays) relay.close(true);
  await Promise.all(downstreams.map((downstream) => downstream.stop()));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  downstreams = [];
  relays = [];
  servers = [];
});

async function downstream(
  options: DownstreamOptions = {},
): Promise<{ server: Downstream; observed: Observed }> {
  const observed: Observed = { connections: 0, closed: 0, sessions: [] };
  const server = await new Downstream({
    ...options,
    server: {
      onConnect: (_session, callback) => {
        observed.connections += 1;
        callback();
      },
      onClose: () => {
        observed.closed += 1;
      },
      onMailFrom: (_address, session: SMTPServerSession, callback) => {
        observed.sessions.push({ secure: session.secure, user: session.user });
        callback();
      },
      ...options.server,
    },
  }).start();
  downstreams.push(server);
  return { server, observed };
}

function relayTo(
  port: number,
  overrides: Partial<Config['relay']> = {},
  clock: { now?: () => number } = {},
): SmtpRelay {
  const relay = new SmtpRelay(
    {
      host: '127.0.0.1',
      port,
      tls: 'none',
      tlsVerify: false,
      maxConnections: 4,
      timeoutMs: 5_000,
      ...overrides,
    },
    clock,
  );
  relays.push(relay);
  return relay;
}

const send = (relay: SmtpRelay, id: string, to = ['rcpt@example.org'], signal?: AbortSignal) =>
  relay.deliver({ from: 'sender@example.org', to, raw: Readable.from([message(id)]), signal });

function expectFailed(result: DeliveryResult): Extract<DeliveryResult, { kind: 'failed' }> {
  expect(result.kind).toBe('failed');
  return result as Extract<DeliveryResult, { kind: 'failed' }>;
}

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<number> {
  const server = createServer(() => undefined);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A minimal SMTP server (PIPELINING, no extensions else) for the faults smtp-server cannot stage: on
 * its first connection it answers one transaction, then drops the connection at the next one — at its
 * `MAIL FROM` (before any reply of that transaction) or once that message's data arrived in full.
 */
async function droppingServer(dropAt: 'envelope' | 'after-data') {
  const seen = { connections: 0, bodies: [] as string[] };
  const server = createServer((socket) => {
    seen.connections += 1;
    const connection = seen.connections;
    let transactions = 0;
    let data: string[] | null = null;
    let pending = '';
    socket.write('220 dropping.test ESMTP\r\n');
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end >= 0 && !socket.destroyed; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (data) {
          if (line !== '.') {
            data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          seen.bodies.push(`${data.join('\r\n')}\r\n`);
          data = null;
          if (connection === 1 && transactions === 2 && dropAt === 'after-data') socket.destroy();
          else socket.write('250 queued\r\n');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-dropping.test\r\n250 PIPELINING\r\n');
        else if (verb === 'MAIL') {
          transactions += 1;
          if (connection === 1 && transactions === 2 && dropAt === 'envelope') socket.destroy();
          else socket.write('250 ok\r\n');
        } else if (verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP') socket.write('250 ok\r\n');
        else if (verb === 'DATA') {
          data = [];
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('502 unknown\r\n');
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

/**
 * A one-connection relay to a `droppingServer` that has delivered the message 'first'. Its clock stands
 * still (a connection in steady use) until `idle()` moves it on a minute.
 */
async function relayAfterFirst(dropAt: 'envelope' | 'after-data') {
  const { port, seen } = await droppingServer(dropAt);
  let now = 0;
  const relay = relayTo(port, { maxConnections: 1 }, { now: () => now });
  expect((await send(relay, 'first')).kind).toBe('accepted');
  return {
    relay,
    seen,
    idle: () => {
      now += 60_000;
    },
  };
}

describe('SmtpRelay delivery semantics', () => {
  it('delivers the raw bytes unchanged (dot-stuffed on the wire) to every recipient with the envelope given', async () => {
    const { server } = await downstream();
    const result = await send(relayTo(server.port), 'plain', ['one@example.org', 'two@example.org']);
    expect(result).toMatchObject({
      kind: 'accepted',
      accepted: ['one@example.org', 'two@example.org'],
      refused: [],
    });
    expect((result as { reply: string }).reply).toMatch(/^250 /);
    expect(server.deliveries).toHaveLength(1);
    expect(server.deliveries[0]!.raw.equals(message('plain'))).toBe(true);
    expect(server.deliveries[0]!.mailFrom).toBe('sender@example.org');
    expect(server.deliveries[0]!.rcptTo).toEqual(['one@example.org', 'two@example.org']);
  });

  it('sends the null sender as MAIL FROM:<>', async () => {
    const { server } = await downstream();
    const relay = relayTo(server.port);
    const result = await relay.deliver({
      from: '',
      to: ['rcpt@example.org'],
      raw: Readable.from([message('null')]),
    });
    expect(result.kind).toBe('accepted');
    expect(server.deliveries[0]!.mailFrom).toBe('');
  });

  it('reports partial acceptance: accepted recipients get the message, each refusal keeps its code and reply', async () => {
    const { server } = await downstream({
      onRcpt: (address) => (address.startsWith('gone') ? { code: 550, message: 'No such user' } : undefined),
    });
    const result = await send(relayTo(server.port), 'partial', ['gone@example.org', 'here@example.org']);
    expect(result).toMatchObject({
      kind: 'accepted',
      accepted: ['here@example.org'],
      refused: [
        {
          recipient: 'gone@example.org',
          responseCode: 550,
          reply: expect.stringMatching(/^550 .*No such user/),
        },
      ],
    });
    expect(server.deliveries[0]!.rcptTo).toEqual(['here@example.org']);
  });

  it('fails permanently when every recipient is refused with 5xx, temporarily when any was deferred with 4xx', async () => {
    const { server } = await downstream({
      onRcpt: (address) =>
        address.startsWith('full')
          ? { code: 452, message: 'Mailbox full' }
          : { code: 550, message: 'No such user' },
    });
    const relay = relayTo(server.port);
    const permanent = expectFailed(await send(relay, 'all-5xx', ['gone@example.org', 'lost@example.org']));
    expect(permanent).toMatchObject({ temporary: false, responseCode: 550 });
    expect(permanent.refused.map((refusal) => [refusal.recipient, refusal.responseCode])).toEqual([
      ['gone@example.org', 550],
      ['lost@example.org', 550],
    ]);
    const temporary = expectFailed(await send(relay, 'mixed', ['gone@example.org', 'full@example.org']));
    expect(temporary).toMatchObject({ temporary: true, responseCode: 452 });
    expect(temporary.refused.map((refusal) => refusal.responseCode)).toEqual([550, 452]);
    expect(server.deliveries).toHaveLength(0);
  });

  it('maps a refusal after the data to a failure with its code: 5xx permanent, 4xx temporary', async () => {
    const { server } = await downstream();
    const relay = relayTo(server.port);
    server.onData = refuseNext(1, { code: 554, message: 'Rejected by content policy' });
    const rejected = expectFailed(await send(relay, 'data-5xx'));
    expect(rejected).toMatchObject({ temporary: false, responseCode: 554 });
    expect(rejected.reply).toMatch(/^554 .*content policy/);
    server.onData = refuseNext(1, { code: 451, message: 'Try again later' });
    const deferred = expectFailed(await send(relay, 'data-4xx'));
    expect(deferred).toMatchObject({ temporary: true, responseCode: 451 });
    expect((await send(relay, 'after')).kind).toBe('accepted');
  });

  it('keeps using a connection after a refusal (RSET), one connection for messages sent one after another', async () => {
    const { server, observed } = await downstream({
      onRcpt: (address) => (address.startsWith('gone') ? { code: 550, message: 'No such user' } : undefined),
    });
    server.onData = refuseNext(1, { code: 554, message: 'No' });
    const relay = relayTo(server.port);
    expect((await send(relay, 'refused-data')).kind).toBe('failed');
    expect((await send(relay, 'refused-rcpt', ['gone@example.org'])).kind).toBe('failed');
    for (const id of ['one', 'two', 'three']) expect((await send(relay, id)).kind).toBe('accepted');
    expect(server.deliveries.map((delivery) => delivery.raw.toString())).toEqual(
      ['one', 'two', 'three'].map((id) => message(id).toString()),
    );
    expect(observed.connections).toBe(1);
  });

  it('opens at most maxConnections connections and queues the rest; every message arrives once', async () => {
    const { server, observed } = await downstream();
    const relay = relayTo(server.port, { maxConnections: 2 });
    server.hold();
    const results = Array.from({ length: 6 }, (_, index) => send(relay, `queued-${index}`));
    await server.waitForHeld(2);
    expect(observed.connections).toBe(2);
    server.release();
    expect((await Promise.all(results)).map((result) => result.kind)).toEqual(Array(6).fill('accepted'));
    expect(observed.connections).toBe(2);
    expect(server.deliveries.map((delivery) => delivery.raw.toString()).sort()).toEqual(
      Array.from({ length: 6 }, (_, index) => message(`queued-${index}`).toString()).sort(),
    );
  });

  it('reconnects when the server closed an idle connection', async () => {
    const { server, observed } = await downstream({ server: { socketTimeout: 200 } });
    const relay = relayTo(server.port);
    expect((await send(relay, 'before')).kind).toBe('accepted');
    await expect.poll(() => observed.closed).toBe(1);
    expect((await send(relay, 'after')).kind).toBe('accepted');
    expect(observed.connections).toBe(2);
    expect(server.deliveries).toHaveLength(2);
  });

  it('sends once more over a new connection when one idle for a while is dropped before the envelope is answered', async () => {
    const { relay, seen, idle } = await relayAfterFirst('envelope');
    idle();
    const second = await send(relay, 'second');
    expect(second).toMatchObject({ kind: 'accepted', accepted: ['rcpt@example.org'] });
    expect(seen.connections).toBe(2);
    expect(seen.bodies).toEqual([message('first'), message('second')].map(String));
  });

  it('fails the delivery when the stored message cannot be read — while it waits for a connection, or before DATA on a busy or an idle one', async () => {
    const { server } = await downstream();
    let now = 0;
    const relay = relayTo(server.port, { maxConnections: 1 }, { now: () => now });
    const unreadable = (raw: PassThrough) => raw.destroy(new Error('stored message unreadable'));
    const sendUnreadable = async (breakIt: (raw: PassThrough) => void | Promise<void>) => {
      const raw = new PassThrough();
      const pending = relay.deliver({ from: 'sender@example.org', to: ['rcpt@example.org'], raw });
      await breakIt(raw);
      const failed = expectFailed(await pending);
      expect(failed).toMatchObject({ temporary: true, responseCode: null });
      expect(failed.reply).toMatch(/stored message unreadable/);
    };

    server.hold();
    const first = send(relay, 'first');
    await server.waitForHeld(1);
    await sendUnreadable(async (raw) => {
      unreadable(raw);
      server.release();
      expect((await first).kind).toBe('accepted');
    });
    await sendUnreadable((raw) => void setImmediate(() => unreadable(raw)));
    expect((await send(relay, 'steady')).kind).toBe('accepted');
    now += 60_000;
    await sendUnreadable((raw) => void setImmediate(() => unreadable(raw)));
    expect((await send(relay, 'last')).kind).toBe('accepted');
    expect(server.deliveries.map((delivery) => delivery.raw.toString())).toEqual(
      ['first', 'steady', 'last'].map((id) => message(id).toString()),
    );
  });

  it('fails temporarily when a connection in steady use is dropped before the envelope is answered', async () => {
    const { relay, seen } = await relayAfterFirst('envelope');
    expect(expectFailed(await send(relay, 'second'))).toMatchObject({ temporary: true, responseCode: null });
    expect((await send(relay, 'third')).kind).toBe('accepted');
    expect(seen.connections).toBe(2);
    expect(seen.bodies).toEqual([message('first'), message('third')].map(String));
  });

  it('does not send again when the connection is lost after the data went out (the server may have taken it)', async () => {
    const { relay, seen, idle } = await relayAfterFirst('after-data');
    idle();
    expect(expectFailed(await send(relay, 'second'))).toMatchObject({ temporary: true, responseCode: null });
    expect(seen.connections).toBe(1);
    expect(seen.bodies).toHaveLength(2);
    expect((await send(relay, 'third')).kind).toBe('accepted');
    expect(seen.connections).toBe(2);
  });

  it('fails temporarily without a reply code when nothing listens', async () => {
    const result = expectFailed(await send(relayTo(await closedPort()), 'nowhere'));
    expect(result).toMatchObject({ temporary: true, responseCode: null, refused: [] });
    expect(result.reply).toMatch(/ECONNREFUSED/);
  });

  it('fails temporarily without a reply code when the server never greets (timeout)', async () => {
    const result = expectFailed(await send(relayTo(await silentServer(), { timeoutMs: 300 }), 'silent'));
    expect(result).toMatchObject({ temporary: true, responseCode: null });
    expect(result.reply).toMatch(/greeting never received|timeout/i);
  });

  it('fails temporarily when the server stops answering in the middle of a transaction (timeout)', async () => {
    const { server } = await downstream();
    server.hold();
    const relay = relayTo(server.port, { timeoutMs: 300 });
    const result = expectFailed(await send(relay, 'stalled'));
    expect(result).toMatchObject({ temporary: true, responseCode: null });
    server.release();
    expect((await send(relay, 'next')).kind).toBe('accepted');
  });

  it('tls starttls: upgrades before the envelope; refuses to send in clear text to a server without STARTTLS', async () => {
    const { server, observed } = await downstream({ server: { key, cert, disabledCommands: ['AUTH'] } });
    expect((await send(relayTo(server.port, { tls: 'starttls' }), 'tls')).kind).toBe('accepted');
    expect(observed.sessions.map((session) => session.secure)).toEqual([true]);
    const plain = await downstream();
    const refused = expectFailed(await send(relayTo(plain.server.port, { tls: 'starttls' }), 'no-tls'));
    expect(refused).toMatchObject({ temporary: true, responseCode: null });
    expect(refused.reply).toMatch(/STARTTLS/);
    expect(plain.server.deliveries).toHaveLength(0);
  });

  it('tls starttls with tlsVerify: refuses a certificate it cannot verify', async () => {
    const { server } = await downstream({ server: { key, cert, disabledCommands: ['AUTH'] } });
    const result = expectFailed(
      await send(relayTo(server.port, { tls: 'starttls', tlsVerify: true }), 'unverified'),
    );
    expect(result.reply).toMatch(/certificate/i);
    expect(server.deliveries).toHaveLength(0);
  });

  it('tls opportunistic: STARTTLS when offered, clear text when not', async () => {
    const offered = await downstream({ server: { key, cert, disabledCommands: ['AUTH'] } });
    expect((await send(relayTo(offered.server.port, { tls: 'opportunistic' }), 'offered')).kind).toBe(
      'accepted',
    );
    expect(offered.observed.sessions[0]!.secure).toBe(true);
    const plain = await downstream();
    expect((await send(relayTo(plain.server.port, { tls: 'opportunistic' }), 'plain')).kind).toBe('accepted');
    expect(plain.observed.sessions[0]!.secure).toBe(false);
  });

  it('tls none: stays in clear text even where STARTTLS is offered', async () => {
    const { server, observed } = await downstream({ server: { key, cert, disabledCommands: ['AUTH'] } });
    expect((await send(relayTo(server.port, { tls: 'none' }), 'clear')).kind).toBe('accepted');
    expect(observed.sessions[0]!.secure).toBe(false);
  });

  it('tls implicit: TLS from the first byte', async () => {
    const { server, observed } = await downstream({
      server: { secure: true, key, cert, disabledCommands: ['AUTH'] },
    });
    expect((await send(relayTo(server.port, { tls: 'implicit' }), 'implicit')).kind).toBe('accepted');
    expect(observed.sessions[0]!.secure).toBe(true);
  });

  it('authenticates with user and password; a refused login fails permanently with the server’s code', async () => {
    const { server, observed } = await downstream({
      server: {
        key,
        cert,
        disabledCommands: [],
        authOptional: false,
        onAuth: (auth, _session, callback) =>
          auth.username === 'lazaret' && auth.password === 'right'
            ? callback(null, { user: auth.username })
            : callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 })),
      },
    });
    expect(
      (await send(relayTo(server.port, { tls: 'starttls', user: 'lazaret', password: 'right' }), 'auth'))
        .kind,
    ).toBe('accepted');
    expect(observed.sessions).toEqual([{ secure: true, user: 'lazaret' }]);
    const refused = expectFailed(
      await send(relayTo(server.port, { tls: 'starttls', user: 'lazaret', password: 'wrong' }), 'bad-auth'),
    );
    expect(refused).toMatchObject({ temporary: false, responseCode: 535 });
    expect(server.deliveries).toHaveLength(1);
  });

  it('an aborted delivery fails without a reply code and leaves the relay usable', async () => {
    const { server } = await downstream();
    const relay = relayTo(server.port, { maxConnections: 1 });
    server.hold();
    const controller = new AbortController();
    const pending = send(relay, 'aborted', undefined, controller.signal);
    await server.waitForHeld(1);
    controller.abort();
    expect(expectFailed(await pending)).toMatchObject({ temporary: true, responseCode: null });
    server.release();
    expect((await send(relay, 'after-abort')).kind).toBe('accepted');
    const aborted = new AbortController();
    aborted.abort();
    expect(
      expectFailed(await send(relay, 'already-aborted', undefined, aborted.signal)).responseCode,
    ).toBeNull();
  });

  it('close() fails what is asked after it; close(true) also ends a delivery in flight', async () => {
    const { server } = await downstream();
    const relay = relayTo(server.port, { maxConnections: 1 });
    server.hold();
    const inFlight = send(relay, 'in-flight');
    const queued = send(relay, 'queued');
    await server.waitForHeld(1);
    relay.close(true);
    expect(expectFailed(await inFlight).responseCode).toBeNull();
    expect(expectFailed(await queued).responseCode).toBeNull();
    expect(expectFailed(await send(relay, 'after-close')).temporary).toBe(true);
  });

  it('verify() resolves when the relay greets and rejects when it cannot be reached', async () => {
    const { server } = await downstream();
    await expect(relayTo(server.port).verify()).resolves.toBeUndefined();
    await expect(relayTo(await closedPort()).verify()).rejects.toThrow(/ECONNREFUSED/);
  });
});
