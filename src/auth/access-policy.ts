import type { QuarantineItem } from '../core/types.js';
import type { ItemFilter } from '../store/item-store.js';
import type { Actor } from './actor.js';

/**
 * The one statement of who may see which items. Lists are narrowed with `scopeFilter` inside the
 * store query (so counts and cursors never reveal foreign items); single items are checked with
 * `canSee`, and a foreign item is reported exactly like a missing one.
 */
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

/**
 * Whether the actor may release an item it can see. Malware is released by administrators only;
 * everyone else gets `forbidden` for it (not `not_found`: they can see the item, so hiding it would
 * be a lie and a confusing one).
 */
export function canRelease(actor: Actor, item: QuarantineItem): boolean {
  return actor.role === 'admin' || item.reason !== 'malware';
}

/** Whether the credential allows changing items at all (release, delete, bulk jobs). */
export function mayChangeItems(actor: Actor): boolean {
  return actor.scopes.includes('release') || actor.scopes.includes('admin');
}
