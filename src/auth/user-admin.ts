import { type ReleaseMode, type Role, TOKEN_SCOPES, type TokenScope } from '../core/actor.js';
import { canonical, canonicalDomain, canonicalOrAsGiven } from '../core/address.js';
import { LazaretError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { firstUnsafeCharacter } from '../core/safe-text.js';
import type { AuditStore } from '../store/audit-store.js';
import {
  identityOf,
  type TokenRecord,
  tenantsOfUser,
  type UserRecord,
  type UserStore,
} from '../store/user-store.js';
import { accessBasisOf, canManageUser, hasReleaseMode, maxScopeOf } from './access-policy.js';
import { type AuditOrigin, audit } from './audit.js';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from './password.js';
import { hashSecret, newSecret, TOKEN_PREFIX } from './secrets.js';

/** Use cases of managing users and API tokens, shared by the CLI and the API; each one is audited. */
export interface UserAdminDeps {
  users: UserStore;
  audit: AuditStore;
  now: () => Date;
}

function invalid(message: string, details?: Record<string, unknown>): LazaretError {
  return new LazaretError('validation_error', message, details);
}

/** A user's email or alias in canonical form (core/address.ts); `address_invalid` otherwise. */
export function normaliseEmail(email: string): string {
  return canonical(email);
}

function normaliseDomain(domain: string): string {
  return canonicalDomain(domain.trim().replace(/^@/, ''), domain);
}

const MAX_NAME_LENGTH = 200;

/**
 * A display name or token name as given, trimmed; refused when it holds a control, bidi or other
 * invisible character (it is shown in the UI, the audit log, log lines and the release trace header,
 * where such characters forge lines or reorder text) or is longer than 200 characters.
 */
function checkedName(what: string, name: string): string {
  // Checked before trimming: String.trim would drop a trailing LF, VT or U+2028 unseen.
  const unsafe = firstUnsafeCharacter(name);
  const value = name.trim();
  if (unsafe) {
    throw invalid(`A ${what} may not contain control, bidi or invisible characters (found ${unsafe}).`, {
      field: what,
      character: unsafe,
    });
  }
  if ([...value].length > MAX_NAME_LENGTH)
    throw invalid(`A ${what} may have at most ${MAX_NAME_LENGTH} characters.`);
  return value;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalid(`A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > 1024) throw invalid('A password may have at most 1024 characters.');
}

/** The role's own fields: domains for domain admins, addresses for users, nothing for admins. */
export function shapeRole(
  email: string,
  role: Role,
  domains: readonly string[] | undefined,
  addresses: readonly string[] | undefined,
): { domains: string[]; addresses: string[] } {
  switch (accessBasisOf(role)) {
    case 'everything':
      return { domains: [], addresses: [] };
    case 'domains': {
      const list = [...new Set((domains ?? []).map(normaliseDomain))];
      if (list.length === 0) throw invalid('A domain admin needs at least one domain.');
      return { domains: list, addresses: [] };
    }
    case 'addresses': {
      const list = [
        ...new Set((addresses && addresses.length > 0 ? addresses : [email]).map(normaliseEmail)),
      ];
      return { domains: [], addresses: list };
    }
  }
}

function mayManage(origin: AuditOrigin, target: Pick<UserRecord, 'role' | 'domains' | 'addresses'>): void {
  if (!origin.actor || !canManageUser(origin.actor, target)) {
    throw new LazaretError('forbidden', 'You may not manage this user.');
  }
}

export async function findUser(deps: Pick<UserAdminDeps, 'users'>, emailOrId: string): Promise<UserRecord> {
  const user = emailOrId.includes('@')
    ? await deps.users.getUserByEmail(canonicalOrAsGiven(emailOrId))
    : await deps.users.getUser(emailOrId);
  if (!user) throw new LazaretError('not_found', `No user ${emailOrId}.`, { user: emailOrId });
  return user;
}

/**
 * The actor ids under which a person appears in the audit log: their user id (sessions) and the id
 * of every API token they ever held (revoked ones too). Empty when no user has that email.
 */
export async function auditActorIdsOf(
  deps: { users: Pick<UserStore, 'getUserByEmail' | 'listTokens'> },
  email: string,
): Promise<string[]> {
  const user = await deps.users.getUserByEmail(canonicalOrAsGiven(email));
  if (!user) return [];
  const ids = [user.id];
  let cursor: string | undefined;
  do {
    const page = await deps.users.listTokens({ userId: user.id }, { limit: 500, cursor });
    ids.push(...page.items.map((token) => token.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

export interface NewUser {
  email: string;
  displayName?: string | undefined;
  role: Role;
  domains?: readonly string[] | undefined;
  addresses?: readonly string[] | undefined;
  /** Absent: a password is generated and answered once. */
  password?: string | undefined;
  releaseMode?: ReleaseMode | null | undefined;
}

/** Creates a user; answers it and, when none was given, the generated password (shown once, never stored). */
export async function createUser(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  input: NewUser,
): Promise<{ user: UserRecord; generatedPassword?: string }> {
  const email = normaliseEmail(input.email);
  const shaped = shapeRole(email, input.role, input.domains, input.addresses);
  const password = input.password ?? generatePassword();
  checkPassword(password);
  const at = deps.now().toISOString();
  const user: UserRecord = {
    id: newId(),
    email,
    displayName: (input.displayName && checkedName('display name', input.displayName)) || email,
    role: input.role,
    ...shaped,
    passwordHash: await hashPassword(password),
    disabled: false,
    releaseMode: hasReleaseMode(input.role) ? (input.releaseMode ?? null) : null,
    createdAt: at,
    updatedAt: at,
  };
  mayManage(origin, user);
  await deps.users.createUser(user);
  await audit(deps, origin, {
    action: 'user.create',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
    params: { email, role: user.role, domains: user.domains, addresses: user.addresses },
  });
  return input.password === undefined ? { user, generatedPassword: password } : { user };
}

/** Sets a new password (generated when absent) and ends the user's sessions. */
export async function setPassword(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  emailOrId: string,
  password?: string,
): Promise<{ user: UserRecord; generatedPassword?: string }> {
  const current = await findUser(deps, emailOrId);
  const self = origin.actor?.userId === current.id;
  if (!self) mayManage(origin, current);
  const chosen = password ?? generatePassword();
  checkPassword(chosen);
  const at = deps.now().toISOString();
  const user = (await deps.users.updateUser(current.id, { at, passwordHash: await hashPassword(chosen) }))!;
  const ended = await deps.users.revokeUserSessions(user.id, at);
  await audit(deps, origin, {
    action: 'user.password',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
    params: { email: user.email, sessionsEnded: ended },
  });
  return password === undefined ? { user, generatedPassword: chosen } : { user };
}

/** Disables (ending every session; tokens stop working) or enables a user again. */
export async function setDisabled(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  emailOrId: string,
  disabled: boolean,
): Promise<UserRecord> {
  const current = await findUser(deps, emailOrId);
  mayManage(origin, current);
  if (origin.actor?.userId === current.id && disabled) throw invalid('You cannot disable yourself.');
  const at = deps.now().toISOString();
  const user = (await deps.users.updateUser(current.id, { at, disabled }))!;
  const ended = disabled ? await deps.users.revokeUserSessions(user.id, at) : 0;
  await audit(deps, origin, {
    action: disabled ? 'user.disable' : 'user.enable',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
    params: { email: user.email, ...(disabled ? { sessionsEnded: ended } : {}) },
  });
  return user;
}

/**
 * Ends a user's link to their identity at a sign-in provider (the person left and the provider gave
 * their email to someone else, or the link was made by mistake) and their sessions. The next sign-in
 * with the account's email links it again, as a first sign-in does. A user without a link is answered
 * as is.
 */
export async function unlinkIdentity(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  emailOrId: string,
): Promise<{ user: UserRecord; unlinked: boolean }> {
  const current = await findUser(deps, emailOrId);
  mayManage(origin, current);
  if (current.externalId === undefined) return { user: current, unlinked: false };
  const at = deps.now().toISOString();
  const user = (await deps.users.updateUser(current.id, { at, externalId: null }))!;
  const ended = await deps.users.revokeUserSessions(user.id, at);
  await audit(deps, origin, {
    action: 'user.update',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
    params: {
      email: user.email,
      link: 'unlinked',
      ...identityOf(current.externalId),
      sessionsEnded: ended,
    },
  });
  return { user, unlinked: true };
}

export interface UserUpdate {
  role?: Role | undefined;
  domains?: readonly string[] | undefined;
  addresses?: readonly string[] | undefined;
  displayName?: string | undefined;
  releaseMode?: ReleaseMode | null | undefined;
}

/** Changes role, domains, addresses, name or release mode. Both the old and the new shape must be manageable. */
export async function updateUser(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  emailOrId: string,
  update: UserUpdate,
): Promise<UserRecord> {
  const current = await findUser(deps, emailOrId);
  mayManage(origin, current);
  const role = update.role ?? current.role;
  const shaped = shapeRole(
    current.email,
    role,
    update.domains ?? (role === current.role ? current.domains : undefined),
    update.addresses ?? (role === current.role ? current.addresses : undefined),
  );
  mayManage(origin, { role, ...shaped });
  if (origin.actor?.userId === current.id && role !== current.role)
    throw invalid('You cannot change your own role.');
  const at = deps.now().toISOString();
  const user = (await deps.users.updateUser(current.id, {
    at,
    role,
    ...shaped,
    ...(update.displayName === undefined
      ? {}
      : { displayName: checkedName('display name', update.displayName) || current.email }),
    releaseMode: hasReleaseMode(role)
      ? update.releaseMode === undefined
        ? current.releaseMode
        : update.releaseMode
      : null,
  }))!;
  await audit(deps, origin, {
    action: 'user.update',
    target: { userId: user.id },
    tenants: [...new Set([...tenantsOfUser(current), ...tenantsOfUser(user)])],
    params: {
      email: user.email,
      role: user.role,
      domains: user.domains,
      addresses: user.addresses,
      releaseMode: user.releaseMode,
    },
  });
  return user;
}

export interface NewToken {
  user: string;
  scope: TokenScope;
  name?: string | undefined;
  /** Lifetime; absent: the token does not expire. */
  expiresInMs?: number | undefined;
}

/** Creates an API token; the secret is answered once here and only its hash is stored. */
export async function createToken(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  input: NewToken,
): Promise<{ token: TokenRecord; secret: string; owner: UserRecord }> {
  if (!TOKEN_SCOPES.includes(input.scope)) throw invalid(`Unknown scope ${JSON.stringify(input.scope)}.`);
  const owner = await findUser(deps, input.user);
  if (origin.actor?.userId !== owner.id) mayManage(origin, owner);
  const most = maxScopeOf(owner.role);
  if (TOKEN_SCOPES.indexOf(input.scope) > TOKEN_SCOPES.indexOf(most)) {
    throw invalid(`A ${owner.role} may hold tokens up to scope ${most}, not ${input.scope}.`);
  }
  if (owner.disabled) throw invalid(`User ${owner.email} is disabled.`);
  const now = deps.now();
  const secret = newSecret(TOKEN_PREFIX);
  const token: TokenRecord = {
    id: newId(),
    userId: owner.id,
    name: (input.name && checkedName('token name', input.name)) || `${input.scope}-token`,
    scope: input.scope,
    secretHash: hashSecret(secret),
    createdAt: now.toISOString(),
    expiresAt:
      input.expiresInMs === undefined ? null : new Date(now.getTime() + input.expiresInMs).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.users.createToken(token);
  await audit(deps, origin, {
    action: 'token.create',
    target: { tokenId: token.id, userId: owner.id },
    tenants: tenantsOfUser(owner),
    params: { name: token.name, scope: token.scope, expiresAt: token.expiresAt, user: owner.email },
  });
  return { token, secret, owner };
}

/** Revokes a token by id; revoking twice answers the first revocation and audits nothing new. */
export async function revokeToken(
  deps: UserAdminDeps,
  origin: AuditOrigin,
  tokenId: string,
): Promise<TokenRecord> {
  const existing = await deps.users.getToken(tokenId);
  const owner = existing ? await deps.users.getUser(existing.userId) : null;
  if (!existing || !owner) throw new LazaretError('not_found', `No token ${tokenId}.`, { tokenId });
  if (origin.actor?.userId !== owner.id && !(origin.actor && canManageUser(origin.actor, owner))) {
    throw new LazaretError('not_found', `No token ${tokenId}.`, { tokenId });
  }
  if (existing.revokedAt) return existing;
  const token = (await deps.users.revokeToken(tokenId, deps.now().toISOString()))!;
  await audit(deps, origin, {
    action: 'token.revoke',
    target: { tokenId, userId: owner.id },
    tenants: tenantsOfUser(owner),
    params: { name: token.name, user: owner.email },
  });
  return token;
}
