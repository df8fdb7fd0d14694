import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_FLAG, MACRO_STAGE, MILTER_CHUNK_SIZE, PROTOCOL_FLAG } from '../../src/milter/milter-codec.js';
import { type MilterPolicy, passThroughPolicy } from '../../src/milter/milter-policy.js';
import { type MilterServer, startMilterServer } from '../../src/milter/milter-server.js';
import type { MilterSessionOptions } from '../../src/milter/milter-session.js';
import { tempDir } from '../support/env.js';
import { memoryLogger } from '../support/memory-logger.js';
import { cstr, frame, TestMta, u16, u32 } from '../support/milter-mta.js';

const ALL_ACTIONS = 0x1ff;
const ALL_STEPS = 0x1fffff;

let server: MilterServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function mtaFor(options: Partial<MilterSessionOptions> & { policy?: MilterPolicy } = {}) {
  server = await startMilterServer({ host: '127.0.0.1', port: 0 }, { policy: passThroughPolicy, ...options });
  return TestMta.connect({ port: (server.address() as AddressInfo).port });
}

const optneg = (actions = ALL_ACTIONS, steps = ALL_STEPS) => frame('O', u32(6), u32(actions), u32(steps));

/** One message, no steps skipped by negotiation: every command is answered. */
const message = (subject: string) => [
  frame('M', cstr('<a@example.org>')),
  frame('R', cstr('<b@example.test>')),
  frame('L', cstr('Subject'), cstr(` ${subject}`)),
  frame('N'),
  frame('B', Buffer.from('body\r\n')),
];

describe('option negotiation', () => {
  it('answers version 6 with the actions it needs, and answers every step (no no-reply step, whatever the MTA offers)', async () => {
    const mta = await mtaFor();
    mta.send(
      optneg(
        ALL_ACTIONS & ~ACTION_FLAG.setSymbolList,
        PROTOCOL_FLAG.noReplyHeader |
          PROTOCOL_FLAG.noReplyRcpt |
          PROTOCOL_FLAG.noReplyEoh |
          PROTOCOL_FLAG.noBody |
          PROTOCOL_FLAG.headerLeadingSpace,
      ),
    );
    const reply = await mta.next();
    expect(reply?.code).toBe('O');
    expect(reply?.payload.toString('hex')).toBe(
      Buffer.concat([
        u32(6),
        u32(
          ACTION_FLAG.addHeaders |
            ACTION_FLAG.changeHeaders |
            ACTION_FLAG.deleteRecipient |
            ACTION_FLAG.quarantine,
        ),
        u32(PROTOCOL_FLAG.headerLeadingSpace),
      ]).toString('hex'),
    );
    // The MTA waits for an answer to each command, so each gets one at once.
    mta.send(Buffer.concat(message('every step answered')));
    for (const _command of message('')) expect((await mta.next())?.code).toBe('c');
  });

  it('asks for its macros per stage when the MTA allows SETSYMLIST', async () => {
    const mta = await mtaFor({ symbolLists: { connect: ['j', '{client_addr}'], eom: ['i'] } });
    mta.send(optneg());
    const reply = await mta.next();
    expect(reply?.payload.subarray(12).toString('hex')).toBe(
      Buffer.concat([
        u32(MACRO_STAGE.connect),
        cstr('j {client_addr}'),
        u32(MACRO_STAGE.eom),
        cstr('i'),
      ]).toString('hex'),
    );
  });

  it.each([
    ['an older protocol version', frame('O', u32(2), u32(ALL_ACTIONS), u32(ALL_STEPS))],
    ['an MTA that does not allow DELRCPT', optneg(ALL_ACTIONS & ~ACTION_FLAG.deleteRecipient)],
  ])('closes the connection on %s, with a logged reason', async (_name, bytes) => {
    const log = memoryLogger('info');
    const mta = await mtaFor({ logger: log.logger });
    mta.send(bytes);
    expect(await mta.next()).toBeUndefined();
    const line = await log.waitFor((entry) => entry.event === 'MILTER_PROTOCOL_ERROR');
    expect(line.code).toBe('negotiation_failed');
  });
});

