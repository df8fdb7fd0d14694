import type { ItemStatus } from './types.js';

/**
 * The item state machine. Every store transition names the statuses it may start from;
 * this table is the single statement of which moves exist at all.
 */
const ALLOWED: Record<ItemStatus, readonly ItemStatus[]> = {
  quarantined: ['releasing', 'release_requested', 'deleted', 'expired'],
  // A user asked for release: an approver releases it (via releasing) or denies it (back to quarantined).
  release_requested: ['releasing', 'quarantined', 'deleted', 'expired'],
  // A release attempt ends released, or back in quarantine with lastError (refused, deferred, interrupted).
  releasing: ['released', 'quarantined'],
  // Released items may be deleted or expire; a forced re-release claims them again.
  released: ['releasing', 'deleted', 'expired'],
  deleted: [],
  expired: [],
};

export function canTransition(from: ItemStatus, to: ItemStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Statuses from which an item may move to `to`. */
export function sourcesOf(to: ItemStatus): ItemStatus[] {
  return (Object.keys(ALLOWED) as ItemStatus[]).filter((from) => ALLOWED[from].includes(to));
}
