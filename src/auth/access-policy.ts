import type { Actor, Role, TokenScope } from '../core/actor.js';
import { domainOf } from '../core/address.js';
import { LazaretError } from '../core/errors.js';
import { isLive, type QuarantineItem } from '../core/types.js';
import type { AuditFilter } from '../store/audit-store.js';
import type { ItemFilter } from '../store/item-store.js';
import type { Job, JobFilter } from '../store/job-store.js';
import { tenantsOfUser, type UserFilter, type UserRecord } from '../store/user-store.js';

/**
 * The one statement of who may see and do what; no other file compares roles
 * (test/unit/policy-single-source.test.ts). Lists are narrowed with `scopeFilter` (items),
 * `auditScope`, `userScope` and `jobScope` inside the store query, so counts and cursors never reveal
 * foreign records; single items are checked with `decideItem` / `requireItem`, and a foreign item is
 * reported exactly like a missing one (404), while a visible item the role may not act on is 403.
 * `allowedActions` tells clients, per item, which actions those same decisions allow.
 */

/** Configurable parts of the policy (`access.*` keys). */
export interface AccessRules {
  /** Least role that may release, or approve the release of, an item held as malware. */
  malwareRelease: Role;
}

export const DEFAULT_ACCESS_RULES: AccessRules = { malwareRelease: 'admin' };

/** The access rules from the `access.*` configuration keys. */
export function accessRules(config: { access: AccessRules }): AccessRules {
  return { malwareRelease: config.access.malwareRelease };
}

/** The actions the API offers on an item, in the order the UI shows them (an item's `allowedActions`). */
export const OFFERED_ACTIONS = [
  'release',
  /** Release with `force`: may also send a released item, or one whose release was interrupted, again. */
  'force_release',
  'request_release',
  'approve_release',
  'deny_release',
  'delete',
  'download_attachment',
] as const;
export type OfferedAction = (typeof OFFERED_ACTIONS)[number];

/** What one may try to do with an item: read it, or one of the offered actions. */
export type ItemAction = 'read' | OfferedAction;

/** The token scope each offered action needs (its route's `scope`). */
const SCOPE_OF: Record<OfferedAction, TokenScope> = {
  release: 'release',
  force_release: 'release',
  request_release: 'release',
  approve_release: 'release',
  deny_release: 'release',
  delete: 'release',
  download_attachment: 'read',
};

export type Decision =
  | { allowed: true }
  /** `not_found`: the actor may not even know the item exists. `forbidden`: visible, but not this action. */
  | { allowed: false; code: 'not_found' | 'forbidden'; reason: string; canRequest?: boolean };

const RANK: Record<Role, number> = { user: 0, domain_admin: 1, admin: 2 };

export function roleAtLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

/** Someone with a role: an actor, or a user record (digest audiences, user administration). */
type RoleHolder = Pick<Actor, 'role' | 'domains'>;

/** What a role's view of mail rests on: everything (admins), their domains, or their own addresses. */
export function accessBasisOf(role: Role): 'everything' | 'domains' | 'addresses' {
  switch (role) {
    case 'admin':
      return 'everything';
    case 'domain_admin':
      return 'domains';
    case 'user':
      return 'addresses';
  }
}

/** Administrators and domain administrators: they decide requests, set defaults, get digest copies. */
export function isAdministrator(who: Pick<Actor, 'role'>): boolean {
  return who.role !== 'user';
}

/** A full administrator: every tenant, the global settings and lists, every job. */
export function administersAll(who: Pick<Actor, 'role'>): boolean {
  return who.role === 'admin';
}

/** May `who` manage what belongs to `domain` (its sender lists, its digest default, copies of its digest)? */
export function canManageDomain(who: RoleHolder, domain: string): boolean {
  switch (who.role) {
    case 'admin':
      return true;
    case 'domain_admin':
      return who.domains.includes(domain);
    case 'user':
      return false;
  }
}

/** Whether a role's releases follow a release mode (`access.userRelease`, or the user's own setting). */
export function hasReleaseMode(role: Role): boolean {
  return role === 'user';
}

/** The greatest token scope a role may hold: users never administer anything. */
export function maxScopeOf(role: Role): TokenScope {
  return role === 'user' ? 'release' : 'admin';
}

