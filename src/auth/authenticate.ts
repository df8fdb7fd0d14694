import { type Actor, expandScope, type ReleaseMode, TOKEN_SCOPES, type TokenScope } from '../core/actor.js';
import { canonicalOrAsGiven } from '../core/address.js';
import { isLazaretError, LazaretError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AuditStore } from '../store/audit-store.js';
import {
  type SessionRecord,
  type TokenRecord,
  tenantsOfUser,
  type UserRecord,
  type UserStore,
} from '../store/user-store.js';
import { hasReleaseMode, maxScopeOf } from './access-policy.js';
import { type AuditOrigin, audit } from './audit.js';
import {
  accountFromDirectory,
  accountOfPerson,
  disableFromDirectory,
} from './directory/directory-account.js';
import type { PasswordDirectory } from './directory/ldap-directory.js';
import { decoyHash, verifyPassword } from './password.js';
import type { RateLimits } from './rate-limits.js';
import { hashSecret, newSecret, SESSION_PREFIX, type SecretBox, TOKEN_PREFIX } from './secrets.js';
import { mayUseLocalPassword, OPEN_SIGN_IN, type SignInPolicy } from './sign-in-policy.js';
import { hasSecondFactor, redeemSecondFactor, type SecondFactorKind } from './totp.js';

export interface AuthDeps {
  users: UserStore;
  audit: AuditStore;
  now: () => Date;
  /** Release mode of users without their own (`access.userRelease`). */
  userRelease: ReleaseMode;
  sessionTtlMs: number;
  /** Where people without a local password sign in (auth.ldap); absent: local accounts only. */
  directory?: PasswordDirectory | undefined;
  /** `auth.requireTotpForAdmins`: local administrators must enrol a second factor first (access-policy mustEnrolTotp). */
  requireTotpForAdmins?: boolean;
  /** Seals and opens the TOTP secrets in user records (totp.ts loadTotpSecrets). */
  totpSecrets: SecretBox;
  /** `auth.requireSso` and `auth.breakGlassAdmins` (sign-in-policy); absent: local passwords work. */
  signInPolicy?: SignInPolicy;
}

/** How often a token's last-used time is written at most; each use would be a write per request. */
const TOUCH_INTERVAL_MS = 60_000;

function lesserScope(a: TokenScope, b: TokenScope): TokenScope {
  return TOKEN_SCOPES.indexOf(a) <= TOKEN_SCOPES.indexOf(b) ? a : b;
}

function userFields(user: UserRecord, userRelease: ReleaseMode) {
  return {
    role: user.role,
    domains: user.domains,
    addresses: user.addresses,
    userId: user.id,
    ...(hasReleaseMode(user.role) ? { releaseMode: user.releaseMode ?? userRelease } : {}),
  };
}

/** The actor of a signed-in user: every scope their role has. */
export function sessionActor(user: UserRecord, userRelease: ReleaseMode): Actor {
  return {
    kind: 'user',
    id: user.id,
    label: user.email,
    ...userFields(user, userRelease),
    scopes: expandScope(maxScopeOf(user.role)),
  };
}

/** The actor of an API token: its scope, but never more than its owner's role allows. */
export function tokenActor(token: TokenRecord, user: UserRecord, userRelease: ReleaseMode): Actor {
  return {
    kind: 'token',
    id: token.id,
    label: `token:${token.name} (${user.email})`,
    ...userFields(user, userRelease),
    scopes: expandScope(lesserScope(token.scope, maxScopeOf(user.role))),
  };
}

const unauthenticated = (message: string) => new LazaretError('unauthenticated', message);

/** Resolves a bearer token to its actor, or rejects with `unauthenticated` (unknown, revoked, expired, disabled). */
export async function authenticateToken(
  deps: AuthDeps,
  secret: string,
): Promise<{ actor: Actor; token: TokenRecord; user: UserRecord }> {
  if (!secret.startsWith(TOKEN_PREFIX)) throw unauthenticated('Not a Lazaret API token.');
  const token = await deps.users.getTokenBySecretHash(hashSecret(secret));
  const now = deps.now();
  if (!token) throw unauthenticated('Unknown API token.');
  if (token.revokedAt) throw unauthenticated('The API token was revoked.');
  if (token.expiresAt && token.expiresAt <= now.toISOString())
    throw unauthenticated('The API token has expired.');
  const user = await deps.users.getUser(token.userId);
  if (!user || user.disabled) throw unauthenticated('The API token belongs to a disabled user.');
  if (!token.lastUsedAt || now.getTime() - Date.parse(token.lastUsedAt) >= TOUCH_INTERVAL_MS) {
    await deps.users.touchToken(token.id, now.toISOString());
  }
  return { actor: tokenActor(token, user, deps.userRelease), token, user };
}

