import type { Logger } from 'pino';
import { DEFAULT_ACCESS_RULES, type Decision, decideItem } from '../auth/access-policy.js';
import { type Actor, systemActor } from '../core/actor.js';
import type { ItemOutcome } from '../core/outcomes.js';
import type { Lease, QuarantineItem } from '../core/types.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore, TransitionPort } from '../store/item-store.js';
import { logItemAction } from './item-log.js';
import { outcome, outcomeError } from './item-outcome.js';
import { markInterrupted } from './release/claim.js';

export interface DeleteDeps {
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
}

export interface DeleteRequest {
  actor: Actor;
  /** Leases of a worker known to be gone (a job taken over), treated as expired. */
  isAbandonedLease?: (lease: Lease) => boolean;
  /** The caller's decision on this item, made once on the item it read (absent: decided here). */
  decision?: Decision;
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
 * Deletes one item with a conditional move to `deleted` that keeps a tombstone (for history and for
 * answering `already_deleted`). The caller removes the raw message afterwards (once per message).
 * `item` is the item as read (undefined: read it here). A lost race is judged again, once.
 */
export async function deleteOne(
  port: TransitionPort,
  deps: DeleteDeps,
  itemId: string,
  item: QuarantineItem | null | undefined,
  request: DeleteRequest,
): Promise<{ outcome: ItemOutcome; item: QuarantineItem | null }> {
  const result = await deleteIfAllowed(port, deps, itemId, item, request);
  logItemAction(deps.logger, {
    action: 'delete',
    actor: request.actor,
    itemId,
    item: result.item,
    outcome: result.outcome.code,
  });
  return result;
}

async function deleteIfAllowed(
  port: TransitionPort,
  deps: DeleteDeps,
  itemId: string,
  item: QuarantineItem | null | undefined,
  request: DeleteRequest,
): Promise<{ outcome: ItemOutcome; item: QuarantineItem | null }> {
  let current = item === undefined ? await deps.items.getItem(itemId) : item;
  const decision = request.decision ?? decideItem(request.actor, current, 'delete', DEFAULT_ACCESS_RULES);
  for (let round = 0; round < 3; round += 1) {
    if (!current || !decision.allowed) {
      return { outcome: outcome(null, itemId, 'not_found', 'No such item.'), item: null };
    }
    if (current.status === 'deleted' || current.status === 'expired') {
      return {
        outcome: outcome(current, itemId, 'already_deleted', 'The item was deleted already.'),
        item: current,
      };
    }
    const now = deps.now();
    if (current.status === 'releasing') {
      const ended =
        current.lease === null ||
        current.lease.until <= now.toISOString() ||
        (request.isAbandonedLease?.(current.lease) ?? false);
      if (!ended) {
        return {
          outcome: outcome(
            current,
            itemId,
            'conflict',
            'The item is being released right now; try again when it is done.',
          ),
          item: current,
        };
      }
      current = await markInterrupted(port, deps, current);
      continue;
    }
    const result = await port.transition(
      itemId,
      { status: [current.status], version: current.version },
      { status: 'deleted', at: now.toISOString(), lease: null },
    );
    if (result.ok) return { outcome: outcome(result.item, itemId, 'ok', 'Deleted.'), item: result.item };
    current = result.current;
  }
  return {
    outcome: outcome(current, itemId, 'conflict', 'The item changed while it was being deleted; try again.'),
    item: current,
  };
}

/**
 * Deletes one item (the same steps a bulk delete runs for each), then removes the raw message if
 * this was its last live item. Answers the tombstone; any other outcome rejects with its code.
 */
export async function deleteItem(
  deps: DeleteDeps,
  id: string,
  actor: Actor = systemActor('cli'),
  /** The item as the caller read it and its decision on it (absent: read and decided here). */
  read: { item?: QuarantineItem | null; decision?: Decision } = {},
): Promise<QuarantineItem> {
  const request = { actor, ...(read.decision ? { decision: read.decision } : {}) };
  const result = await deleteOne(deps.items, deps, id, read.item, request);
  if (result.outcome.code !== 'ok' || !result.item) throw outcomeError(result.outcome);
  await removeBlobIfUnreferenced(deps, result.item.messageId);
  return result.item;
}
