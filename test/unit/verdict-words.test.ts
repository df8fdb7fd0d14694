import { describe, expect, it } from 'vitest';
import { policyRule, reasonDetail, scannerRows } from '../../web/src/lib/verdict.js';

describe('verdict in words (web/src/lib/verdict.ts)', () => {
  it('names the virus or the policy rule as the reason detail, and nothing for a plain spam score', () => {
    expect(reasonDetail({ scanner: 'clamav', virus: 'Win.Test.EICAR_HDB-1' })).toBe('Win.Test.EICAR_HDB-1');
    expect(
      reasonDetail({
        rule: 'blocked-extension-in-archive',
        archive: 'a.zip',
        filename: 'run.exe',
        extension: 'exe',
      }),
    ).toBe('blocked file extension .exe inside a.zip (run.exe)');
    expect(reasonDetail({ rule: 'max-size', size: 9, limit: 8 })).toBe('larger than the limit of 8 bytes');
    expect(reasonDetail({ rule: 'sender-block', entry: '@spam.test', level: 'domain' })).toBe(
      'sender blocked by @spam.test (domain list)',
    );
    expect(reasonDetail({ scanner: 'rspamd', action: 'reject', symbols: ['GTUBE'] })).toBeNull();
    expect(policyRule({ rule: 'capture' })).toBe('capture mode: every message is held');
    expect(policyRule({ rule: 'a-future-rule' })).toBe('a-future-rule');
  });

  it('gives every scanner a row; the winner carries its threshold and what fired', () => {
    const rows = scannerRows(
      {
        scanner: 'spamassassin',
        threshold: 5,
        symbols: ['GTUBE', 7],
        scanners: {
          headers: { action: 'pass', threshold: 6, symbols: ['BAYES_50'] },
          spamassassin: { action: 'quarantine', reason: 'spam', score: 1000 },
          rspamd: { error: 'timed out after 10000 ms' },
          clamav: { action: 'pass', skipped: 'larger than 2048 bytes' },
        },
      },
      1000,
    );
    expect(rows).toEqual([
      {
        scanner: 'headers',
        verdict: 'passed',
        held: false,
        score: null,
        threshold: 6,
        symbols: ['BAYES_50'],
        descriptions: {},
        virus: null,
        rule: null,
      },
      {
        scanner: 'spamassassin',
        verdict: 'held: spam',
        held: true,
        score: 1000,
        threshold: 5,
        symbols: ['GTUBE'],
        descriptions: {},
        virus: null,
        rule: null,
      },
      {
        scanner: 'rspamd',
        verdict: 'failed: timed out after 10000 ms',
        held: false,
        score: null,
        threshold: null,
        symbols: [],
        descriptions: {},
        virus: null,
        rule: null,
      },
      {
        scanner: 'clamav',
        verdict: 'skipped: larger than 2048 bytes',
        held: false,
        score: null,
        threshold: null,
        symbols: [],
        descriptions: {},
        virus: null,
        rule: null,
      },
    ]);
  });

  it('shows a held item from before the per-scanner summary with the score it has', () => {
    expect(scannerRows({ scanner: 'headers', header: 'X-Spam-Status', required: 5 }, 7.2)).toEqual([
      {
        scanner: 'headers',
        verdict: 'held',
        held: true,
        score: 7.2,
        threshold: 5,
        symbols: [],
        descriptions: {},
        virus: null,
        rule: null,
      },
    ]);
    expect(scannerRows({ symbols: ['TEST'] }, 7.5)).toMatchObject([
      { scanner: 'filter', held: true, score: 7.5, symbols: ['TEST'] },
    ]);
    expect(scannerRows({}, null)).toEqual([]);
  });
});