/** Resolves a session cookie value to its actor, or rejects with `unauthenticated` (unknown, ended, expired, disabled). */
export async function authenticateSession(
  deps: AuthDeps,
  cookieValue: string,
): Promise<{ actor: Actor; session: SessionRecord; user: UserRecord }> {
  const session = await deps.users.getSessionBySecretHash(hashSecret(cookieValue));
  if (!session || session.revokedAt) throw unauthenticated('The session has ended; sign in again.');
  if (session.expiresAt <= deps.now().toISOString())
    throw unauthenticated('The session has expired; sign in again.');
  const user = await deps.users.getUser(session.userId);
  if (!user || user.disabled) throw unauthenticated('The account is disabled.');
  return { actor: sessionActor(user, deps.userRelease), session, user };
}

/**
 * Checks a password with the directory. A person it knows and accepts gets their account created or
 * refreshed; one it has disabled loses their account's access (sessions end, tokens stop working).
 */
async function directorySignIn(
  deps: AuthDeps,
  directory: PasswordDirectory,
  email: string,
  password: string,
  known: UserRecord | null,
): Promise<{ user: UserRecord | null; matches: boolean }> {
  const answer = await directory.checkPassword(email, password);
  if (answer.outcome === 'unknown') return { user: known, matches: false };
  const { account, refused } = await accountOfPerson(deps, answer.person, known);
  if (answer.person.disabled) {
    if (account) await disableFromDirectory(deps, directory, account);
    return { user: account ?? known, matches: false };
  }
  if (answer.outcome === 'wrong_password') return { user: account ?? known, matches: false };
  // Only now, with the right password: a guess learns nothing about whose the account is.
  if (refused) {
    throw new LazaretError(
      'sso_link_refused',
      `${email} belongs to an account linked to another directory entry; Lazaret does not hand it to a different one.`,
      { reason: 'linked_to_another_identity' },
    );
  }
  return { user: await accountFromDirectory(deps, directory, email, answer.person, account), matches: true };
}

/**
 * The second step of a password sign-in for an account with a second factor: no session until a current
 * code (or an unused recovery code) is given with the password. A missing, wrong or replayed code keeps
 * the sign-in attempt counted against the rate limits, like a wrong password.
 */
async function secondStep(
  deps: AuthDeps,
  origin: AuditOrigin,
  user: UserRecord,
  code: string | undefined,
): Promise<SecondFactorKind> {
  const failure = (outcome: 'denied' | 'failed', reason: string) =>
    audit(deps, origin, {
      action: 'auth.login',
      outcome,
      tenants: tenantsOfUser(user),
      target: { userId: user.id },
      params: { email: user.email, method: 'password', reason },
    });
  if (code === undefined) {
    await failure('denied', 'totp_required');
    throw new LazaretError(
      'totp_required',
      'Enter the code of your authenticator app (or a recovery code) with your password.',
    );
  }
  try {
    return await redeemSecondFactor(deps, user, code);
  } catch (error) {
    if (isLazaretError(error, 'totp_invalid')) await failure('failed', String(error.details?.reason));
    throw error;
  }
}

/**
 * Signs in with email and password (checked by the directory for people without a local password): rate-limited per account and per address, audited whatever the
 * outcome, and answering alike for an unknown email, a wrong password and a disabled account. An
 * account with a second factor also needs `code` (see secondStep).
 * Answers the new session and the cookie value (shown to the client once, stored only hashed).
 */
