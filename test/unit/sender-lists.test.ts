import { describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { aligned, decide, type SenderMatch } from '../../src/lists/sender-decision.js';
import {
  fromHeaderAddress,
  normaliseSenderPattern,
  senderPatterns,
} from '../../src/lists/sender-patterns.js';

const match = (level: SenderMatch['level'], action: SenderMatch['action'], rule = 'x'): SenderMatch => ({
  level,
  action,
  source: 'list',
  rule,
});

describe('sender patterns', () => {
  it('normalises addresses and domains', () => {
    expect(normaliseSenderPattern(' News@Shop.Example ')).toBe('news@shop.example');
    expect(normaliseSenderPattern('@Shop.example')).toBe('shop.example');
    expect(normaliseSenderPattern('*.shop.example')).toBe('shop.example');
    expect(normaliseSenderPattern('xyz')).toBe('xyz');
  });

  it('stores and expands senders in the canonical address form, so both sides compare alike', () => {
    expect(normaliseSenderPattern('"News"@Bücher.Example')).toBe('news@xn--bcher-kva.example');
    expect(normaliseSenderPattern('Bücher.Example')).toBe('xn--bcher-kva.example');
    // Non-ASCII letters keep their case on both sides: Ärger@ and ärger@ are different senders.
    expect(normaliseSenderPattern('Ärger@shop.example')).toBe('Ärger@shop.example');
    expect(senderPatterns('Ärger@Shop.Example')[0]).toBe('Ärger@shop.example');
    expect(senderPatterns('ärger@shop.example')[0]).toBe('ärger@shop.example');
  });

  it.each([
    '',
    ' ',
    '@',
    'a@',
    '@@x',
    'a b@x.example',
    'bad domain.example',
    'a@-x.example',
    '<a@x.example>',
    'a@x..example',
  ])('refuses %j with validation_error', (input) => {
    try {
      normaliseSenderPattern(input);
      throw new Error('accepted');
    } catch (error) {
      expect(isLazaretError(error, 'validation_error')).toBe(true);
    }
  });

  it('expands a sender into the address, its domain and every parent domain', () => {
    expect(senderPatterns('A@Mail.Shop.Example')).toEqual([
      'a@mail.shop.example',
      'mail.shop.example',
      'shop.example',
      'example',
    ]);
    expect(senderPatterns('')).toEqual([]);
    expect(senderPatterns('no-at-sign')).toEqual([]);
  });

  it('reads the address of a From header', () => {
    expect(fromHeaderAddress('"Shop, Inc." <News@Shop.example>')).toBe('news@shop.example');
    expect(fromHeaderAddress('undisclosed-recipients:;')).toBeUndefined();
    expect(fromHeaderAddress(undefined)).toBeUndefined();
  });

  it('calls envelope and From aligned when one domain is the other or under it', () => {
    expect(aligned('bounces-1@mail.shop.example', 'news@shop.example')).toBe(true);
    expect(aligned('news@shop.example', 'news@shop.example')).toBe(true);
    expect(aligned('a@shop.example', 'b@eu.shop.example')).toBe(true);
    expect(aligned('spam@evil.example', 'news@shop.example')).toBe(false);
    expect(aligned('a@notshop.example', 'b@shop.example')).toBe(false);
    expect(aligned('', 'news@shop.example')).toBe(false);
  });
});

describe('precedence: user > domain > global; block beats allow within a level', () => {
  it.each<[string, SenderMatch[], string | null]>([
    ['nothing matches', [], null],
    ['a global block', [match('global', 'block')], 'global block'],
    [
      'a domain allow over a global block',
      [match('global', 'block'), match('domain', 'allow')],
      'domain allow',
    ],
    ['a user allow over a domain block', [match('domain', 'block'), match('user', 'allow')], 'user allow'],
    ['a user block over a domain allow', [match('domain', 'allow'), match('user', 'block')], 'user block'],
    ['block and allow for one user', [match('user', 'allow'), match('user', 'block')], 'user block'],
    ['block and allow for one domain', [match('domain', 'block'), match('domain', 'allow')], 'domain block'],
    ['two allows', [match('global', 'allow'), match('global', 'allow')], 'global allow'],
  ])('%s', (_name, matches, expected) => {
    const decision = decide(matches);
    expect(decision ? `${decision.level} ${decision.action}` : null).toBe(expected);
  });
});
