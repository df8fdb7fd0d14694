import { describe, expect, it } from 'vitest';
import {
  formatSearchTerm,
  parseSearchQuery,
  SEARCH_FIELDS,
  tokenizeSearch,
} from '../../src/core/search-query.js';
import { ITEM_STATUSES } from '../../src/core/types.js';
import { OPERATORS, suggestions, termValue, withTerm } from '../../web/src/lib/search-syntax.js';

describe('the search box reads and writes the server’s grammar', () => {
  it('tokenizes with positions, and marks a phrase still being typed instead of throwing', () => {
    const source = 'from:a -status:released "big deal" subject:"open';
    expect(tokenizeSearch(source).map((token) => source.slice(token.start, token.end))).toEqual([
      'from:a',
      '-status:released',
      '"big deal"',
      'subject:"open',
    ]);
    expect(tokenizeSearch(source).at(-1)).toMatchObject({ field: 'subject', value: 'open', closed: false });
    expect(() => parseSearchQuery(source)).toThrow('not closed');
  });

  it('reads the value of a term, quoted or not, and leaves negated terms alone', () => {
    expect(termValue('spam reason:phish after:2026-11-01', 'reason')).toBe('phish');
    expect(termValue('subject:"big deal"', 'subject')).toBe('big deal');
    expect(termValue('-reason:spam', 'reason')).toBeNull();
    expect(termValue('REASON:spam', 'reason')).toBe('spam');
  });

  it('replaces or removes terms, keeping the rest of the text as written', () => {
    expect(withTerm('"a b" reason:spam -reason:bulk x', 'reason', 'phish')).toBe(
      '"a b" -reason:bulk x reason:phish',
    );
    expect(withTerm('reason:spam after:2026-11-01', 'reason', null)).toBe('after:2026-11-01');
    const written = withTerm('', 'subject', 'say "hi" now');
    expect(written).toBe('subject:"say \\"hi\\" now"');
    expect(parseSearchQuery(written).terms).toEqual([
      { kind: 'text', field: 'subject', value: 'say "hi" now', negated: false },
    ]);
    expect(formatSearchTerm('status', 'released')).toBe('status:released');
  });

  it('offers every field of the grammar and every status', () => {
    expect(OPERATORS.map((operator) => operator.token)).toEqual(
      SEARCH_FIELDS.map((field) => (field === 'has' ? 'has:attachment' : `${field}:`)),
    );
    expect(suggestions('spam -rea')).toEqual(['spam -reason:']);
    expect(suggestions('status:')).toEqual(ITEM_STATUSES.map((status) => `status:${status}`));
    expect(suggestions('status:release')).toEqual(['status:release_requested', 'status:released']);
  });
});
