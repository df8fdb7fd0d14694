import { describe, expect, it } from 'vitest';
import { identityFromClaims } from '../../src/auth/oidc/oidc-claims.js';
import type { OidcProviderConfig } from '../../src/auth/oidc/oidc-providers.js';

const provider: OidcProviderConfig = {
  id: 'corp',
  label: 'Corp',
  issuer: 'https://sso.corp.test',
  clientId: 'lazaret',
  adminGroups: ['mail-admins'],
  domainsClaim: 'mail_domains',
  aliasClaims: ['mail_aliases', 'proxy'],
};

describe('identityFromClaims', () => {
  it('reads a single-string group and alias claims as lists, lower-cased and without repeats', () => {
    expect(
      identityFromClaims(provider, {
        sub: 'ann-1',
        email: 'Ann@Corp.test',
        email_verified: true,
        groups: 'staff',
        mail_aliases: ['ANN@corp.test', 'sales@corp.test'],
        proxy: 'help@corp.test',
      }),
    ).toEqual({
      subject: 'ann-1',
      email: 'ann@corp.test',
      displayName: 'ann@corp.test',
      role: 'user',
      domains: [],
      addresses: ['ann@corp.test', 'sales@corp.test', 'help@corp.test'],
    });
  });

  it('makes an admin of a member of an admin group, before any domains claim', () => {
    const claims = {
      sub: 'a',
      email: 'a@corp.test',
      email_verified: true,
      groups: ['mail-admins'],
      mail_domains: ['corp.test'],
    };
    expect(identityFromClaims(provider, claims).role).toBe('admin');
    expect(identityFromClaims(provider, { ...claims, groups: [] })).toMatchObject({
      role: 'domain_admin',
      domains: ['corp.test'],
    });
  });

  it('refuses an unverified or missing email unless the provider is trusted for emails', () => {
    expect(() => identityFromClaims(provider, { sub: 'a', email: 'a@corp.test' })).toThrow(
      expect.objectContaining({ code: 'oidc_failed' }),
    );
    expect(() => identityFromClaims(provider, { sub: 'a', email_verified: true })).toThrow(
      expect.objectContaining({ code: 'oidc_failed' }),
    );
    expect(
      identityFromClaims({ ...provider, trustEmail: true }, { sub: 'a', email: 'a@corp.test' }).email,
    ).toBe('a@corp.test');
  });

  it('refuses claims that do not say who signed in (no sub)', () => {
    for (const sub of [undefined, '', 42]) {
      expect(() => identityFromClaims(provider, { sub, email: 'a@corp.test', email_verified: true })).toThrow(
        expect.objectContaining({ code: 'oidc_failed', message: expect.stringContaining('"sub"') }),
      );
    }
  });
});
