import { administersAll, canManageDomain, canManageUser, isAdministrator } from '../auth/access-policy.js';
import { type AuditOrigin, audit } from '../auth/audit.js';
import type { Actor } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AuditStore } from '../store/audit-store.js';
import type { Page, PageRequest } from '../store/item-store.js';
import type { OwnerScope, OwnerScopeKind } from '../store/owner-scope.js';
import type {
  ListAction,
  PutListEntryResult,
  SenderListEntry,
  SenderListFilter,
  SenderListStore,
} from '../store/sender-list-store.js';
import { tenantsOfUser, type UserStore } from '../store/user-store.js';
import { normaliseSenderPattern } from './sender-patterns.js';

/** Use cases of sender allow/block lists, shared by the API, digest links and the CLI; each change is audited. */
export interface ListAdminDeps {
  lists: SenderListStore;
  users: UserStore;
  audit: AuditStore;
  now: () => Date;
}

/** Which list someone means: their own (default), a user's, a domain's, or the global one. */
export interface ListTarget {
  scope: OwnerScopeKind;
  /** For `user`: whose list (default: the actor's own). */
  userId?: string | undefined;
  /** For `domain`. */
  domain?: string | undefined;
}

const notFound = () => new LazaretError('not_found', 'No such list entry.');

function requireUserActor(actor: Actor): string {
  if (!actor.userId) throw new LazaretError('forbidden', 'Only people have lists of their own.');
  return actor.userId;
}

/**
 * The scope `target` names, if `actor` may manage it: a user their own list; a domain admin the lists
 * of their domains and of users they manage; an admin every list. A user the actor may not manage
 * answers `not_found` (they do not exist for them); a domain or the global list answers `forbidden`.
 */
export async function resolveListScope(
  deps: Pick<ListAdminDeps, 'users'>,
  actor: Actor,
  target: ListTarget,
): Promise<{ scope: OwnerScope; tenants: string[] }> {
  switch (target.scope) {
    case 'user': {
      const userId = target.userId ?? requireUserActor(actor);
      const user = await deps.users.getUser(userId);
      const own = userId === actor.userId;
      if (!user || (!own && !canManageUser(actor, user))) {
        throw new LazaretError('not_found', 'No such user.', { userId });
      }
      return { scope: { kind: 'user', userId }, tenants: tenantsOfUser(user) };
    }
    case 'domain': {
      const domain = target.domain?.trim().toLowerCase().replace(/^@/, '');
      if (!domain) throw new LazaretError('validation_error', 'A domain list needs `domain`.');
      if (!canManageDomain(actor, domain)) {
        throw new LazaretError('forbidden', `You may not manage the lists of ${domain}.`, { domain });
      }
      return { scope: { kind: 'domain', domain }, tenants: [domain] };
    }
    case 'global':
      if (!administersAll(actor)) {
        throw new LazaretError('forbidden', 'Only administrators manage the global lists.');
      }
      return { scope: { kind: 'global' }, tenants: [] };
  }
}

/** Whether `actor` may see and change `entry` (the same rule as resolveListScope, for an entry in hand). */
async function mayManageEntry(
  deps: Pick<ListAdminDeps, 'users'>,
  actor: Actor,
  entry: SenderListEntry,
): Promise<{ tenants: string[] } | null> {
  const scope = entry.scope;
  const target: ListTarget =
    scope.kind === 'user'
      ? { scope: 'user', userId: scope.userId }
      : scope.kind === 'domain'
        ? { scope: 'domain', domain: scope.domain }
        : { scope: 'global' };
  try {
    return await resolveListScope(deps, actor, target);
  } catch {
    return null;
  }
}

export interface NewListEntry extends ListTarget {
  action: ListAction;
  sender: string;
}

/** Adds (or changes: one entry per list and sender) an allow or block entry; audited as `list.put`. */
export async function putListEntry(
  deps: ListAdminDeps,
  origin: AuditOrigin & { actor: Actor },
  input: NewListEntry,
  params: Record<string, unknown> = {},
): Promise<PutListEntryResult> {
  const sender = normaliseSenderPattern(input.sender);
  const { scope, tenants } = await resolveListScope(deps, origin.actor, input);
  const result = await deps.lists.putListEntry({
    id: newId(),
    scope,
    action: input.action,
    sender,
    updatedAt: deps.now().toISOString(),
    updatedBy: origin.actor.label,
  });
  await audit(deps, origin, {
    action: 'list.put',
    ...(scope.kind === 'user' ? { target: { userId: scope.userId } } : {}),
    tenants,
    params: {
      entryId: result.entry.id,
      scope: scope.kind,
      ...(scope.kind === 'domain' ? { domain: scope.domain } : {}),
      action: input.action,
      sender,
      ...(result.previous && result.previous.action !== input.action ? { was: result.previous.action } : {}),
      ...params,
    },
  });
  return result;
}

/** Removes an entry the actor may manage (others answer `not_found`); audited as `list.remove`. */
export async function removeListEntry(
  deps: ListAdminDeps,
  origin: AuditOrigin & { actor: Actor },
  id: string,
): Promise<SenderListEntry> {
  const entry = await deps.lists.getListEntry(id);
  const allowed = entry ? await mayManageEntry(deps, origin.actor, entry) : null;
  if (!entry || !allowed) throw notFound();
  const removed = await deps.lists.removeListEntry(id);
  if (!removed) throw notFound();
  await audit(deps, origin, {
    action: 'list.remove',
    ...(removed.scope.kind === 'user' ? { target: { userId: removed.scope.userId } } : {}),
    tenants: allowed.tenants,
    params: { entryId: id, scope: removed.scope.kind, action: removed.action, sender: removed.sender },
  });
  return removed;
}

export interface ListQuery {
  /** Which list; absent: every list the actor manages (users: their own; domain admins: their domains'). */
  target?: ListTarget;
  action?: ListAction;
  sender?: string;
}

/** Entries of the lists the actor may see, newest first. */
export async function listEntries(
  deps: Pick<ListAdminDeps, 'lists' | 'users'>,
  actor: Actor,
  query: ListQuery,
  page: PageRequest,
): Promise<Page<SenderListEntry>> {
  let filter: SenderListFilter;
  if (query.target) {
    filter = { scopes: [(await resolveListScope(deps, actor, query.target)).scope] };
  } else if (administersAll(actor)) {
    filter = {};
  } else if (isAdministrator(actor)) {
    filter = { scopes: actor.domains.map((domain) => ({ kind: 'domain' as const, domain })) };
  } else {
    filter = { scopes: [{ kind: 'user', userId: requireUserActor(actor) }] };
  }
  return deps.lists.listListEntries(
    {
      ...filter,
      ...(query.action ? { action: query.action } : {}),
      ...(query.sender ? { sender: normaliseSenderPattern(query.sender) } : {}),
    },
    page,
  );
}
