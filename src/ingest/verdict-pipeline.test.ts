import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import type { MessageSummary } from './message-summary.js';
import type { Scanner, ScanOutcome } from './scanners/scanner.js';
import type { Verdict } from './verdict.js';
import { VerdictPipeline } from './verdict-pipeline.js';

const summary: MessageSummary = {
  headers: {},
  attachments: [],
  parseProblems: [],
  scannerHeaders: {},
  archives: [],
};
const input = {
  messageId: 'm',
  envelope: { mailFrom: 's@example.org', rcptTo: ['a@one.test', 'b@two.test'] },
  recipients: ['a@one.test', 'b@two.test'],
  sender: 's@example.org',
  size: 10,
  summary,
  openRaw: async () => {
    throw new Error('not needed');
  },
};

const hold = (reason: Verdict['reason'], score: number | null = null): Verdict => ({
  action: 'quarantine',
  reason,
  score,
  details: { from: reason },
});

function scanner(name: Scanner['name'], outcome: ScanOutcome | (() => Promise<ScanOutcome>)): Scanner {
  return {
    name,
    timeoutMs: 200,
    scan: typeof outcome === 'function' ? outcome : async () => outcome,
  };
}

const pipeline = (scanners: Scanner[], onError: 'tempfail' | 'pass' = 'tempfail') =>
  new VerdictPipeline(scanners, { onError, logger: createLogger('silent') });

describe('VerdictPipeline', () => {
  it('keeps a scanner\'s "skipped" note in the summary, whether the mail passes or another scanner holds it', async () => {
    const skipped = {
      verdict: { ...hold('spam'), action: 'pass' as const, details: { skipped: 'larger than 5 bytes' } },
    };
    for (const others of [[], [scanner('policy', { verdict: hold('policy') })]]) {
      const verdict = (await pipeline([scanner('clamav', skipped), ...others]).decide(input)).get(
        'a@one.test',
      )!;
      expect(verdict.details.scanners).toMatchObject({
        clamav: { action: 'pass', skipped: 'larger than 5 bytes' },
      });
    }
  });

  it("keeps every scanner's threshold, symbols and virus in the summary, not only the winner's", async () => {
    const spam: Verdict = {
      action: 'pass',
      reason: 'spam',
      score: 3.1,
      details: { threshold: 5, symbols: ['HTML_MESSAGE', 'MIME_GOOD'] },
    };
    const virus: Verdict = { ...hold('malware'), details: { virus: 'Win.Test.EICAR_HDB-1' } };
    const verdict = (
      await pipeline([
        scanner('spamassassin', { verdict: spam }),
        scanner('clamav', { verdict: virus }),
      ]).decide(input)
    ).get('a@one.test')!;
    expect(verdict.details.scanners).toEqual({
      spamassassin: { action: 'pass', score: 3.1, threshold: 5, symbols: ['HTML_MESSAGE', 'MIME_GOOD'] },
      clamav: { action: 'quarantine', reason: 'malware', virus: 'Win.Test.EICAR_HDB-1' },
    });
  });

  it('the strongest verdict wins: malware over policy over spam, then the higher score', async () => {
    const verdicts = await pipeline([
      scanner('rspamd', { verdict: hold('spam', 9) }),
      scanner('spamassassin', { verdict: hold('spam', 12) }),
      scanner('clamav', { verdict: hold('malware') }),
      scanner('policy', { verdict: hold('policy') }),
    ]).decide(input);
    const verdict = verdicts.get('a@one.test')!;
    expect(verdict).toMatchObject({ action: 'quarantine', reason: 'malware' });
    expect(verdict.details).toMatchObject({ scanner: 'clamav', from: 'malware' });
    expect(verdict.details.scanners).toMatchObject({
      rspamd: { action: 'quarantine', reason: 'spam', score: 9 },
      clamav: { action: 'quarantine', reason: 'malware' },
    });
    const spamOnly = await pipeline([
      scanner('rspamd', { verdict: hold('spam', 9) }),
      scanner('spamassassin', { verdict: hold('spam', 12) }),
    ]).decide(input);
    expect(spamOnly.get('a@one.test')).toMatchObject({ score: 12, details: { scanner: 'spamassassin' } });
  });

  it('ties go to the scanner listed first', async () => {
    const verdicts = await pipeline([
      scanner('headers', { verdict: hold('spam', 5) }),
      scanner('rspamd', { verdict: hold('spam', 5) }),
    ]).decide(input);
    expect(verdicts.get('b@two.test')!.details.scanner).toBe('headers');
  });

  it('decides per recipient, and an allow list overrides spam but not malware', async () => {
    const verdicts = await pipeline([
      scanner('policy', {
        verdict: { action: 'pass', reason: 'spam', score: null, details: {} },
        perRecipient: new Map([['b@two.test', hold('policy')]]),
        allowedFor: new Set(['a@one.test']),
      }),
      scanner('rspamd', { verdict: hold('spam', 20) }),
    ]).decide(input);
    expect(verdicts.get('a@one.test')).toMatchObject({ action: 'pass', details: { senderAllowed: true } });
    expect(verdicts.get('b@two.test')).toMatchObject({ action: 'quarantine', reason: 'policy' });

    const malware = await pipeline([
      scanner('policy', {
        verdict: { action: 'pass', reason: 'spam', score: null, details: {} },
        allowedFor: new Set(['a@one.test']),
      }),
      scanner('clamav', { verdict: hold('malware') }),
    ]).decide(input);
    expect(malware.get('a@one.test')).toMatchObject({ action: 'quarantine', reason: 'malware' });
  });

  it('a failing or hanging scanner: tempfail stops the message, pass leaves that scanner out', async () => {
    const failing = scanner('rspamd', async () => {
      throw new Error('connection refused');
    });
    const hanging = scanner('clamav', () => new Promise<ScanOutcome>(() => undefined));
    await expect(pipeline([failing]).decide(input)).rejects.toMatchObject({
      code: 'scanner_unavailable',
      details: { scanners: [{ scanner: 'rspamd', error: 'connection refused' }] },
    });
    const started = Date.now();
    const verdicts = await pipeline(
      [failing, hanging, scanner('policy', { verdict: hold('policy') })],
      'pass',
    ).decide(input);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(verdicts.get('a@one.test')).toMatchObject({ action: 'quarantine', reason: 'policy' });
    expect(verdicts.get('a@one.test')!.details.scanners).toMatchObject({
      rspamd: { error: 'connection refused' },
      clamav: { error: 'timed out after 200 ms' },
    });
  });

  it('with no scanner everything passes', async () => {
    const verdicts = await pipeline([]).decide(input);
    expect([...verdicts.values()].map((verdict) => verdict.action)).toEqual(['pass', 'pass']);
  });
});
