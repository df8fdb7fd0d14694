import { accessRules, requireItem } from '../auth/access-policy.js';
import type { Config } from '../config/load-config.js';
import type { Actor } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import { isLive, type QuarantineItem } from '../core/types.js';
import type { ItemStore } from '../store/item-store.js';

/**
 * An item the actor may read whose message is still kept (not deleted or expired). A foreign item
 * answers exactly like a missing one, so ids reveal nothing.
 */
export async function liveItem(
  deps: { items: Pick<ItemStore, 'getItem'>; config: Pick<Config, 'access'> },
  actor: Actor,
  id: string,
): Promise<QuarantineItem> {
  const rules = accessRules(deps.config);
  const item = requireItem(actor, await deps.items.getItem(id), 'read', rules, id);
  if (!isLive(item.status)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  return item;
}
