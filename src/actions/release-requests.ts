import type { Logger } from 'pino';
import type { Actor } from '../core/actor.js';
import { isLazaretError, LazaretError } from '../core/errors.js';
import type { QuarantineItem } from '../core/types.js';
import type { ItemStore } from '../store/item-store.js';
import { type LoggedItemAction, logItemAction } from './item-log.js';

export interface ReleaseRequestDeps {
  items: ItemStore;
  logger: Logger;
  now: () => Date;
}

/** Runs `work` and writes its ITEM_ACTION line, `ok` or the code it failed with. */
async function logged(
  deps: ReleaseRequestDeps,
  action: LoggedItemAction,
  actor: Actor,
  id: string,
  work: () => Promise<QuarantineItem>,
): Promise<QuarantineItem> {
  try {
    const item = await work();
    logItemAction(deps.logger, { action, actor, itemId: id, item, outcome: 'ok' });
    return item;
  } catch (error) {
    if (isLazaretError(error)) {
      const item = await deps.items.getItem(id).catch(() => null);
      logItemAction(deps.logger, { action, actor, itemId: id, item, outcome: error.code });
    }
    throw error;
  }
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

/**
 * Asks for release of a quarantined item: a conditional move to `release_requested` for an approver.
 * `item` is the item as the caller read it, after the access policy allowed the request.
 */
export function requestRelease(
  deps: ReleaseRequestDeps,
  item: QuarantineItem,
  actor: Actor,
): Promise<QuarantineItem> {
  return logged(deps, 'release_request', actor, item.id, () => request(deps, item));
}

async function request(deps: ReleaseRequestDeps, item: QuarantineItem): Promise<QuarantineItem> {
  const id = item.id;
  if (item.status !== 'quarantined') refuse(item, id);
  const result = await deps.items.transition(
    id,
    { status: ['quarantined'], version: item.version },
    { status: 'release_requested', at: deps.now().toISOString() },
  );
  if (!result.ok) refuse(result.current, id);
  return result.item;
}

/**
 * Turns a release request down: the item goes back to quarantine, the reason in lastError
 * (`release_denied`). `item` is the item as the caller read it, after the access policy allowed it.
 */
export function denyRelease(
  deps: ReleaseRequestDeps,
  item: QuarantineItem,
  actor: Actor,
  reason?: string,
): Promise<QuarantineItem> {
  return logged(deps, 'release_deny', actor, item.id, () => deny(deps, item, reason));
}

async function deny(
  deps: ReleaseRequestDeps,
  item: QuarantineItem,
  reason?: string,
): Promise<QuarantineItem> {
  const id = item.id;
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
