import { describe, expect, it } from 'vitest';
import {
  addressesOf,
  directoryFromConfig,
  fillFilter,
  parseDomainGroups,
} from '../../src/auth/directory/ldap-directory.js';
import { testConfig } from '../support/env.js';

describe('LDAP directory: reading entries and settings', () => {
  it('takes addresses from every configured attribute, SMTP: primary first, other prefixes skipped', () => {
    const entry = {
      dn: 'cn=x',
      mail: 'Alice@Example.org',
      proxyAddresses: [
        'smtp:alias@example.org',
        'SMTP:primary@example.org',
        'X500:/o=Example/cn=alice',
        'sip:alice@example.org',
      ],
      othermailbox: ['other@example.net', 'not an address'],
    };
    expect(addressesOf(entry, ['mail', 'proxyAddresses', 'otherMailbox'])).toEqual([
      'primary@example.org',
      'alice@example.org',
      'alias@example.org',
      'other@example.net',
    ]);
    expect(addressesOf(entry, ['mail'])).toEqual(['alice@example.org']);
  });

  it('escapes what was typed before it goes into the filter (RFC 4515)', () => {
    expect(fillFilter('(mail={email})', 'a*)(uid=*')).toBe('(mail=a\\2a\\29\\28uid=\\2a)');
    expect(fillFilter('(|(mail={email})(userPrincipalName={email}))', 'x\\y@z')).toBe(
      '(|(mail=x\\5cy@z)(userPrincipalName=x\\5cy@z))',
    );
  });

  it('reads domain:group entries and refuses others, naming the key', () => {
    expect(parseDomainGroups(['Example.NET:cn=net-admins,ou=groups,dc=example,dc=org'])).toEqual([
      { domain: 'example.net', group: 'cn=net-admins,ou=groups,dc=example,dc=org' },
    ]);
    expect(() => parseDomainGroups(['cn=net-admins,dc=example,dc=org'])).toThrow(
      /auth.ldap.domainAdminGroups/,
    );
  });

  it('is off without auth.ldap.url, and refuses a URL that is not ldap:// or ldaps://', () => {
    expect(directoryFromConfig(testConfig({}).auth.ldap)).toBeUndefined();
    expect(() => testConfig({ LAZARET_LDAP_URL: 'https://dc1.example.org' })).toThrow(/LAZARET_LDAP_URL/);
    expect(
      () =>
        testConfig({ LAZARET_LDAP_URL: 'ldaps://dc1.example.org:636', LAZARET_LDAP_START_TLS: 'true' }).auth
          .ldap,
    ).not.toThrow();
    expect(() =>
      directoryFromConfig(
        testConfig({ LAZARET_LDAP_URL: 'ldaps://dc1.example.org:636', LAZARET_LDAP_START_TLS: 'true' }).auth
          .ldap,
      ),
    ).toThrow(/auth.ldap.startTls/);
  });
});
