import type {
  ItemError,
  ItemStatus,
  Lease,
  MessageRecord,
  QuarantineItem,
  Reason,
  ReleaseInfo,
  Timestamp,
} from '../core/types.js';

/** Filters for listing items; all given filters must hold. */
export interface ItemFilter {
  /** Exact lower-cased recipient address. */
  recipient?: string;
  /** Envelope sender: an address matches exactly; `example.com` or `@example.com` matches the domain. */
  sender?: string;
  /** Case-insensitive substring of the Subject header. */
  subject?: string;
  reasons?: readonly Reason[];
  /** Defaults to the live statuses (quarantined, releasing, released): tombstones are listed only on request. */
  statuses?: readonly ItemStatus[];
  /** Inclusive lower bound on receivedAt. */
  receivedAfter?: Timestamp;
  /** Exclusive upper bound on receivedAt. */
  receivedBefore?: Timestamp;
  messageId?: string;
  /** Access scope: only items addressed to one of these (lower-cased) recipients. Empty matches nothing. */
  recipientIn?: readonly string[];
  /** Access scope: only items of these tenants (recipient domains). Empty matches nothing. */
  tenantIn?: readonly string[];
}

export interface PageRequest {
  /** 1..1000. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** What a transition writes besides status; `null` clears a field, `undefined` leaves it as it is. */
export interface ItemChange {
  status: ItemStatus;
  at: Timestamp;
  release?: ReleaseInfo | null;
  lastError?: ItemError | null;
  lease?: Lease | null;
}

export interface TransitionExpectation {
  /** The item must be in one of these statuses. */
  status: readonly ItemStatus[];
  /** When given, the item's version must equal it. */
  version?: number;
}

export type TransitionResult =
  | { ok: true; item: QuarantineItem }
  /** The condition failed; `current` is the item as it is now, or null if it does not exist. */
  | { ok: false; current: QuarantineItem | null };

/**
 * Items, message metadata and (in later issues) jobs, users, tokens and audit.
 * Every backend passes test/contract/item-store.contract.ts unchanged.
 * Methods reject with a `LazaretError` (`store_error` for backend failures, `bad_cursor` for foreign cursors).
 */
export interface ItemStore {
  /**
   * Stores one message and all its items atomically: once the promise resolves they are durable and
   * visible together; if it rejects, or the process dies before it resolves, none of them is ever visible.
   */
  putMessage(message: MessageRecord, items: readonly QuarantineItem[]): Promise<void>;

  getMessage(id: string): Promise<MessageRecord | null>;

  getItem(id: string): Promise<QuarantineItem | null>;

  /** Looks up many items in as few round trips as the backend allows; unknown ids are absent from the map. */
  getItems(ids: readonly string[]): Promise<Map<string, QuarantineItem>>;

  /** Newest first (receivedAt, then id, both descending); cursors are stable when new items arrive. */
  listItems(filter: ItemFilter, page: PageRequest): Promise<Page<QuarantineItem>>;

  /**
   * Conditional write: applies `change` only if the item matches `expected` (and the state machine allows
   * the move), incrementing its version. Of two concurrent transitions with the same expectation,
   * exactly one succeeds.
   */
  transition(id: string, expected: TransitionExpectation, change: ItemChange): Promise<TransitionResult>;

  /** Number of items of a message whose status still needs the raw message (see LIVE_STATUSES). */
  countLiveItems(messageId: string): Promise<number>;

  /** Whether the backend answers; used by /readyz. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
