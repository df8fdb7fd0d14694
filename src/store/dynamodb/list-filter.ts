import { domainOf } from '../../core/address.js';
import { termMatches } from '../../core/search-query.js';
import { type ItemStatus, LIVE_STATUSES, type QuarantineItem } from '../../core/types.js';
import { decodeCursor } from '../cursor.js';
import type { ItemFilter, PageRequest } from '../item-store.js';

/** The fields of an item that never change: what an index entry carries. */
export type ListingFields = Pick<
  QuarantineItem,
  'id' | 'messageId' | 'recipient' | 'tenant' | 'sender' | 'subject' | 'reason' | 'receivedAt'
>;

/**
 * A listing request reduced to what the DynamoDB store evaluates itself. The semantics are those of
 * the SQLite store (test/contract/item-store.contract.ts holds both to them).
 */
export interface ListPlan {
  filter: ItemFilter;
  statuses: readonly ItemStatus[];
  /** Inclusive lower bound on `<receivedAt>#<id>` ('' for none). */
  low: string;
  /** Exclusive upper bound on `<receivedAt>#<id>` (undefined for none). */
  high: string | undefined;
  /** True when the filter can match nothing (an empty access scope, no statuses). */
  empty: boolean;
}

export function listKey(receivedAt: string, id: string): string {
  return `${receivedAt}#${id}`;
}

export function planListing(filter: ItemFilter, page: PageRequest): ListPlan {
  const statuses = filter.statuses ?? LIVE_STATUSES;
  let high: string | undefined = filter.receivedBefore;
  if (page.cursor !== undefined) {
    const after = decodeCursor(page.cursor);
    const cursorKey = listKey(after.receivedAt, after.id);
    if (high === undefined || cursorKey < high) high = cursorKey;
  }
  const low = filter.receivedAfter ?? '';
  return {
    filter,
    statuses,
    low,
    high,
    empty:
      statuses.length === 0 ||
      filter.recipientIn?.length === 0 ||
      filter.tenantIn?.length === 0 ||
      (high !== undefined && high <= low),
  };
}

function senderMatches(wanted: string, sender: string): boolean {
  const lower = wanted.toLowerCase();
  if (lower.includes('@') && !lower.startsWith('@')) return sender === lower;
  return domainOf(sender) === lower.replace(/^@/, '');
}

/** Everything of the filter that the unchanging fields decide: applied to index entries before fetching items. */
export function listingMatches(fields: ListingFields, plan: ListPlan): boolean {
  const { filter } = plan;
  const key = listKey(fields.receivedAt, fields.id);
  if (key < plan.low || (plan.high !== undefined && key >= plan.high)) return false;
  if (filter.recipient !== undefined && fields.recipient !== filter.recipient.toLowerCase()) return false;
  if (filter.recipientIn !== undefined && !filter.recipientIn.includes(fields.recipient)) return false;
  if (filter.tenantIn !== undefined && !filter.tenantIn.includes(fields.tenant)) return false;
  if (filter.sender !== undefined && !senderMatches(filter.sender, fields.sender)) return false;
  if (
    filter.subject !== undefined &&
    (fields.subject === undefined || !fields.subject.toLowerCase().includes(filter.subject.toLowerCase()))
  ) {
    return false;
  }
  if (filter.reasons !== undefined && !filter.reasons.includes(fields.reason)) return false;
  if (filter.messageId !== undefined && fields.messageId !== filter.messageId) return false;
  return true;
}

/** Whether the filter has search terms that need the message's Message-ID header. */
export function needsHeaderMessageIds(plan: ListPlan): boolean {
  return (plan.filter.terms ?? []).some((term) => term.kind === 'message_id');
}

/**
 * The whole filter, on the item as stored now. Search terms are evaluated with the reference
 * semantics (`termMatches`); `headerMessageIds` maps message ids to their Message-ID headers when
 * a `message-id:` term needs them.
 */
export function itemMatches(
  item: QuarantineItem,
  plan: ListPlan,
  headerMessageIds?: ReadonlyMap<string, string>,
): boolean {
  return (
    plan.statuses.includes(item.status) &&
    listingMatches(item, plan) &&
    (plan.filter.terms ?? []).every((term) => termMatches(item, term, headerMessageIds?.get(item.messageId)))
  );
}

/** Newest first: receivedAt, then id, both descending. */
export function newestFirst(a: QuarantineItem, b: QuarantineItem): number {
  const left = listKey(a.receivedAt, a.id);
  const right = listKey(b.receivedAt, b.id);
  return left < right ? 1 : left > right ? -1 : 0;
}
