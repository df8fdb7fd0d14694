import type { ReleaseMode, Role, TokenScope } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import type { Language } from '../core/languages.js';
import type { Timestamp } from '../core/types.js';
import type { Page, PageRequest } from './item-store.js';

/** A person who signs in. Emails, domains and addresses are stored lower-cased. */
export interface UserRecord {
  id: string;
  /** Sign-in name; unique among users. */
  email: string;
  displayName: string;
  role: Role;
  /** For `domain_admin`: the domains they manage. Empty for the other roles. */
  domains: string[];
  /** For `user`: the addresses whose mail they see, primary first, then aliases. Empty for the other roles. */
  addresses: string[];
  /** `scrypt$N$r$p$salt$hash` (see src/auth/password.ts); null when the user cannot sign in with a password. */
  passwordHash: string | null;
  disabled: boolean;
  /** For `user`: may they release, or only request release? Null follows `access.userRelease`. */
  releaseMode: ReleaseMode | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** The second factor of a local account; absent when none was enrolled. Changed only by `swapTotp`. */
  totp?: TotpFactor;
  /** The language they chose for the web UI and their digests; absent: none chosen (browser, then `i18n.defaultLanguage`). */
  language?: Language;
  /**
   * Who this person is at an identity provider (`externalIdOf`): what later sign-ins match them by,
   * whatever email the provider gives then. Unique among users; absent for accounts not linked to one.
   */
  externalId?: string;
}

/**
 * The stable key of a person at a sign-in provider: `<method>:<provider id>:<subject>`, e.g.
 * `oidc:corp:248289761001` for the `sub` claim of OpenID Connect provider `corp`.
 */
export function externalIdOf(method: 'oidc' | 'ldap', provider: string, subject: string): string {
  return `${method}:${provider}:${subject}`;
}

/** The method and provider of an `externalIdOf` key; null for a key in no known shape. */
export function identityOf(externalId: string): { method: 'oidc' | 'ldap'; provider: string } | null {
  const [method, provider] = externalId.split(':');
  if ((method !== 'oidc' && method !== 'ldap') || !provider) return null;
  return { method, provider };
}

/** A TOTP (RFC 6238) second factor and its recovery codes, kept in the user record. */
export interface TotpFactor {
  /** The shared secret, Base32; never answered by the API once enrolment has begun. */
  secret: string;
  /** When the user confirmed it with a first valid code; null while enrolment is pending. */
  confirmedAt: Timestamp | null;
  /** The time step of the last accepted code: a code of this step or an earlier one is a replay. */
  lastStep: number | null;
  /** Lower-case hex SHA-256 of each recovery code not used yet. */
  recoveryCodeHashes: string[];
}

/** The stored form of a factor: JSON with a fixed key order, so equal factors are equal strings. */
export function encodeTotp(factor: TotpFactor): string {
  return JSON.stringify({
    secret: factor.secret,
    confirmedAt: factor.confirmedAt,
    lastStep: factor.lastStep,
    recoveryCodeHashes: factor.recoveryCodeHashes,
  });
}

export function decodeTotp(stored: string): TotpFactor {
  return JSON.parse(stored) as TotpFactor;
}

/** `user_exists` for a new user whose email or identity is taken. */
export const userExists = (user: Pick<UserRecord, 'email' | 'externalId'>) =>
  new LazaretError('user_exists', `A user ${user.email} (or with the same identity) exists already.`, {
    email: user.email,
  });

/** `user_exists` for a link to an identity that another user holds. */
export const identityTaken = (change: Pick<UserChange, 'externalId'>) =>
  new LazaretError('user_exists', 'Another user is linked to this identity already.', {
    externalId: change.externalId,
  });

/** Fields of a user that change together; absent fields stay as they are. */
export interface UserChange {
  at: Timestamp;
  displayName?: string;
  role?: Role;
  domains?: string[];
  addresses?: string[];
  passwordHash?: string | null;
  disabled?: boolean;
  releaseMode?: ReleaseMode | null;
  /** null: back to no choice of their own. */
  language?: Language | null;
  /** Links the user to an identity (`externalIdOf`), or unlinks them (null). */
  externalId?: string | null;
}

export interface UserFilter {
  role?: Role;
  /** Users with at least one of these domains among their managed domains or their addresses' domains. */
  tenantIn?: readonly string[];
}

