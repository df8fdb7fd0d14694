import { describe, expect, it } from 'vitest';
import { LazaretError } from '../core/errors.js';
import { refusalReply, replyLine } from './smtp-replies.js';

describe('refusalReply', () => {
  it.each([
    ['message_too_large', '552 5.3.4 Message exceeds fixed maximum message size'],
    ['too_many_recipients', '452 4.5.3 Too many recipients'],
    ['scanner_unavailable', '451 4.7.1 Content scanner unavailable, try again later'],
    ['store_error', '451 4.3.0 Temporary storage failure, try again later'],
    ['store_throttled', '451 4.3.0 Storage is busy, try again later'],
    ['store_not_initialised', '451 4.3.0 Storage is not set up, try again later'],
    ['shutting_down', '421 4.3.2 Server shutting down'],
  ] as const)('answers %s with "%s"', (code, line) => {
    expect(replyLine(refusalReply(new LazaretError(code, 'internal wording')))).toBe(line);
  });

  it('answers a digest loop with 554 5.4.6 and the error’s own words on one line', () => {
    const error = new LazaretError('digest_loop', 'This is a digest\r\nLazaret sent itself.');
    expect(replyLine(refusalReply(error))).toBe('554 5.4.6 This is a digest Lazaret sent itself.');
  });

  it('answers anything unexpected with 451 4.3.0, never with success or a bounce', () => {
    expect(replyLine(refusalReply(new Error('boom')))).toBe(
      '451 4.3.0 Temporary storage failure, try again later',
    );
    expect(replyLine(refusalReply(new LazaretError('internal_error', 'x')))).toBe(
      '451 4.3.0 Temporary storage failure, try again later',
    );
  });

  it.each([
    ['relay_deferred', null, 'connect ECONNREFUSED', '451 4.4.1 Relay: connect ECONNREFUSED'],
    ['relay_deferred', 452, '452 4.2.2 Mailbox full', '452 4.2.2 Relay: 452 4.2.2 Mailbox full'],
    ['relay_deferred', 421, '421 Too busy', '421 4.4.1 Relay: 421 Too busy'],
    // A reply of the wrong class is never mirrored: a deferral stays a deferral.
    ['relay_deferred', 550, '550 5.1.1 No such user', '451 4.4.1 Relay: 550 5.1.1 No such user'],
    ['relay_deferred', 452, '452 5.2.2 Mixed up', '452 4.4.1 Relay: 452 5.2.2 Mixed up'],
    ['relay_rejected', 550, '550 5.7.26 DMARC', '550 5.7.26 Relay: 550 5.7.26 DMARC'],
    ['relay_rejected', 554, '554 Refused', '554 5.7.1 Relay: 554 Refused'],
    ['relay_rejected', 451, '451 4.3.0 Odd', '554 5.7.1 Relay: 451 4.3.0 Odd'],
  ] as const)('answers %s %s "%s" with "%s"', (code, responseCode, reply, line) => {
    const error = new LazaretError(code, 'relay failed', { responseCode, reply });
    expect(replyLine(refusalReply(error))).toBe(line);
  });
});