export async function login(
  deps: AuthDeps,
  limits: RateLimits,
  input: { email: string; password: string; code?: string | undefined; ip: string },
): Promise<{ session: SessionRecord; cookieValue: string; user: UserRecord; actor: Actor }> {
  const email = canonicalOrAsGiven(input.email);
  const origin = { actor: null, ip: input.ip, label: email };
  try {
    await limits.loginAttempt(email, input.ip);
  } catch (error) {
    await audit(deps, origin, {
      action: 'auth.login',
      outcome: 'denied',
      params: { email, reason: 'rate_limited' },
    });
    throw error;
  }
  const known = await deps.users.getUserByEmail(email);
  const directory = known?.passwordHash || !deps.directory ? null : deps.directory;
  const { user, matches } = directory
    ? await directorySignIn(deps, directory, email, input.password, known).catch(async (error: unknown) => {
        const refused = isLazaretError(error, 'sso_link_refused');
        await audit(deps, origin, {
          action: 'auth.login',
          outcome: 'failed',
          ...(refused && known ? { tenants: tenantsOfUser(known), target: { userId: known.id } } : {}),
          params: {
            email,
            method: directory.method,
            provider: directory.provider,
            reason: refused ? 'sso_link_refused' : 'directory_unavailable',
          },
        });
        throw error;
      })
    : {
        user: known,
        matches: await verifyPassword(input.password, known?.passwordHash ?? (await decoyHash())),
      };
  const method = directory ? { method: directory.method, provider: directory.provider } : {};
  if (!user || !matches || user.disabled) {
    await audit(deps, origin, {
      action: 'auth.login',
      outcome: 'failed',
      tenants: user ? tenantsOfUser(user) : [],
      ...(user ? { target: { userId: user.id } } : {}),
      params: { email, ...method },
    });
    throw new LazaretError('invalid_credentials', 'Wrong email or password.');
  }
  if (!directory && !mayUseLocalPassword(deps.signInPolicy ?? OPEN_SIGN_IN, user)) {
    // Only now, with the right password: a guess learns nothing about which accounts are local.
    await audit(deps, origin, {
      action: 'auth.login',
      outcome: 'failed',
      tenants: tenantsOfUser(user),
      target: { userId: user.id },
      params: { email, method: 'password', reason: 'sso_required' },
    });
    throw new LazaretError(
      'sso_required',
      "Sign in with your organisation's single sign-on; local passwords are turned off here.",
    );
  }
  const secondFactor =
    !directory && hasSecondFactor(user) ? await secondStep(deps, origin, user, input.code) : undefined;
  await limits.loginSucceeded(email, input.ip);
  return openSession(
    deps,
    user,
    input.ip,
    directory
      ? { method: directory.method, provider: directory.provider }
      : { method: 'password', ...(secondFactor ? { secondFactor } : {}) },
  );
}

/**
 * Starts a session for a user who proved who they are (password or a directory/identity provider) and
 * audits `auth.login` with how they signed in. Answers the cookie value (stored only hashed).
 */
export async function openSession(
  deps: AuthDeps,
  user: UserRecord,
  ip: string,
  how: { method: 'password' | 'oidc' | 'ldap'; provider?: string; secondFactor?: SecondFactorKind },
): Promise<{ session: SessionRecord; cookieValue: string; user: UserRecord; actor: Actor }> {
  const now = deps.now();
  const cookieValue = newSecret(SESSION_PREFIX);
  const session: SessionRecord = {
    id: newId(),
    secretHash: hashSecret(cookieValue),
    userId: user.id,
    csrfToken: newSecret(''),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.sessionTtlMs).toISOString(),
    revokedAt: null,
    ip,
  };
  await deps.users.createSession(session);
  const actor = sessionActor(user, deps.userRelease);
  await audit(
    deps,
    { actor, ip },
    {
      action: 'auth.login',
      target: { userId: user.id },
      tenants: tenantsOfUser(user),
      params: { sessionId: session.id, ...how },
    },
  );
  return { session, cookieValue, user, actor };
}

/** Ends a session on the server: its cookie is refused from now on, wherever it is replayed. */
export async function logout(
  deps: AuthDeps,
  actor: Actor,
  session: SessionRecord,
  ip: string,
): Promise<void> {
  await deps.users.revokeSession(session.id, deps.now().toISOString());
  await audit(
    deps,
    { actor, ip },
    {
      action: 'auth.logout',
      target: { userId: session.userId },
      tenants: tenantsOfUser({ domains: [...actor.domains], addresses: [...actor.addresses] }),
      params: { sessionId: session.id },
    },
  );
}
