import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/env.js';
import { RspamdScanner } from './rspamd.js';

/** A /checkv2 reply as rspamd 3 sends it (trimmed): symbols with scores, some with a description. */
const REPLY = {
  action: 'reject',
  score: 1001.2,
  required_score: 15,
  symbols: {
    GTUBE: {
      name: 'GTUBE',
      score: 0,
      metric_score: 0,
      description: 'Generic Test for Unsolicited Bulk Email',
    },
    MIME_GOOD: { name: 'MIME_GOOD', score: -0.1, description: 'Known content-type', options: ['text/plain'] },
    R_DKIM_NA: { name: 'R_DKIM_NA', score: 0 },
  },
};

describe('RspamdScanner against an HTTP peer answering /checkv2', () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () =>
        response.setHeader('content-type', 'application/json').end(JSON.stringify(REPLY)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the symbols, highest score first, and the descriptions rspamd gives', async () => {
    const { port } = server.address() as AddressInfo;
    const config = testConfig({ LAZARET_SCANNERS_RSPAMD_URL: `http://127.0.0.1:${port}` });
    const raw = Buffer.from('Subject: hi\r\n\r\nhello\r\n');
    const outcome = await new RspamdScanner(config.scanners.rspamd).scan({
      messageId: 'm',
      envelope: { mailFrom: 'a@b.test', rcptTo: ['c@d.test'] },
      recipients: ['c@d.test'],
      sender: 'a@b.test',
      size: raw.length,
      summary: { headers: {}, attachments: [], parseProblems: [], scannerHeaders: {}, archives: [] },
      openRaw: async () => Readable.from([raw]),
      signal: new AbortController().signal,
    });
    expect(outcome.verdict).toEqual({
      action: 'quarantine',
      reason: 'spam',
      score: 1001.2,
      details: {
        action: 'reject',
        required: 15,
        symbols: ['GTUBE', 'R_DKIM_NA', 'MIME_GOOD'],
        descriptions: { GTUBE: 'Generic Test for Unsolicited Bulk Email', MIME_GOOD: 'Known content-type' },
      },
    });
  });
});
