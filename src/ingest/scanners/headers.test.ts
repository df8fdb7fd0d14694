import { describe, expect, it } from 'vitest';
import { message } from '../../../test/support/mail.js';
import { SummaryCollector } from '../message-summary.js';
import { HeadersScanner, isTrusted, trustedHostList } from './headers.js';

async function scan(headers: string[], remoteAddress = '10.1.2.3') {
  const collector = new SummaryCollector();
  collector.end(message({ headers }));
  await new Promise((resolve) => collector.on('finish', resolve));
  const scanner = new HeadersScanner(
    { trustedHosts: ['10.0.0.0/8', '::1'], rspamdHoldActions: ['reject', 'add header', 'rewrite subject'] },
    1000,
  );
  return scanner.scan({
    messageId: 'm',
    envelope: { mailFrom: '', rcptTo: ['r@example.test'] },
    recipients: ['r@example.test'],
    sender: '',
    size: 1,
    summary: collector.summary(),
    remoteAddress,
    openRaw: async () => {
      throw new Error('unused');
    },
    signal: new AbortController().signal,
  });
}

describe('trusted upstream headers', () => {
  it('trusts addresses and CIDR ranges, also IPv4-mapped IPv6', () => {
    const list = trustedHostList(['127.0.0.1', '192.168.0.0/16', '::1']);
    expect(isTrusted(list, '127.0.0.1')).toBe(true);
    expect(isTrusted(list, '::ffff:192.168.4.5')).toBe(true);
    expect(isTrusted(list, '::1')).toBe(true);
    expect(isTrusted(list, '8.8.8.8')).toBe(false);
    expect(isTrusted(list, undefined)).toBe(false);
    expect(() => trustedHostList(['not-an-ip'])).toThrow(/not an IP/);
  });

  it('ignores the headers from an untrusted client', async () => {
    const outcome = await scan(['X-Spam-Flag: YES'], '203.0.113.9');
    expect(outcome.verdict).toMatchObject({ action: 'pass', details: { trusted: false } });
  });

  it('reads SpamAssassin flag and status, with score, required and tests', async () => {
    const outcome = await scan([
      'X-Spam-Status: Yes, score=8.3 required=5.0 tests=BAYES_99,\r\n\tURIBL_BLACK autolearn=no',
    ]);
    expect(outcome.verdict).toMatchObject({ action: 'quarantine', reason: 'spam', score: 8.3 });
    expect(outcome.verdict.details).toMatchObject({ required: 5, symbols: ['BAYES_99', 'URIBL_BLACK'] });
    expect((await scan(['X-Spam-Flag: YES', 'X-Spam-Score: 6.1'])).verdict).toMatchObject({ score: 6.1 });
    expect((await scan(['X-Spam-Status: No, score=1.0'])).verdict.action).toBe('pass');
  });

  it('reads rspamd action and score, clamav-milter virus status; only the topmost counts', async () => {
    expect((await scan(['X-Rspamd-Action: add header', 'X-Rspamd-Score: 7.5'])).verdict).toMatchObject({
      reason: 'spam',
      score: 7.5,
    });
    expect((await scan(['X-Rspamd-Action: no action'])).verdict.action).toBe('pass');
    expect((await scan(['X-Virus-Status: Infected (Win.Test.EICAR_HDB-1)'])).verdict).toMatchObject({
      reason: 'malware',
      details: { virus: 'Win.Test.EICAR_HDB-1' },
    });
    expect((await scan(['X-Spam-Flag: NO', 'X-Spam-Flag: YES'])).verdict.action).toBe('pass');
  });
});
