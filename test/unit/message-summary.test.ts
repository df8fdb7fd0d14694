import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { postfixQueueId, SummaryCollector } from '../../src/ingest/message-summary.js';

async function summarise(raw: string | Buffer) {
  const collector = new SummaryCollector();
  await pipeline(Readable.from([Buffer.isBuffer(raw) ? raw : Buffer.from(raw)]), collector);
  return collector.summary();
}

describe('message summary', () => {
  it('finds the queue id in the topmost Received header when Postfix wrote it', async () => {
    const summary = await summarise(
      [
        'Received: from client.example.net (localhost [127.0.0.1])',
        '\tby mx.corp.test (Postfix) with ESMTP id 4Xb1Kz2QfNz9TQ',
        '\tfor <dora@example.test>; Wed,  2 Dec 2026 10:04:38 +0000 (UTC)',
        'Received: from inner.example (inner.example [192.0.2.1]) by relay.example (Postfix) with ESMTPS id OUTER1',
        'From: a@b.test',
        '',
        'body',
        '',
      ].join('\r\n'),
    );
    expect(postfixQueueId(summary.scannerHeaders.received?.[0])).toBe('4Xb1Kz2QfNz9TQ');
    expect(
      postfixQueueId('from a (b [192.0.2.1]) by mx.example (Exim 4.96) with esmtps id 1tGxyz-000abc-4Q'),
    ).toBeUndefined();
    expect(postfixQueueId(undefined)).toBeUndefined();
  });

  it('decodes encoded words and finds the sender address', async () => {
    const summary = await summarise(
      'From: =?UTF-8?Q?J=C3=BCrgen?= <Juergen@Example.COM>\r\nTo: a@b.test\r\nSubject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n',
    );
    expect(summary.headers).toEqual({
      from: 'Jürgen <Juergen@Example.COM>',
      fromAddress: 'juergen@example.com',
      to: 'a@b.test',
      subject: 'Überweisung',
      messageId: '<x@y>',
    });
    expect(summary.parseProblems).toEqual([]);
  });

  it('lists attachments with names, types and encoded sizes', async () => {
    const raw = [
      'From: a@b.test',
      'Subject: files',
      'Content-Type: multipart/mixed; boundary="XX"',
      '',
      '--XX',
      'Content-Type: text/plain',
      '',
      'hello',
      '--XX',
      'Content-Type: application/zip; name="a.zip"',
      'Content-Disposition: attachment; filename="a.zip"',
      'Content-Transfer-Encoding: base64',
      '',
      'UEsDBA==',
      '--XX--',
      '',
    ].join('\r\n');
    const summary = await summarise(raw);
    expect(summary.attachments).toEqual([
      { filename: 'a.zip', contentType: 'application/zip', size: expect.any(Number) },
    ]);
    expect(summary.attachments[0]!.size).toBeGreaterThanOrEqual(8);
  });

  it('records a problem instead of failing on input without a header block', async () => {
    const summary = await summarise(Buffer.from([0x00, 0xff, 0x00]));
    expect(summary.headers).toEqual({});
    expect(summary.attachments).toEqual([]);
  });

  it('cuts absurdly long header values and says so', async () => {
    const summary = await summarise(`Subject: ${'x'.repeat(20_000)}\r\n\r\nbody`);
    expect(summary.headers.subject).toHaveLength(4096);
    expect(summary.parseProblems).toContain('subject: longer than 4096 characters, cut');
  });
});