/** Jobs the actor may see: every job for an administrator, otherwise their own. */
export function canSeeJob(actor: Actor, job: Pick<Job, 'owner'>): boolean {
  return administersAll(actor) || job.owner.id === actor.id;
}

/** `canSeeJob` as a list filter. */
export function jobScope(actor: Actor): JobFilter {
  return administersAll(actor) ? {} : { ownerId: actor.id };
}

export function canSee(actor: Actor, item: QuarantineItem): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'domain_admin':
      return actor.domains.includes(item.tenant);
    case 'user':
      return actor.addresses.includes(item.recipient);
  }
}

/**
 * Whether the actor may see `address` among the recipients of a message (its envelope, where a
 * release went): admins every address, domain admins those of their domains, users their own
 * (primary and aliases). A message reaches people of several tenants, Bcc recipients among them,
 * and being able to see one item of it tells nothing about the others: they are left out, not
 * masked, so their number does not show either.
 */
export function canSeeAddress(actor: Actor, address: string): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'domain_admin':
      return actor.domains.includes(domainOf(address));
    case 'user':
      return actor.addresses.includes(address);
  }
}

/** Extra filter terms that restrict a list to what the actor may see. */
export function scopeFilter(actor: Actor): Pick<ItemFilter, 'recipientIn' | 'tenantIn'> {
  switch (actor.role) {
    case 'admin':
      return {};
    case 'domain_admin':
      return { tenantIn: actor.domains };
    case 'user':
      return { recipientIn: actor.addresses };
  }
}

function releaseDecision(actor: Actor, item: QuarantineItem, rules: AccessRules): Decision {
  if (item.reason === 'malware' && !roleAtLeast(actor.role, rules.malwareRelease)) {
    return {
      allowed: false,
      code: 'forbidden',
      reason: 'Releasing mail held as malware needs a higher role; request release instead.',
      canRequest: true,
    };
  }
  if (actor.role === 'user' && actor.releaseMode === 'request') {
    return {
      allowed: false,
      code: 'forbidden',
      reason: 'Your account may only request release; an administrator approves it.',
      canRequest: true,
    };
  }
  return { allowed: true };
}

/** May `actor` do `action` to `item`? Every item route and bulk outcome goes through this. */
export function decideItem(
  actor: Actor,
  item: QuarantineItem | null,
  action: ItemAction,
  rules: AccessRules,
): Decision {
  if (!item || !canSee(actor, item)) return { allowed: false, code: 'not_found', reason: 'No such item.' };
  switch (action) {
    case 'read':
    case 'delete':
    case 'request_release':
      return { allowed: true };
    case 'release':
    case 'force_release':
      return releaseDecision(actor, item, rules);
    case 'approve_release':
    case 'deny_release':
      if (actor.role === 'user') {
        return { allowed: false, code: 'forbidden', reason: 'Only administrators decide release requests.' };
      }
      return action === 'approve_release' ? releaseDecision(actor, item, rules) : { allowed: true };
    case 'download_attachment':
      return mayOpenMalware(actor, item, rules)
        ? { allowed: true }
        : {
            allowed: false,
            code: 'forbidden',
            reason: 'Attachments of mail held as malware can be downloaded only by those who may release it.',
          };
  }
}

/** Held as malware, an item's content is for those who may release it (`access.malwareRelease`). */
function mayOpenMalware(actor: Actor, item: QuarantineItem, rules: AccessRules): boolean {
  return item.reason !== 'malware' || roleAtLeast(actor.role, rules.malwareRelease);
}

/**
 * Whether the item's status lets `action` succeed now, as the release engine and the request and
 * delete use cases judge it without `force`: a released or interrupted item is sent again only by
 * an explicit forced release, an item being released cannot be deleted until its attempt ends.
 */
function statusAllows(item: QuarantineItem, action: OfferedAction): boolean {
  const interrupted = item.lastError?.code === 'interrupted';
  switch (action) {
    case 'release':
      return (item.status === 'quarantined' || item.status === 'release_requested') && !interrupted;
    case 'force_release':
      return (
        item.status === 'quarantined' || item.status === 'release_requested' || item.status === 'released'
      );
    case 'request_release':
      return item.status === 'quarantined';
    case 'approve_release':
      return item.status === 'release_requested' && !interrupted;
    case 'deny_release':
      return item.status === 'release_requested';
    case 'delete':
      return isLive(item.status) && item.status !== 'releasing';
    case 'download_attachment':
      return isLive(item.status);
  }
}

