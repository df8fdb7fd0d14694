import type { AppContext } from '../app-context.js';
import { canSee } from '../auth/access-policy.js';
import type { Actor } from '../auth/actor.js';
import { LazaretError } from '../core/errors.js';
import { isLive, type QuarantineItem } from '../core/types.js';

/** The item if the actor may see it; a foreign item answers exactly like a missing one, so ids reveal nothing. */
export async function visibleItem(context: AppContext, actor: Actor, id: string): Promise<QuarantineItem> {
  const item = await context.items.getItem(id);
  if (!item || !canSee(actor, item)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  return item;
}

/** A visible item whose message is still kept (not deleted or expired). */
export async function liveItem(context: AppContext, actor: Actor, id: string): Promise<QuarantineItem> {
  const item = await visibleItem(context, actor, id);
  if (!isLive(item.status)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  return item;
}
