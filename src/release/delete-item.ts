import type { Logger } from 'pino';
import { LazaretError } from '../core/errors.js';
import type { QuarantineItem } from '../core/types.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore } from '../store/item-store.js';

export interface DeleteDeps {
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
}

/**
 * Removes the raw message once no item needs it any more. Items only ever move from live to dead
 * statuses, so once the count is zero it stays zero and removing twice is harmless.
 */
export async function removeBlobIfUnreferenced(deps: DeleteDeps, messageId: string): Promise<boolean> {
  if ((await deps.items.countLiveItems(messageId)) > 0) return false;
  const message = await deps.items.getMessage(messageId);
  if (!message) return false;
  await deps.blobs.delete(message.blobKey);
  deps.logger.debug({ event: 'BLOB_REMOVED', messageId });
  return true;
}

/**
 * Deletes one item: a conditional move to `deleted` that keeps a tombstone (for history and for
 * answering `already_deleted`), then removes the raw message if this was its last live item.
 */
export async function deleteItem(deps: DeleteDeps, id: string): Promise<QuarantineItem> {
  const item = await deps.items.getItem(id);
  if (!item) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  if (item.status === 'deleted' || item.status === 'expired') {
    throw new LazaretError('already_deleted', 'The item was deleted already.', { itemId: id });
  }
  if (item.status === 'releasing') {
    throw new LazaretError('conflict', 'The item is being released right now; try again when it is done.', {
      itemId: id,
    });
  }
  const result = await deps.items.transition(
    id,
    { status: [item.status], version: item.version },
    { status: 'deleted', at: deps.now().toISOString(), lease: null },
  );
  if (!result.ok) {
    if (result.current?.status === 'deleted') {
      throw new LazaretError('already_deleted', 'The item was deleted already.', { itemId: id });
    }
    throw new LazaretError('conflict', 'The item changed while it was being deleted; try again.', {
      itemId: id,
    });
  }
  await removeBlobIfUnreferenced(deps, item.messageId);
  return result.item;
}
