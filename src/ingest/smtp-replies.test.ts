import { describe, expect, it } from 'vitest';
import { LazaretError } from '../core/errors.js';
import { refusalReply, replyLine } from './smtp-replies.js';

const relay = (code: 'relay_deferred' | 'relay_rejected', responseCode: number | null, reply: string) =>
  new LazaretError(code, 'relay failed', { responseCode, reply });

/** Each error Lazaret can refuse a message for, and the exact reply line the client gets. */
const REPLIES: [name: string, error: Error, line: string][] = [
  ...(
    [
      ['message_too_large', '552 5.3.4 Message exceeds fixed maximum message size'],
      ['too_many_recipients', '452 4.5.3 Too many recipients'],
      ['scanner_unavailable', '451 4.7.1 Content scanner unavailable, try again later'],
      ['store_error', '451 4.3.0 Temporary storage failure, try again later'],
      ['store_throttled', '451 4.3.0 Storage is busy, try again later'],
      ['store_not_initialised', '451 4.3.0 Storage is not set up, try again later'],
      ['shutting_down', '421 4.3.2 Server shutting down'],
    ] as const
  ).map(([code, line]): [string, Error, string] => [code, new LazaretError(code, 'internal wording'), line]),
  // A digest loop: 554 5.4.6 with the error's own words, on one line.
  [
    'digest_loop',
    new LazaretError('digest_loop', 'This is a digest\r\nLazaret sent itself.'),
    '554 5.4.6 This is a digest Lazaret sent itself.',
  ],
  // Anything unexpected: 451 4.3.0, never success or a bounce.
  ['an unexpected error', new Error('boom'), '451 4.3.0 Temporary storage failure, try again later'],
  [
    'internal_error',
    new LazaretError('internal_error', 'x'),
    '451 4.3.0 Temporary storage failure, try again later',
  ],
  [
    'relay_deferred without reply',
    relay('relay_deferred', null, 'connect ECONNREFUSED'),
    '451 4.4.1 Relay: connect ECONNREFUSED',
  ],
  [
    'relay_deferred 452',
    relay('relay_deferred', 452, '452 4.2.2 Mailbox full'),
    '452 4.2.2 Relay: 452 4.2.2 Mailbox full',
  ],
  ['relay_deferred 421', relay('relay_deferred', 421, '421 Too busy'), '421 4.4.1 Relay: 421 Too busy'],
  // A reply of the wrong class is never mirrored: a deferral stays a deferral.
  [
    'relay_deferred 550',
    relay('relay_deferred', 550, '550 5.1.1 No such user'),
    '451 4.4.1 Relay: 550 5.1.1 No such user',
  ],
  [
    'relay_deferred 452 5.x',
    relay('relay_deferred', 452, '452 5.2.2 Mixed up'),
    '452 4.4.1 Relay: 452 5.2.2 Mixed up',
  ],
  [
    'relay_rejected 550',
    relay('relay_rejected', 550, '550 5.7.26 DMARC'),
    '550 5.7.26 Relay: 550 5.7.26 DMARC',
  ],
  ['relay_rejected 554', relay('relay_rejected', 554, '554 Refused'), '554 5.7.1 Relay: 554 Refused'],
  ['relay_rejected 451', relay('relay_rejected', 451, '451 4.3.0 Odd'), '554 5.7.1 Relay: 451 4.3.0 Odd'],
];

describe('refusalReply', () => {
  it.each(REPLIES)('answers %s with the exact line', (_name, error, line) => {
    expect(replyLine(refusalReply(error))).toBe(line);
  });
});
