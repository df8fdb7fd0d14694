import { describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { parseSearchQuery } from '../../src/core/search-query.js';
import { filterFromQuery } from '../../src/store/query-filter.js';

const badQuery = (text: string) => {
  try {
    parseSearchQuery(text);
  } catch (error) {
    if (isLazaretError(error, 'bad_query')) return error.message;
    throw error;
  }
  throw new Error(`expected bad_query for ${text}`);
};

describe('search query parser', () => {
  it('parses every field, phrases, negation and free text', () => {
    const query = parseSearchQuery(
      'from:Alice@X.test to:bob subject:"Big Deal" reason:spam,PHISH -status:released message-id:<a@b> ' +
        'after:2026-11-01 before:2026-11-02T10:00:00+01:00 larger:10k smaller:2.5M has:attachment "re: hi" -watches',
    );
    expect(query.terms).toEqual([
      { kind: 'text', field: 'from', value: 'alice@x.test', negated: false },
      { kind: 'text', field: 'to', value: 'bob', negated: false },
      { kind: 'text', field: 'subject', value: 'big deal', negated: false },
      { kind: 'reason', values: ['spam', 'phish'], negated: false },
      { kind: 'status', values: ['released'], negated: true },
      { kind: 'message_id', value: 'a@b', negated: false },
      { kind: 'after', at: '2026-11-01T00:00:00.000Z', negated: false },
      { kind: 'before', at: '2026-11-02T09:00:00.000Z', negated: false },
      { kind: 'larger', bytes: 10_240, negated: false },
      { kind: 'smaller', bytes: 2_621_440, negated: false },
      { kind: 'has_attachment', negated: false },
      { kind: 'text', field: 'any', value: 're: hi', negated: false },
      { kind: 'text', field: 'any', value: 'watches', negated: true },
    ]);
  });

  it('keeps a lone dash and escaped quotes as text', () => {
    expect(parseSearchQuery('- "say \\"hi\\""').terms).toEqual([
      { kind: 'text', field: 'any', value: '-', negated: false },
      { kind: 'text', field: 'any', value: 'say "hi"', negated: false },
    ]);
  });

  it.each([
    ['form:alice', 'Unknown search field "form:"'],
    ['reason:spam,virus', '"virus" is not one of'],
    ['status:', 'status: needs a value'],
    ['after:yesterday', 'after: needs a date'],
    ['after:2026-13-45', 'after: needs a date'],
    ['larger:big', 'larger: needs a size'],
    ['has:link', 'has: knows only "has:attachment"'],
    ['subject:"open', 'not closed'],
    ['""', 'empty phrase'],
  ])('refuses %s with bad_query', (text, message) => {
    expect(badQuery(text)).toContain(message);
  });

  it('refuses overly long queries', () => {
    expect(badQuery('x'.repeat(2001))).toContain('longer than');
    expect(badQuery(Array.from({ length: 51 }, (_, index) => `w${index}`).join(' '))).toContain(
      'more than 50',
    );
  });

  it('turns positive status terms into the statuses to list and keeps the rest as terms', () => {
    expect(
      filterFromQuery(parseSearchQuery('status:released,deleted status:deleted,quarantined spam')),
    ).toEqual({
      statuses: ['deleted'],
      terms: [{ kind: 'text', field: 'any', value: 'spam', negated: false }],
    });
    expect(filterFromQuery(parseSearchQuery('-status:released'))).toEqual({
      terms: [{ kind: 'status', values: ['released'], negated: true }],
    });
    expect(filterFromQuery(parseSearchQuery(''))).toEqual({});
  });
});
