import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCommand,
  encodeReply,
  type MilterCommand,
  MilterFrameReader,
  MilterProtocolError,
  type MilterReply,
} from '../../src/milter/milter-codec.js';
import { cstr, frame, u16, u32 } from '../support/milter-mta.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function decodeAll(bytes: Buffer, reader = new MilterFrameReader()): MilterCommand[] {
  return reader.push(bytes).map((one) => decodeCommand(one));
}

function protocolError(action: () => unknown): MilterProtocolError {
  try {
    action();
  } catch (error) {
    if (error instanceof MilterProtocolError) return error;
    throw error;
  }
  throw new Error('no MilterProtocolError was thrown');
}

describe('decodeCommand: every MTA → milter command of protocol 6, from bytes written by hand', () => {
  it.each<[string, string, MilterCommand]>([
    [
      'SMFIC_OPTNEG',
      '0000000d 4f 00000006 000001ff 001fffff',
      { type: 'optneg', version: 6, actions: 0x1ff, protocol: 0x1fffff },
    ],
    [
      'SMFIC_MACRO',
      `0000001b 44 43 ${Buffer.from('j\0mx.test\0{daemon_name}\0\0').toString('hex')}`,
      {
        type: 'macro',
        forCommand: 'C',
        macros: [
          ['j', 'mx.test'],
          ['{daemon_name}', ''],
        ],
      },
    ],
    [
      'SMFIC_CONNECT (inet)',
      `00000018 43 ${Buffer.from('mail.test\0').toString('hex')} 34 0019 ${Buffer.from('192.0.2.1\0').toString('hex')}`,
      { type: 'connect', hostname: 'mail.test', family: 'inet', port: 25, address: '192.0.2.1' },
    ],
    [
      'SMFIC_CONNECT (inet6)',
      `0000000e 43 ${Buffer.from('[::1]\0').toString('hex')} 36 1f90 ${Buffer.from('::1\0').toString('hex')}`,
      { type: 'connect', hostname: '[::1]', family: 'inet6', port: 8080, address: '::1' },
    ],
    [
      'SMFIC_CONNECT (unix)',
      `0000000d 43 ${Buffer.from('local\0').toString('hex')} 4c 0000 ${Buffer.from('/s\0').toString('hex')}`,
      { type: 'connect', hostname: 'local', family: 'unix', port: 0, address: '/s' },
    ],
    [
      'SMFIC_CONNECT (unknown family)',
      `0000000a 43 ${Buffer.from('nowhere\0').toString('hex')} 55`,
      { type: 'connect', hostname: 'nowhere', family: 'unknown' },
    ],
    [
      'SMFIC_HELO',
      `0000000d 48 ${Buffer.from('client.test\0').toString('hex')}`,
      { type: 'helo', name: 'client.test' },
    ],
    [
      'SMFIC_MAIL',
      `0000001a 4d ${Buffer.from('<a@example.org>\0SIZE=100\0').toString('hex')}`,
      { type: 'mail', args: ['<a@example.org>', 'SIZE=100'] },
    ],
    [
      'SMFIC_RCPT',
      `00000012 52 ${Buffer.from('<b@example.test>\0').toString('hex')}`,
      { type: 'rcpt', args: ['<b@example.test>'] },
    ],
    ['SMFIC_DATA', '00000001 54', { type: 'data' }],
    [
      'SMFIC_HEADER',
      `0000000d 4c ${Buffer.from('Subject\0 Hi\0').toString('hex')}`,
      { type: 'header', name: 'Subject', value: Buffer.from(' Hi') },
    ],
    ['SMFIC_EOH', '00000001 4e', { type: 'eoh' }],
    ['SMFIC_BODY', '00000005 42 0d0a00ff', { type: 'body', chunk: hex('0d0a00ff') }],
    ['SMFIC_BODYEOB', '00000001 45', { type: 'bodyEob', chunk: Buffer.alloc(0) }],
    ['SMFIC_ABORT', '00000001 41', { type: 'abort' }],
    ['SMFIC_QUIT', '00000001 51', { type: 'quit' }],
    ['SMFIC_QUIT_NC', '00000001 4b', { type: 'quitNewConnection' }],
    [
      'SMFIC_UNKNOWN',
      `0000000b 55 ${Buffer.from('XCLIENT x\0').toString('hex')}`,
      { type: 'unknown', command: 'XCLIENT x' },
    ],
  ])('%s', (_name, bytes, expected) => {
    expect(decodeAll(hex(bytes))).toEqual([expected]);
  });

  it('reads the three numbers of an OPTNEG and ignores what follows them, as libmilter does', () => {
    expect(decodeAll(frame('O', u32(6), u32(1), u32(2), Buffer.from([9, 9])))).toEqual([
      { type: 'optneg', version: 6, actions: 1, protocol: 2 },
    ]);
  });

  it('keeps header values and body bytes raw, and decodes envelope strings as UTF-8', () => {
    const [header, mail] = decodeAll(
      Buffer.concat([
        frame('L', cstr('Subject'), Buffer.from([0xe9, 0x20, 0xff, 0])),
        frame('M', cstr('<jürgen@example.org>')),
      ]),
    );
    expect(header).toEqual({ type: 'header', name: 'Subject', value: Buffer.from([0xe9, 0x20, 0xff]) });
    expect(mail).toEqual({ type: 'mail', args: ['<jürgen@example.org>'] });
  });
});