/**
 * The actions `actor` may take on `item` now: those the policy (`decideItem`), the credential's
 * scope and the item's status all allow. The API lists them on every item so that clients offer
 * exactly these; the action routes refuse the others through the same `decideItem`.
 */
export function allowedActions(actor: Actor, item: QuarantineItem, rules: AccessRules): OfferedAction[] {
  return OFFERED_ACTIONS.filter(
    (action) =>
      actor.scopes.includes(SCOPE_OF[action]) &&
      statusAllows(item, action) &&
      decideItem(actor, item, action, rules).allowed,
  );
}

/** `decideItem` as a guard: answers the item, or throws `not_found` / `forbidden`. */
export function requireItem(
  actor: Actor,
  item: QuarantineItem | null,
  action: ItemAction,
  rules: AccessRules,
  id: string,
): QuarantineItem {
  const decision = decideItem(actor, item, action, rules);
  if (decision.allowed) return item!;
  // A hidden item's answer carries nothing, not even the id asked for, so bodies never name foreign items.
  if (decision.code === 'not_found') throw new LazaretError('not_found', decision.reason);
  throw new LazaretError(decision.code, decision.reason, {
    itemId: id,
    canRequest: decision.canRequest ?? false,
  });
}

/** Audit entries the actor may read: all for admins, their domains' for domain admins, none for users. */
export function auditScope(actor: Actor): Pick<AuditFilter, 'tenantIn'> {
  return administeredTenants(actor, 'Only administrators read the audit log.');
}

/** Users the actor may list: all for admins, those of their domains for domain admins. */
export function userScope(actor: Actor): Pick<UserFilter, 'tenantIn'> {
  return administeredTenants(actor, 'Only administrators manage users.');
}

/** The tenants an administrator acts on (no limit for admins); users are refused with `refusal`. */
function administeredTenants(actor: Actor, refusal: string): { tenantIn?: readonly string[] } {
  if (!isAdministrator(actor)) throw new LazaretError('forbidden', refusal);
  return scopeFilter(actor);
}

/**
 * May `actor` change `target` (or create it)? Admins manage everyone; a domain admin manages users
 * (role `user`) whose addresses all lie in their domains; users manage no one.
 */
export function canManageUser(
  actor: Actor,
  target: Pick<UserRecord, 'role' | 'domains' | 'addresses'>,
): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'domain_admin':
      return (
        target.role === 'user' &&
        target.addresses.length > 0 &&
        tenantsOfUser(target).every((tenant) => actor.domains.includes(tenant))
      );
    case 'user':
      return false;
  }
}

/** May this account hold a TOTP factor? Local (password) accounts: a directory's or provider's people have theirs there. */
export function mayUseTotp(user: Pick<UserRecord, 'passwordHash'>): boolean {
  return user.passwordHash !== null;
}

/**
 * Must this person enrol a second factor before doing anything else? Administrators of either kind with
 * a local password and no confirmed factor, when `auth.requireTotpForAdmins` is set.
 */
export function mustEnrolTotp(
  user: Pick<UserRecord, 'role' | 'passwordHash' | 'totp'>,
  requireTotpForAdmins: boolean,
): boolean {
  return requireTotpForAdmins && isAdministrator(user) && mayUseTotp(user) && !user.totp?.confirmedAt;
}

/**
 * May `actor` remove `target`'s second factor without one of its codes (a lost phone)? An administrator
 * who manages the target; nobody for their own factor, which takes a current code.
 */
export function mayResetTotp(
  actor: Actor,
  target: Pick<UserRecord, 'id' | 'role' | 'domains' | 'addresses'>,
): boolean {
  return actor.userId !== target.id && isAdministrator(actor) && canManageUser(actor, target);
}

/** Whether the credential allows changing items at all (release, delete, bulk jobs). */
export function mayChangeItems(actor: Actor): boolean {
  return actor.scopes.includes('release');
}