/** An API token. Only the SHA-256 of its secret is kept; the secret is shown once when created. */
export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  scope: TokenScope;
  /** Lower-case hex SHA-256 of the whole token string. */
  secretHash: string;
  createdAt: Timestamp;
  expiresAt: Timestamp | null;
  lastUsedAt: Timestamp | null;
  revokedAt: Timestamp | null;
}

/** A sign-in session behind a cookie. Only the SHA-256 of the cookie value is kept. */
export interface SessionRecord {
  id: string;
  /** Lower-case hex SHA-256 of the cookie value. */
  secretHash: string;
  userId: string;
  /** Sent back by the client in `X-CSRF-Token` on every state-changing request. */
  csrfToken: string;
  createdAt: Timestamp;
  expiresAt: Timestamp;
  revokedAt: Timestamp | null;
  ip?: string;
}

/** Domains a user's data belongs to: what they manage, or where their addresses live. */
export function tenantsOfUser(user: Pick<UserRecord, 'domains' | 'addresses'>): string[] {
  const tenants = new Set(user.domains);
  for (const address of user.addresses) {
    const at = address.lastIndexOf('@');
    if (at !== -1) tenants.add(address.slice(at + 1));
  }
  return [...tenants];
}

/**
 * Users, API tokens and sessions. Every backend passes test/contract/user-store.contract.ts unchanged.
 * Methods reject with a `LazaretError` (`store_error` for backend failures, `user_exists`, `bad_cursor`).
 */
export interface UserStore {
  /**
   * Adds a user; rejects with `user_exists` when the email, or the `externalId`, is taken (also by a
   * concurrent call).
   */
  createUser(user: UserRecord): Promise<void>;

  getUser(id: string): Promise<UserRecord | null>;

  /** The user linked to this identity (`UserRecord.externalId`), or null. */
  getUserByExternalId(externalId: string): Promise<UserRecord | null>;

  /** Looks a user up by sign-in email, case-insensitively. */
  getUserByEmail(email: string): Promise<UserRecord | null>;

  /** Users ordered by email, cursor paged. */
  listUsers(filter: UserFilter, page: PageRequest): Promise<Page<UserRecord>>;

  /**
   * Users (of any role) whose `addresses` contain `address` (compared lower-cased): who receives the
   * mail of a recipient. One indexed read; used by the policy scanner for every recipient.
   */
  findUsersByAddress(address: string): Promise<UserRecord[]>;

  /** Whether any user exists at all (first-start bootstrap). */
  hasUsers(): Promise<boolean>;

  /**
   * Replaces the user's second factor with `next` (null removes it) only if it is still `expected`
   * (null: none), in one conditional write; answers whether it did. Two sign-ins with the same code
   * or recovery code cannot both win. `createUser` ignores `UserRecord.totp`: a new user has none.
   */
  swapTotp(id: string, expected: TotpFactor | null, next: TotpFactor | null, at: Timestamp): Promise<boolean>;

  /**
   * Applies `change` and answers the user as it is now, or null when there is no such user. Rejects with
   * `user_exists` when `change.externalId` links another user already; nothing is changed then.
   */
  updateUser(id: string, change: UserChange): Promise<UserRecord | null>;

  createToken(token: TokenRecord): Promise<void>;

  getToken(id: string): Promise<TokenRecord | null>;

  getTokenBySecretHash(secretHash: string): Promise<TokenRecord | null>;

  /** Tokens of one user (or all), newest first; revoked and expired ones included. */
  listTokens(filter: { userId?: string }, page: PageRequest): Promise<Page<TokenRecord>>;

  /**
   * Marks the token revoked at `at` and answers it; a token revoked before keeps its first revocation
   * time. Null when there is no such token.
   */
  revokeToken(id: string, at: Timestamp): Promise<TokenRecord | null>;

  /** Records that the token was used at `at` (never moves the time backwards). */
  touchToken(id: string, at: Timestamp): Promise<void>;

  createSession(session: SessionRecord): Promise<void>;

  getSessionBySecretHash(secretHash: string): Promise<SessionRecord | null>;

  /** Marks one session revoked (idempotent). */
  revokeSession(id: string, at: Timestamp): Promise<void>;

  /** Revokes every live session of a user (password change, disabling); answers how many it revoked. */
  revokeUserSessions(userId: string, at: Timestamp): Promise<number>;
}