describe('malformed input closes the connection cleanly', () => {
  it.each([
    ['a frame over the size limit (refused from its length alone)', u32(2_000_000), 'frame_too_large'],
    ['a zero-length frame', u32(0), 'frame_malformed'],
    ['an unknown command', frame('Z'), 'command_unknown'],
    ['a HELO without its NUL', frame('H', Buffer.from('client')), 'frame_malformed'],
    ['a command before option negotiation', frame('H', cstr('client')), 'command_out_of_order'],
    [
      'a header before MAIL',
      Buffer.concat([optneg(), frame('L', cstr('A'), cstr('b'))]),
      'command_out_of_order',
    ],
  ])('%s', async (_name, bytes, code) => {
    const log = memoryLogger('info');
    const mta = await mtaFor({ logger: log.logger });
    mta.send(bytes);
    // Replies sent before the bad frame (the OPTNEG answer) come first; then the socket closes.
    for (let reply = await mta.next(); reply; reply = await mta.next()) expect(reply.code).toBe('O');
    const line = await log.waitFor((entry) => entry.event === 'MILTER_PROTOCOL_ERROR');
    expect(line.code).toBe(code);
  });

  it('aborts the message a policy is reading when the connection breaks mid-body', async () => {
    let signalled: () => void;
    const aborted = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    const mta = await mtaFor({
      policy: {
        async decide(msg) {
          msg.signal.addEventListener('abort', () => signalled());
          for await (const _chunk of msg.body) {
            // read until the stream fails
          }
          return { modifications: [], reply: 'accept' };
        },
      },
    });
    mta.send(optneg(ALL_ACTIONS, 0), ...message('cut'));
    await mta.until('O');
    for (let index = 0; index < 5; index += 1) await mta.until('c');
    mta.send(frame('B', Buffer.from('partial')).subarray(0, 7));
    mta.socket.destroy();
    await aborted;
  });
});

describe('end of message', () => {
  it('sends the modifications in order, then the final reply', async () => {
    const mta = await mtaFor({
      policy: {
        async decide(msg) {
          for await (const _chunk of msg.body) {
            // read to the end
          }
          return {
            modifications: [
              { type: 'delrcpt', recipient: '<b@example.test>' },
              { type: 'chgheader', index: 1, name: 'Subject', value: '[held]' },
              { type: 'addheader', name: 'X-Lazaret', value: 'held' },
            ],
            reply: 'accept',
          };
        },
      },
    });
    mta.send(optneg(ALL_ACTIONS, 0), ...message('hi'), frame('E'));
    await mta.until('O');
    const frames = await mta.until('a');
    expect(frames.map((one) => one.code).join('')).toBe('ccccc-mha');
  });

  it.each<[string, MilterPolicy, number]>([
    [
      'the policy fails',
      {
        async decide() {
          throw new Error('store down');
        },
      },
      ALL_ACTIONS,
    ],
    [
      'the policy asks for an action the MTA did not allow',
      {
        async decide(msg) {
          for await (const _chunk of msg.body) {
            // read to the end
          }
          return { modifications: [{ type: 'quarantine', reason: 'spam' }], reply: 'accept' };
        },
      },
      ALL_ACTIONS & ~ACTION_FLAG.quarantine,
    ],
    [
      'the policy’s decision cannot be put on the wire',
      {
        async decide(msg) {
          for await (const _chunk of msg.body) {
            // read to the end
          }
          return { modifications: [{ type: 'addheader', name: 'Bad Name', value: 'x' }], reply: 'accept' };
        },
      },
      ALL_ACTIONS,
    ],
  ])('answers TEMPFAIL, and nothing else, when %s', async (_name, policy, actions) => {
    const log = memoryLogger('info');
    const mta = await mtaFor({ policy, logger: log.logger });
    mta.send(optneg(actions, 0), ...message('x'), frame('E'));
    await mta.until('O');
    const frames = await mta.until('t');
    expect(frames.map((one) => one.code).join('')).toBe('ccccct');
    await log.waitFor((entry) => entry.event === 'MILTER_POLICY_FAILED');
  });

  it('answers TEMPFAIL when the headers pass their size limit, without handing the policy a cut message', async () => {
    let decided = 0;
    const mta = await mtaFor({
      maxHeaderBytes: 100,
      policy: {
        async decide() {
          decided += 1;
          return { modifications: [], reply: 'accept' };
        },
      },
    });
    mta.send(
      optneg(ALL_ACTIONS, 0),
      frame('M', cstr('<a@example.org>')),
      frame('L', cstr('X-Big'), cstr('y'.repeat(200))),
      frame('N'),
      frame('E'),
    );
    await mta.until('O');
    expect((await mta.until('t')).map((one) => one.code).join('')).toBe('ccct');
    expect(decided).toBe(0);
  });

  it('writes the space after the colon into header values when the MTA asked for values as sent (HDR_LEADSPC)', async () => {
    const mta = await mtaFor({
      policy: {
        async decide(msg) {
          msg.body.resume();
          return {
            modifications: [
              { type: 'addheader', name: 'X-A', value: 'one' },
              { type: 'chgheader', index: 1, name: 'X-B', value: '' },
            ],
            reply: 'accept',
          };
        },
      },
    });
    mta.send(
      optneg(ALL_ACTIONS & ~ACTION_FLAG.setSymbolList, PROTOCOL_FLAG.headerLeadingSpace),
      frame('M', cstr('<a@example.org>')),
      frame('E'),
    );
    const [negotiated] = await mta.until('O');
    expect(negotiated!.payload.readUInt32BE(8)).toBe(PROTOCOL_FLAG.headerLeadingSpace);
    const frames = await mta.until('a');
    expect(frames.map((one) => `${one.code} ${one.payload.toString('latin1')}`)).toEqual([
      'c ',
      'h X-A\0 one\0',
      // An empty value deletes the header: it gets no space.
      'm \0\0\0\u0001X-B\0\0',
      'a ',
    ]);
  });

  it('sends nothing for steps negotiated as no-reply and still answers end of message', async () => {
    const mta = await mtaFor();
    mta.send(
      optneg(ALL_ACTIONS & ~ACTION_FLAG.setSymbolList),
      frame('C', cstr('client.test'), Buffer.from('4'), u16(25), cstr('192.0.2.1')),
      frame('H', cstr('client.test')),
      ...message('quiet'),
      frame('E'),
    );
    await mta.until('O');
    // Only the body chunk and end of message are answered.
    expect((await mta.until('c')).map((one) => one.code)).toEqual(['c']);
    expect((await mta.next())?.code).toBe('c');
  });
});

