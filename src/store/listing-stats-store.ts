import type { ItemStatus, QuarantineItem, Reason } from '../core/types.js';
import type { ItemFilter, ItemStore } from './item-store.js';
import type {
  DayCounts,
  PartyCount,
  QuarantineStats,
  StatsRequest,
  StatsScope,
  StatsStore,
} from './stats-store.js';

const ALL_STATUSES: ItemStatus[] = ['quarantined', 'releasing', 'released', 'deleted', 'expired'];
const WAITING = new Set<ItemStatus>(['quarantined', 'releasing']);
const PAGE = 1000;

/**
 * Dashboard numbers for a backend without counters (DynamoDB), read from the items themselves: the
 * items received in the window, at most `maxItems` of them. It costs one listing of the window per
 * request, so it suits small and medium installations; the embedded store keeps exact counters
 * instead (SqliteStatsStore). Releases and deletes are counted on the day of each item's last change,
 * for items received in the window; "waiting now" numbers cover the window only.
 */
export class ListingStatsStore implements StatsStore {
  constructor(
    private readonly items: ItemStore,
    private readonly maxItems = 100_000,
  ) {}

  async stats(scope: StatsScope, request: StatsRequest): Promise<QuarantineStats> {
    const filter: ItemFilter = {
      ...scope,
      statuses: ALL_STATUSES,
      receivedAfter: `${request.fromDay}T00:00:00.000Z`,
      receivedBefore: `${nextDay(request.toDay)}T00:00:00.000Z`,
    };
    const days = new Map<string, DayCounts>();
    const statuses: Record<string, number> = {};
    const senders = new Map<string, number>();
    const recipients = new Map<string, number>();
    const dayOf = (day: string) => {
      let counts = days.get(day);
      if (!counts) {
        counts = { day, held: {}, released: 0, deleted: 0, expired: 0 };
        days.set(day, counts);
      }
      return counts;
    };
    let seen = 0;
    let cursor: string | undefined;
    do {
      const page = await this.items.listItems(filter, {
        limit: Math.min(PAGE, this.maxItems - seen),
        cursor,
      });
      for (const item of page.items) count(item);
      seen += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && seen < this.maxItems);

    function count(item: QuarantineItem) {
      const held = dayOf(item.receivedAt.slice(0, 10)).held;
      held[item.reason as Reason] = (held[item.reason as Reason] ?? 0) + 1;
      statuses[item.status] = (statuses[item.status] ?? 0) + 1;
      const changed = item.updatedAt.slice(0, 10);
      if (changed >= request.fromDay && changed <= request.toDay) {
        if (item.status === 'released') dayOf(changed).released += 1;
        if (item.status === 'deleted') dayOf(changed).deleted += 1;
        if (item.status === 'expired') dayOf(changed).expired += 1;
      }
      if (WAITING.has(item.status)) {
        senders.set(item.sender, (senders.get(item.sender) ?? 0) + 1);
        recipients.set(item.recipient, (recipients.get(item.recipient) ?? 0) + 1);
      }
    }
    const top = (counts: Map<string, number>): PartyCount[] =>
      [...counts]
        .map(([address, n]) => ({ address, count: n }))
        .sort((a, b) => b.count - a.count || a.address.localeCompare(b.address))
        .slice(0, request.top);
    return {
      days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
      statuses,
      topSenders: top(senders),
      topRecipients: top(recipients),
      partial: cursor !== undefined,
    };
  }
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 3600 * 1000).toISOString().slice(0, 10);
}