describe('encodeReply: every milter → MTA reply and action, byte for byte', () => {
  it.each<[string, MilterReply, string]>([
    ['SMFIR_ACCEPT', { type: 'accept' }, '00000001 61'],
    ['SMFIR_CONTINUE', { type: 'continue' }, '00000001 63'],
    ['SMFIR_DISCARD', { type: 'discard' }, '00000001 64'],
    ['SMFIR_REJECT', { type: 'reject' }, '00000001 72'],
    ['SMFIR_TEMPFAIL', { type: 'tempfail' }, '00000001 74'],
    ['SMFIR_PROGRESS', { type: 'progress' }, '00000001 70'],
    ['SMFIR_SKIP', { type: 'skip' }, '00000001 73'],
    [
      'SMFIR_REPLYCODE',
      { type: 'replycode', reply: '550 5.7.1 No' },
      `0000000e 79 ${Buffer.from('550 5.7.1 No\0').toString('hex')}`,
    ],
    [
      'SMFIR_REPLYCODE doubles % (Sendmail reads the text as a format)',
      { type: 'replycode', reply: '451 4.7.1 100% busy' },
      `00000016 79 ${Buffer.from('451 4.7.1 100%% busy\0').toString('hex')}`,
    ],
    [
      'SMFIR_ADDHEADER',
      { type: 'addheader', name: 'X-Lazaret', value: 'clean' },
      `00000011 68 ${Buffer.from('X-Lazaret\0clean\0').toString('hex')}`,
    ],
    [
      'SMFIR_CHGHEADER',
      { type: 'chgheader', index: 1, name: 'Subject', value: '' },
      `0000000e 6d 00000001 ${Buffer.from('Subject\0\0').toString('hex')}`,
    ],
    [
      'SMFIR_INSHEADER',
      { type: 'insheader', index: 0, name: 'X-A', value: 'b' },
      `0000000b 69 00000000 ${Buffer.from('X-A\0b\0').toString('hex')}`,
    ],
    [
      'SMFIR_DELRCPT',
      { type: 'delrcpt', recipient: '<b@example.test>' },
      `00000012 2d ${Buffer.from('<b@example.test>\0').toString('hex')}`,
    ],
    [
      'SMFIR_ADDRCPT',
      { type: 'addrcpt', recipient: 'c@example.test' },
      `00000010 2b ${Buffer.from('c@example.test\0').toString('hex')}`,
    ],
    [
      'SMFIR_ADDRCPT_PAR',
      { type: 'addrcpt', recipient: 'c@x', args: 'NOTIFY=NEVER' },
      `00000012 32 ${Buffer.from('c@x\0NOTIFY=NEVER\0').toString('hex')}`,
    ],
    [
      'SMFIR_QUARANTINE',
      { type: 'quarantine', reason: 'spam' },
      `00000006 71 ${Buffer.from('spam\0').toString('hex')}`,
    ],
    [
      'SMFIC_OPTNEG reply',
      { type: 'optneg', version: 6, actions: 0x39, protocol: 0x1000 },
      '0000000d 4f 00000006 00000039 00001000',
    ],
    [
      'SMFIC_OPTNEG reply with SETSYMLIST macro lists (stage, names)',
      {
        type: 'optneg',
        version: 6,
        actions: 0x139,
        protocol: 0,
        symbolLists: { connect: ['j', '_'], eom: ['i'] },
      },
      `0000001b 4f 00000006 00000139 00000000 00000000 ${Buffer.from('j _\0').toString('hex')} 00000005 ${Buffer.from('i\0').toString('hex')}`,
    ],
  ])('%s', (_name, reply, bytes) => {
    expect(encodeReply(reply).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it.each<[string, MilterReply]>([
    ['a header name with a colon', { type: 'addheader', name: 'X:Y', value: 'v' }],
    ['a header name with a space', { type: 'addheader', name: 'X Y', value: 'v' }],
    ['a header value with a bare LF', { type: 'addheader', name: 'X', value: 'a\nb' }],
    [
      'a header value with CRLF not followed by folding',
      { type: 'addheader', name: 'X', value: 'a\r\nB: c' },
    ],
    ['a NUL in a recipient', { type: 'delrcpt', recipient: 'a\0b' }],
    ['a negative header index', { type: 'chgheader', index: -1, name: 'X', value: '' }],
    ['a 2xx reply code', { type: 'replycode', reply: '250 2.0.0 ok' }],
    ['a reply whose enhanced code differs in class', { type: 'replycode', reply: '550 4.7.1 no' }],
    ['a two-line reply', { type: 'replycode', reply: '550 5.7.1 a\r\n550 5.7.1 b' }],
  ])('refuses %s with reply_invalid', (_name, reply) => {
    expect(protocolError(() => encodeReply(reply)).code).toBe('reply_invalid');
  });

  it('allows a folded header value', () => {
    expect(() => encodeReply({ type: 'addheader', name: 'X', value: 'a\r\n\tb' })).not.toThrow();
  });
});

describe('MilterFrameReader', () => {
  const sequence = Buffer.concat([
    frame('O', u32(6), u32(0x1ff), u32(0x1fffff)),
    frame('D', Buffer.from('C'), cstr('j'), cstr('mx.test')),
    frame('C', cstr('client.test'), Buffer.from('4'), u16(4321), cstr('192.0.2.7')),
    frame('H', cstr('client.test')),
    frame('M', cstr('<a@example.org>')),
    frame('R', cstr('<b@example.test>')),
    frame('R', cstr('<c@example.test>'), cstr('NOTIFY=NEVER')),
    frame('T'),
    frame('L', cstr('Subject'), cstr(' hello')),
    frame('N'),
    frame('B', Buffer.alloc(3000, 0x61)),
    frame('E'),
    frame('A'),
    frame('K'),
    frame('Q'),
  ]);

  it('decodes any split of a valid frame sequence to the same commands', () => {
    const whole = decodeAll(sequence);
    expect(whole).toHaveLength(15);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: sequence.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), sequence.length];
          const reader = new MilterFrameReader();
          const decoded: MilterCommand[] = [];
          for (let index = 1; index < points.length; index += 1) {
            decoded.push(...decodeAll(sequence.subarray(points[index - 1], points[index]), reader));
          }
          expect(decoded).toEqual(whole);
          expect(reader.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('decodes a stream fed one byte at a time', () => {
    const reader = new MilterFrameReader();
    const decoded: MilterCommand[] = [];
    for (const byte of sequence) decoded.push(...decodeAll(Buffer.from([byte]), reader));
    expect(decoded).toEqual(decodeAll(sequence));
  });

  it('holds back an unfinished frame and reports its bytes', () => {
    const reader = new MilterFrameReader();
    expect(reader.push(hex('0000000d 4f 0000'))).toEqual([]);
    expect(reader.pendingBytes).toBe(7);
  });

  it('refuses a length over the limit as soon as the length is read, before its payload', () => {
    const reader = new MilterFrameReader(1000);
    const error = protocolError(() => reader.push(hex('000003e9 42')));
    expect(error.code).toBe('frame_too_large');
    expect(new MilterFrameReader(1000).push(Buffer.concat([u32(1000), Buffer.alloc(1000)]))).toHaveLength(1);
  });

  it('refuses a zero length (a frame without a command)', () => {
    expect(protocolError(() => new MilterFrameReader().push(hex('00000000'))).code).toBe('frame_malformed');
  });
});

describe('arbitrary bytes', () => {
  it('either decode or fail with a MilterProtocolError, never another error', () => {
    const commandCodes = [...'ABCDEHKLMNOQRTU'].map((code) => code.charCodeAt(0));
    // Frames with a plausible length and a real command byte reach the payload decoders.
    const plausibleFrame = fc
      .tuple(fc.constantFrom(...commandCodes), fc.uint8Array({ maxLength: 64 }))
      .map(([code, payload]) => frame(String.fromCharCode(code), Buffer.from(payload)));
    const anyBytes = fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes));
    fc.assert(
      fc.property(fc.array(fc.oneof(plausibleFrame, anyBytes), { maxLength: 8 }), (parts) => {
        const reader = new MilterFrameReader(4096);
        try {
          for (const one of reader.push(Buffer.concat(parts))) decodeCommand(one);
        } catch (error) {
          expect(error).toBeInstanceOf(MilterProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('decodeCommand refuses malformed frames with a typed error', () => {
  it.each<[string, Buffer, string]>([
    ['an unknown command byte', frame('Z'), 'command_unknown'],
    ['a short OPTNEG', frame('O', u32(6), u32(0)), 'frame_malformed'],
    ['a HELO without its NUL', frame('H', Buffer.from('client')), 'frame_malformed'],
    ['a MAIL without an address', frame('M'), 'frame_malformed'],
    [
      'a RCPT whose last argument lacks its NUL',
      frame('R', cstr('<a@b>'), Buffer.from('X')),
      'frame_malformed',
    ],
    ['a macro name without a value', frame('D', Buffer.from('C'), cstr('j')), 'frame_malformed'],
    ['a MACRO without its command byte', frame('D'), 'frame_malformed'],
    ['a CONNECT with an unknown family', frame('C', cstr('h'), Buffer.from('9')), 'frame_malformed'],
    [
      'a CONNECT cut inside the port',
      frame('C', cstr('h'), Buffer.from('4'), Buffer.from([0])),
      'frame_malformed',
    ],
    ['a HEADER with an empty name', frame('L', cstr(''), cstr('v')), 'frame_malformed'],
    ['a HEADER without a value', frame('L', cstr('Subject')), 'frame_malformed'],
    ['a DATA with a payload', frame('T', Buffer.from([0])), 'frame_malformed'],
    ['a QUIT with a payload', frame('Q', Buffer.from('x')), 'frame_malformed'],
  ])('%s', (_name, bytes, code) => {
    const [one] = new MilterFrameReader().push(bytes);
    expect(protocolError(() => decodeCommand(one!)).code).toBe(code);
  });
});
