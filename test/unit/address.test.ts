import { describe, expect, it } from 'vitest';
import { ADDRESS_LIMITS, canonical, canonicalAddress, canonicalDomain } from '../../src/core/address.js';
import { isLazaretError } from '../../src/core/errors.js';

function problem(input: string): string {
  try {
    canonical(input);
  } catch (error) {
    if (isLazaretError(error, 'address_invalid')) return String(error.details?.problem);
    throw error;
  }
  throw new Error(`${JSON.stringify(input)} was accepted`);
}

describe('canonical address form', () => {
  it.each([
    ['"alice"@a.test', 'alice@a.test'],
    ['Alice@A.Test', 'alice@a.test'],
    ['<alice@a.test>', 'alice@a.test'],
    ['  alice@a.test ', 'alice@a.test'],
    ['"Alice.Smith"@a.test', 'alice.smith@a.test'],
    ['"a\\lice"@a.test', 'alice@a.test'],
    ['alice@Bücher.Test', 'alice@xn--bcher-kva.test'],
    ['alice@xn--bcher-kva.test', 'alice@xn--bcher-kva.test'],
    ['"a b"@a.test', '"a b"@a.test'],
    ['"a\\ b"@a.test', '"a b"@a.test'],
    ['"a\\"b"@a.test', '"a\\"b"@a.test'],
    ['"a@b"@a.test', '"a@b"@a.test'],
    ['"a..b"@a.test', '"a..b"@a.test'],
    ['user+tag@a.test', 'user+tag@a.test'],
    ['jörg@a.test', 'jörg@a.test'],
    ['Jörg@a.test', 'jörg@a.test'],
    ['admin@localhost', 'admin@localhost'],
    ['x@[192.0.2.1]', 'x@[192.0.2.1]'],
    ['x@[IPv6:2001:DB8:0:0:0:0:0:1]', 'x@[IPv6:2001:db8::1]'],
  ])('%s → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it('never merges addresses a mail server tells apart: dots, tags, quoted specials, non-ASCII case stay', () => {
    const distinct = [
      'alice@a.test',
      'al.ice@a.test',
      'alice+x@a.test',
      '"alice "@a.test',
      '"a b"@a.test',
      'a.b@a.test',
      '"a..b"@a.test',
      'ärger@a.test',
      'Ärger@a.test',
      'alice@b.test',
      'alice@a.test.example',
    ];
    const forms = distinct.map(canonical);
    expect(new Set(forms).size).toBe(distinct.length);
  });

  it('marks a non-ASCII local part as needing SMTPUTF8, a non-ASCII domain not', () => {
    expect(canonicalAddress('jörg@a.test').international).toBe(true);
    expect(canonicalAddress('joerg@bücher.test').international).toBe(false);
  });

  it('holds RFC 5321 lengths: local part 64, domain 255, path 256 octets', () => {
    const label = 'a'.repeat(63);
    expect(canonical(`${'l'.repeat(64)}@a.test`)).toHaveLength(64 + 7);
    expect(problem(`${'l'.repeat(65)}@a.test`)).toMatch(/local part longer than 64/);
    expect(problem(`${'ö'.repeat(33)}@a.test`)).toMatch(/local part longer than 64/);
    const domain = `${label}.${label}.${label}.${'a'.repeat(61)}`;
    expect(domain).toHaveLength(ADDRESS_LIMITS.domain - 2);
    expect(problem(`x@${domain}`)).toMatch(/longer than 254 octets/);
    expect(canonical(`x@${label}.${label}.${label}.${'a'.repeat(60)}`)).toHaveLength(254);
    expect(problem(`x@${'a'.repeat(64)}.test`)).toBe('bad domain');
  });

  it.each([
    ['no-at-sign', /local-part@domain/],
    ['@a.test', /local-part@domain/],
    ['alice@', /local-part@domain/],
    ['.alice@a.test', /quotes, or empty/],
    ['al..ice@a.test', /quotes, or empty/],
    ['a b@a.test', /quotes, or empty/],
    ['"unclosed@a.test', /badly quoted|quotes/],
    ['alice@a..test', /bad domain/],
    ['alice@-a.test', /bad domain/],
    ['alice@a_b.test', /bad domain/],
    ['alice@a.test.', /bad domain/],
    ['x@[300.1.1.1]', /address literal/],
    ['ali\u202ece@a.test', /U\+202E/],
    ['alice\u0085@a.test', /U\+0085/],
    ['alice@a.test\u2028', /U\+2028/],
    ['\u2029alice@a.test', /U\+2029/],
    ['al\u200bice@a.test', /U\+200B/],
    ['"al\u001bice"@a.test', /U\+001B/],
    ['"a\tb"@a.test', /U\+0009/],
  ])('refuses %j', (input, expected) => {
    expect(problem(input)).toMatch(expected);
  });

  it('canonicalises domains alone the same way', () => {
    expect(canonicalDomain('Bücher.TEST')).toBe('xn--bcher-kva.test');
    expect(() => canonicalDomain('bad domain')).toThrow(/bad domain/);
  });
});
