import { LazaretError } from '../core/errors.js';
import type { QuarantineItem } from '../core/types.js';
import type { ItemStore } from '../store/item-store.js';

export interface ReleaseRequestDeps {
  items: ItemStore;
  now: () => Date;
}

function refuse(item: QuarantineItem | null, id: string): never {
  switch (item?.status) {
    case undefined:
      throw new LazaretError('not_found', 'No such item.', { itemId: id });
    case 'release_requested':
      throw new LazaretError('already_requested', 'Release of this item was requested already.', {
        itemId: id,
      });
    case 'released':
      throw new LazaretError('already_released', 'The item was released already.', { itemId: id });
    case 'deleted':
    case 'expired':
      throw new LazaretError('already_deleted', 'The item was deleted; its message is gone.', { itemId: id });
    default:
      throw new LazaretError('conflict', 'The item changed meanwhile; try again.', { itemId: id });
  }
}

/** Asks for release of a quarantined item: a conditional move to `release_requested` for an approver. */
export async function requestRelease(deps: ReleaseRequestDeps, id: string): Promise<QuarantineItem> {
  const item = await deps.items.getItem(id);
  if (item?.status !== 'quarantined') refuse(item, id);
  const result = await deps.items.transition(
    id,
    { status: ['quarantined'], version: item.version },
    { status: 'release_requested', at: deps.now().toISOString() },
  );
  if (!result.ok) refuse(result.current, id);
  return result.item;
}

/** Turns a release request down: the item goes back to quarantine, the reason in lastError (`release_denied`). */
export async function denyRelease(
  deps: ReleaseRequestDeps,
  id: string,
  reason?: string,
): Promise<QuarantineItem> {
  const item = await deps.items.getItem(id);
  if (!item) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  if (item.status !== 'release_requested') {
    throw new LazaretError('not_requested', 'No release of this item is waiting for a decision.', {
      itemId: id,
    });
  }
  const at = deps.now().toISOString();
  const result = await deps.items.transition(
    id,
    { status: ['release_requested'], version: item.version },
    {
      status: 'quarantined',
      at,
      lastError: { code: 'release_denied', detail: reason?.trim() || 'The release request was denied.', at },
    },
  );
  if (!result.ok) {
    throw new LazaretError('conflict', 'The item changed while the request was being decided; try again.', {
      itemId: id,
    });
  }
  return result.item;
}
