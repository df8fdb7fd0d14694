import type { QuarantineItem, Timestamp } from '../core/types.js';
import type { ItemStore } from '../store/item-store.js';
import type { DigestAudience } from './digest-audience.js';

/** What one digest lists. */
export interface DigestContent {
  /** The newest held items of the window, at most the configured number. */
  items: QuarantineItem[];
  /** How many items the window holds in all (counted up to COUNT_LIMIT). */
  total: number;
  /** True when there were more than COUNT_LIMIT and `total` stopped counting. */
  totalIsLowerBound: boolean;
  /** The window: received at or after `since` (null: ever) and before `until`. */
  since: Timestamp | null;
  until: Timestamp;
}

/** Counting stops here: a digest says "and more than N more" rather than walk a huge backlog. */
export const COUNT_LIMIT = 10_000;

function windowFilter(audience: DigestAudience, window: { since: Timestamp | null; until: Timestamp }) {
  return {
    ...audience.filter,
    statuses: ['quarantined' as const],
    ...(window.since ? { receivedAfter: window.since } : {}),
    receivedBefore: window.until,
  };
}

/** Whether any item the audience would be told about was held in the window. */
export async function holdsAny(
  items: ItemStore,
  audience: DigestAudience,
  window: { since: Timestamp | null; until: Timestamp },
): Promise<boolean> {
  return (await items.listItems(windowFilter(audience, window), { limit: 1 })).items.length > 0;
}

/**
 * The items a digest lists: still held (`quarantined`), covered by the audience, received in
 * [since, until), newest first; plus how many there are in all.
 */
export async function collectDigest(
  items: ItemStore,
  audience: DigestAudience,
  window: { since: Timestamp | null; until: Timestamp },
  maxItems: number,
): Promise<DigestContent> {
  const filter = windowFilter(audience, window);
  const first = await items.listItems(filter, { limit: maxItems });
  let total = first.items.length;
  let cursor = first.nextCursor;
  while (cursor && total < COUNT_LIMIT) {
    const page = await items.listItems(filter, { limit: 1000, cursor });
    total += page.items.length;
    cursor = page.nextCursor;
  }
  return {
    items: first.items,
    total: Math.min(total, COUNT_LIMIT),
    totalIsLowerBound: cursor !== null && total >= COUNT_LIMIT,
    since: window.since,
    until: window.until,
  };
}
