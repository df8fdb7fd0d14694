import { type AppContext, accessRules } from '../app-context.js';
import { requireItem } from '../auth/access-policy.js';
import type { Actor } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import { isLive, type QuarantineItem } from '../core/types.js';

/**
 * An item the actor may read whose message is still kept (not deleted or expired). A foreign item
 * answers exactly like a missing one, so ids reveal nothing.
 */
export async function liveItem(context: AppContext, actor: Actor, id: string): Promise<QuarantineItem> {
  const item = requireItem(actor, await context.items.getItem(id), 'read', accessRules(context), id);
  if (!isLive(item.status)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  return item;
}
