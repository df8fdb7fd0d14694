import { canonical } from '../../core/address.js';
import { newId } from '../../core/ids.js';
import { firstUnsafeCharacter } from '../../core/safe-text.js';
import type { AuditStore } from '../../store/audit-store.js';
import {
  externalIdOf,
  identityOf,
  tenantsOfUser,
  type UserRecord,
  type UserStore,
} from '../../store/user-store.js';
import { accessBasisOf } from '../access-policy.js';
import { type AuditOrigin, audit } from '../audit.js';
import type { DirectoryPerson, PasswordDirectory } from './ldap-directory.js';

export interface DirectoryAccountDeps {
  users: UserStore;
  audit: AuditStore;
  now: () => Date;
}

function validAddresses(addresses: readonly string[]): string[] {
  const valid: string[] = [];
  for (const address of addresses) {
    try {
      valid.push(canonical(address));
    } catch {
      // A value the directory holds that is no mail address (a typo, an X.400 leftover) gives no access.
    }
  }
  return valid;
}

/** The role's fields as the directory gives them: the sign-in email always among a user's addresses. */
function accessFields(
  email: string,
  person: DirectoryPerson,
): Pick<UserRecord, 'role' | 'domains' | 'addresses'> {
  switch (accessBasisOf(person.role)) {
    case 'everything':
      return { role: person.role, domains: [], addresses: [] };
    case 'domains':
      return { role: person.role, domains: person.domains, addresses: [] };
    case 'addresses':
      return {
        role: person.role,
        domains: [],
        addresses: [...new Set([email, ...validAddresses(person.addresses)])],
      };
  }
}

/** The directory's name, unless it holds characters that forge log lines or reorder text: then the email. */
function shownName(email: string, name: string): string {
  const trimmed = name.trim();
  return trimmed && !firstUnsafeCharacter(name) && [...trimmed].length <= 200 ? trimmed : email;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/**
 * What links an account to its directory entry: the entry's DN, lower-cased (directories compare DNs
 * without case). One directory is configured at a time, so the key does not name its address: a
 * directory moved to another host keeps its links.
 */
export function directoryLinkOf(dn: string): string {
  return externalIdOf('ldap', 'directory', dn.toLowerCase());
}

const DIRECTORY_LINK_PREFIX = directoryLinkOf('');

/** The DN an account is linked to (lower-cased), or null for an account not linked to a directory entry. */
export function linkedDnOf(account: Pick<UserRecord, 'externalId'>): string | null {
  return account.externalId?.startsWith(DIRECTORY_LINK_PREFIX) === true
    ? account.externalId.slice(DIRECTORY_LINK_PREFIX.length)
    : null;
}

/**
 * The account a directory person signs in to: the one linked to their entry (also after their email
 * changed in the directory), else the one with the email they gave — unless that one is linked to
 * another entry: the directory gave the email to someone else, and the account stays with the person
 * it was made for (`refused`) until an administrator unlinks it. An account linked to an OpenID
 * Connect identity is that person's too and is signed in to as before.
 */
export async function accountOfPerson(
  deps: Pick<DirectoryAccountDeps, 'users'>,
  person: DirectoryPerson,
  byEmail: UserRecord | null,
): Promise<{ account: UserRecord | null; refused: boolean }> {
  const link = directoryLinkOf(person.dn);
  if (byEmail?.externalId === link) return { account: byEmail, refused: false };
  const linked = await deps.users.getUserByExternalId(link);
  if (linked) return { account: linked, refused: false };
  if (byEmail?.externalId !== undefined && identityOf(byEmail.externalId)?.method === 'ldap')
    return { account: null, refused: true };
  return { account: byEmail, refused: false };
}

/**
 * The Lazaret account of a directory person, created on their first sign-in (just in time) and
 * brought in line with the directory (name, role, domains, addresses) at every later one. An account
 * an admin disabled in Lazaret stays disabled.
 */
export async function accountFromDirectory(
  deps: DirectoryAccountDeps,
  directory: PasswordDirectory,
  email: string,
  person: DirectoryPerson,
  existing: UserRecord | null,
): Promise<UserRecord> {
  const at = deps.now().toISOString();
  const fields = accessFields(email, person);
  const displayName = shownName(email, person.displayName);
  const origin: AuditOrigin = { actor: null, label: `${directory.method}:${directory.provider}` };
  const params = { email, method: directory.method, provider: directory.provider, dn: person.dn, ...fields };
  const externalId = directoryLinkOf(person.dn);
  if (!existing) {
    const user: UserRecord = {
      id: newId(),
      email,
      displayName,
      ...fields,
      passwordHash: null,
      disabled: false,
      releaseMode: null,
      createdAt: at,
      updatedAt: at,
      externalId,
    };
    await deps.users.createUser(user);
    await audit(deps, origin, {
      action: 'user.create',
      target: { userId: user.id },
      tenants: tenantsOfUser(user),
      params,
    });
    return user;
  }
  // Accounts from before links were kept (or unlinked by an administrator) are linked to the entry now;
  // one linked to an OpenID Connect identity keeps that link.
  const linking = existing.externalId === undefined;
  const unchanged =
    !linking &&
    existing.displayName === displayName &&
    existing.role === fields.role &&
    sameList(existing.domains, fields.domains) &&
    sameList(existing.addresses, fields.addresses);
  if (unchanged) return existing;
  const user = (await deps.users.updateUser(existing.id, {
    at,
    displayName,
    ...fields,
    ...(linking ? { externalId } : {}),
  }))!;
  await audit(deps, origin, {
    action: 'user.update',
    target: { userId: user.id },
    tenants: [...new Set([...tenantsOfUser(existing), ...tenantsOfUser(user)])],
    params: { ...params, ...(linking ? { link: 'linked' } : {}) },
  });
  return user;
}

/** Disables the account of a person the directory has disabled, ending their sessions (tokens stop working with it). */
export async function disableFromDirectory(
  deps: DirectoryAccountDeps,
  directory: PasswordDirectory,
  user: UserRecord,
): Promise<void> {
  if (user.disabled) return;
  const at = deps.now().toISOString();
  await deps.users.updateUser(user.id, { at, disabled: true });
  const ended = await deps.users.revokeUserSessions(user.id, at);
  await audit(
    deps,
    { actor: null, label: `${directory.method}:${directory.provider}` },
    {
      action: 'user.disable',
      target: { userId: user.id },
      tenants: tenantsOfUser(user),
      params: {
        email: user.email,
        method: directory.method,
        provider: directory.provider,
        sessionsEnded: ended,
      },
    },
  );
}
