import type { Role } from '../../core/actor.js';
import { LazaretError } from '../../core/errors.js';
import type { OidcProviderConfig } from './oidc-providers.js';

/** What a provider's claims say about a person: who they are, their role and what they see. */
export interface ClaimedIdentity {
  /** The provider's stable key of the person (`sub`), which outlives a change of their email. */
  subject: string;
  email: string;
  displayName: string;
  role: Role;
  domains: string[];
  addresses: string[];
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

/**
 * Reads the ID token's (and userinfo's) claims by the provider's mappings: a member of one of
 * `adminGroups` is an admin; else a non-empty `domainsClaim` makes a domain admin of those domains;
 * else a user seeing `email` and the addresses of `aliasClaims`. Only a verified email is trusted
 * (or any, with `trustEmail`).
 */
export function identityFromClaims(
  provider: OidcProviderConfig,
  claims: Record<string, unknown>,
): ClaimedIdentity {
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  if (subject === '') {
    throw new LazaretError('oidc_failed', `${provider.label} did not say who signed in (no "sub" claim).`);
  }
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (email === '' || (claims.email_verified !== true && provider.trustEmail !== true)) {
    throw new LazaretError(
      'oidc_failed',
      `${provider.label} did not give a verified email address; Lazaret signs people in by their verified email.`,
    );
  }
  const displayName = typeof claims.name === 'string' && claims.name !== '' ? claims.name : email;
  const groups = strings(claims[provider.groupsClaim ?? 'groups']);
  if ((provider.adminGroups ?? []).some((group) => groups.includes(group))) {
    return { subject, email, displayName, role: 'admin', domains: [], addresses: [] };
  }
  const domains = provider.domainsClaim
    ? [...new Set(strings(claims[provider.domainsClaim]).map((domain) => domain.trim().toLowerCase()))]
    : [];
  if (domains.length > 0)
    return { subject, email, displayName, role: 'domain_admin', domains, addresses: [] };
  const aliases = (provider.aliasClaims ?? []).flatMap((claim) => strings(claims[claim]));
  const addresses = [...new Set([email, ...aliases.map((alias) => alias.trim().toLowerCase())])];
  return {
    subject,
    email,
    displayName,
    role: 'user',
    domains: [],
    addresses: addresses.filter((a) => a !== ''),
  };
}
