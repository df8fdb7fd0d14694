import { describe, expect, it } from 'vitest';
import { handoffVerdict, readRspamdMeta } from './rspamd-handoff.js';

const HOLD = new Set(['reject', 'add header', 'rewrite subject']);

describe("reading rspamd's metadata_exporter headers", () => {
  const base = {
    'x-rspamd-from': 'a@example.org',
    'x-rspamd-rcpt': '["b@example.test"]',
    'x-rspamd-action': 'reject',
    'x-rspamd-score': '16.5',
    'x-rspamd-qid': 'unknown',
    'x-rspamd-ip': 'unknown',
    'x-rspamd-user': 'unknown',
  };

  it("leaves out what rspamd did not know ('unknown') and reads an empty symbol table ({})", () => {
    const meta = readRspamdMeta({ ...base, 'x-rspamd-symbols': '{}' });
    expect(meta).toEqual({
      mailFrom: 'a@example.org',
      rcptTo: ['b@example.test'],
      reply: { action: 'reject', score: 16.5, symbols: {} },
    });
  });

  it('holds for phishing symbols as phish, sorts symbols by score and keeps options out of the verdict', () => {
    const meta = readRspamdMeta({
      ...base,
      'x-rspamd-user': 'alice',
      'x-rspamd-symbols':
        '[{"name":"LOW","score":1},{"name":"PHISHING","score":4,"options":["x"]},{"name":"","score":9},7]',
    });
    expect(handoffVerdict(meta, HOLD)).toEqual({
      action: 'quarantine',
      reason: 'phish',
      score: 16.5,
      details: {
        scanner: 'rspamd',
        action: 'reject',
        symbols: ['PHISHING', 'LOW'],
        source: 'rspamd-handoff',
        authenticatedUser: 'alice',
        scanners: {
          rspamd: { action: 'quarantine', reason: 'phish', score: 16.5, symbols: ['PHISHING', 'LOW'] },
        },
      },
    });
  });

  it('passes an action that is not a hold action, and takes a score it cannot read as none', () => {
    const verdict = handoffVerdict(
      readRspamdMeta({ ...base, 'x-rspamd-action': 'greylist', 'x-rspamd-score': 'n/a' }),
      HOLD,
    );
    expect(verdict).toMatchObject({ action: 'pass', score: null });
  });
});