describe('connection life', () => {
  it('starts a new SMTP connection after QUIT_NC: the old client and its macros are forgotten', async () => {
    const seen: { client: unknown; macros: Map<string, string> }[] = [];
    const mta = await mtaFor({
      policy: {
        async decide(msg) {
          msg.body.resume();
          seen.push({ client: msg.client, macros: new Map(msg.macros) });
          return { modifications: [], reply: 'accept' };
        },
      },
    });
    const connect = (host: string) => frame('C', cstr(host), Buffer.from('4'), u16(25), cstr('192.0.2.1'));
    mta.send(
      optneg(ALL_ACTIONS, 0),
      frame('D', Buffer.from('C'), cstr('_'), cstr('first.test [192.0.2.1]')),
      connect('first.test'),
      frame('M', cstr('<a@example.org>')),
      frame('E'),
      frame('K'),
      connect('second.test'),
      frame('M', cstr('<a@example.org>')),
      frame('E'),
    );
    await mta.until('O');
    await mta.until('a');
    await mta.until('a');
    expect(seen.map((one) => (one.client as { hostname: string }).hostname)).toEqual([
      'first.test',
      'second.test',
    ]);
    expect(seen[0]!.macros.get('_')).toBe('first.test [192.0.2.1]');
    expect(seen[1]!.macros.has('_')).toBe(false);
  });

  it('closing the listener lets the decision in progress go out first, then ends the connection', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let deciding!: () => void;
    const started = new Promise<void>((resolve) => {
      deciding = resolve;
    });
    const mta = await mtaFor({
      policy: {
        async decide(msg) {
          msg.body.resume();
          deciding();
          await gate;
          return { modifications: [{ type: 'addheader', name: 'X-Done', value: 'yes' }], reply: 'accept' };
        },
      },
    });
    mta.send(optneg(ALL_ACTIONS, 0), frame('M', cstr('<a@example.org>')), frame('E'));
    await mta.until('O');
    await mta.until('c');
    await started;
    const closing = server!.close();
    server = undefined;
    release();
    expect((await mta.until('a')).map((one) => one.code)).toEqual(['h', 'a']);
    expect(await mta.next()).toBeUndefined();
    await closing;
  });
});

describe('body flow control', () => {
  it('holds back the reply to a body chunk until a slow policy has read enough', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let read = 0;
    const log = memoryLogger('debug');
    const mta = await mtaFor({
      logger: log.logger,
      policy: {
        async decide(msg) {
          await gate;
          for await (const chunk of msg.body) read += (chunk as Buffer).length;
          return { modifications: [], reply: 'accept' };
        },
      },
    });
    mta.send(optneg(ALL_ACTIONS, 0), frame('M', cstr('<a@example.org>')), frame('N'));
    await mta.until('O');
    await mta.until('c');
    await mta.until('c');
    const chunk = Buffer.alloc(MILTER_CHUNK_SIZE, 0x61);
    const blocked = log.waitFor((line) => line.event === 'MILTER_BODY_BACKPRESSURE').then(() => 'blocked');
    // Like an MTA: the next chunk only after the reply to the previous one, until the session
    // says it waits for the policy.
    let sent = 0;
    let answered = false;
    let reply: Promise<unknown>;
    for (;;) {
      mta.send(frame('B', chunk));
      sent += 1;
      answered = false;
      reply = mta.until('c').then(() => {
        answered = true;
      });
      if ((await Promise.race([blocked, reply])) === 'blocked') break;
      expect(sent).toBeLessThan(40);
    }
    // The chunk that found the stream full is answered only once the policy reads.
    expect(answered).toBe(false);
    release();
    await reply;
    mta.send(frame('E'));
    await mta.until('a');
    expect(read).toBe(sent * MILTER_CHUNK_SIZE);
  });
});

describe('listener', () => {
  it('listens on a unix socket, and refuses a path that is some other file', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'milter.sock');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir.path, 'not-a-socket'), '');
      await expect(
        startMilterServer({ path: join(dir.path, 'not-a-socket') }, { policy: passThroughPolicy }),
      ).rejects.toThrow(/not a socket/);
      server = await startMilterServer({ path }, { policy: passThroughPolicy });
      const mta = await TestMta.connect({ path });
      mta.send(optneg());
      expect((await mta.next())?.code).toBe('O');
    } finally {
      await server?.close();
      server = undefined;
      await dir.cleanup();
    }
  });
});
