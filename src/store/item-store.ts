import type { SearchTerm } from '../core/search-query.js';
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
  /**
   * Parsed search terms (src/core/search-query.ts), all of which must hold; `termMatches` there is the
   * reference semantics. A `message_id` term matches the item's message id or its message's
   * Message-ID header. Status terms here narrow the `statuses` above (use `filterFromQuery` to turn a
   * query's positive status terms into `statuses`).
   */
  terms?: readonly SearchTerm[];
}

/** Fields a list can be ordered by (ties are broken by id in the same direction). */
export const ITEM_ORDER_FIELDS = [
  'receivedAt',
  'sender',
  'recipient',
  'subject',
  'reason',
  'score',
  'size',
] as const;
export type ItemOrderField = (typeof ITEM_ORDER_FIELDS)[number];

export interface ItemOrder {
  field: ItemOrderField;
  direction: 'asc' | 'desc';
}

/** The list order every backend supports: newest first. */
export const NEWEST_FIRST: ItemOrder = { field: 'receivedAt', direction: 'desc' };

export function isNewestFirst(order: ItemOrder | undefined): boolean {
  return order === undefined || (order.field === 'receivedAt' && order.direction === 'desc');
}

export interface PageRequest {
  /** 1..1000. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`; valid only with the same filter and order. */
  cursor?: string | undefined;
  /**
   * Default newest first. Other orders are optional for a backend: one that cannot serve them rejects
   * with `validation_error` rather than answering another order.
   */
  order?: ItemOrder | undefined;
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

/** One conditional write of a batch; see ItemStore.transitionMany. */
export interface TransitionRequest {
  id: string;
  expected: TransitionExpectation;
  change: ItemChange;
}

export type TransitionResult =
  | { ok: true; item: QuarantineItem }
  /** The condition failed; `current` is the item as it is now, or null if it does not exist. */
  | { ok: false; current: QuarantineItem | null };

/**
 * Items and message metadata. Every backend passes test/contract/item-store.contract.ts unchanged.
 *
 * Methods reject with a `LazaretError`:
 * - `store_throttled` when the backend signals overload or throttling (DynamoDB
 *   ProvisionedThroughputExceeded / ThrottlingException / RequestLimitExceeded, S3 SlowDown or 503,
 *   SQLite SQLITE_BUSY after the busy timeout). The call may be retried after a back-off; the bulk
 *   engine shrinks its window on it. Write methods that reject this way may have applied part of a
 *   batch (see transitionMany).
 * - `store_error` for any other backend failure;
 * - `bad_cursor` for a cursor the store did not issue.
 */
export interface ItemStore {
  /**
   * Stores one message and all its items atomically: once the promise resolves they are durable and
   * visible together; if it rejects, or the process dies before it resolves, none of them is ever visible.
   * `inlineRaw`: the message's raw bytes, from a blob store that leaves them to this commit
   * (BlobStore.holdForCommit); stored under the message's blobKey, atomically with it. A store that
   * keeps no raw bytes rejects it.
   */
  putMessage(message: MessageRecord, items: readonly QuarantineItem[], inlineRaw?: Uint8Array): Promise<void>;

  getMessage(id: string): Promise<MessageRecord | null>;

  getItem(id: string): Promise<QuarantineItem | null>;

  /** Looks up many items in as few round trips as the backend allows; unknown ids are absent from the map. */
  getItems(ids: readonly string[]): Promise<Map<string, QuarantineItem>>;

  /** Newest first (receivedAt, then id, both descending); cursors are stable when new items arrive. */
  listItems(filter: ItemFilter, page: PageRequest): Promise<Page<QuarantineItem>>;

  /**
   * How many items match `filter` (as listItems would list them), counting at most `limit`: an answer
   * equal to `limit` means "that many or more". For "select all N matching" before a bulk action.
   */
  countItems(filter: ItemFilter, limit: number): Promise<number>;

  /**
   * Conditional write: applies `change` only if the item matches `expected` (and the state machine allows
   * the move), incrementing its version. Of two concurrent transitions with the same expectation,
   * exactly one succeeds.
   */
  transition(id: string, expected: TransitionExpectation, change: ItemChange): Promise<TransitionResult>;

  /**
   * Many conditional writes in as few round trips as the backend allows. Each request is applied
   * exactly as `transition` would apply it, independently of the others: the batch is NOT atomic, and
   * one request failing its condition does not affect the rest. Results come in request order. Ids
   * should be distinct; if one repeats, its requests are applied in order. If the call rejects (for
   * example `store_throttled`), any subset of the requests may have been applied: a caller that retries
   * must recognise its own earlier write in the `current` of a failed condition (status and lease as it
   * wrote them, version one above what it expected).
   */
  transitionMany(requests: readonly TransitionRequest[]): Promise<TransitionResult[]>;

  /**
   * Items in `releasing` whose lease ended at or before `until`, oldest lease first, at most `limit`:
   * attempts whose process died, for the sweeper to mark interrupted.
   */
  listExpiredLeases(until: Timestamp, limit: number): Promise<QuarantineItem[]>;

  /** Number of items of a message whose status still needs the raw message (see LIVE_STATUSES). */
  countLiveItems(messageId: string): Promise<number>;

  // --- Retention purge and import (issue 8) ---

  /**
   * Items that may expire now: expiresAt at or before `now` and status quarantined or released
   * (an item being released is left alone), in (expiresAt, id) order after `after` when given, at
   * most `limit`. Read-only: the purge expires each with `transition`, so a concurrent release or
   * delete wins cleanly, and pages on with `after` past items it could not expire.
   */
  listExpired(
    now: Timestamp,
    limit: number,
    after?: { expiresAt: Timestamp; id: string },
  ): Promise<QuarantineItem[]>;

  /**
   * Of `recipients` (lower-cased), those that already have an item, in any status, of a message
   * whose raw bytes have this SHA-256: what a resumed import skips.
   */
  findImportedRecipients(sha256: string, recipients: readonly string[]): Promise<Set<string>>;

  /**
   * Messages that no live item needs (see LIVE_STATUSES) and whose blob has not been marked removed,
   * in id order after `afterId` (null: from the start), at most `limit`. The purge removes their
   * blobs and then calls `markBlobsRemoved`, so an interrupted purge finds them again.
   */
  listUnreferencedMessages(afterId: string | null, limit: number): Promise<{ id: string; blobKey: string }[]>;

  /**
   * Of the given messages, those that no item in a live status (LIVE_STATUSES) needs any more and
   * whose blob is not marked removed, with their blob keys; unknown ids are left out. Looks up many
   * messages in as few round trips as the backend allows: the bulk engine removes the raw messages
   * of a batch of deletes with one call of this, then `markBlobsRemoved`.
   */
  findUnreferencedMessages(messageIds: readonly string[]): Promise<{ id: string; blobKey: string }[]>;

  /**
   * Marks the blobs of these messages as removed; unknown ids are ignored. Idempotent. Answers how
   * many this call marked: of several nodes removing one message's blob, one counts it.
   */
  markBlobsRemoved(messageIds: readonly string[], at: Timestamp): Promise<number>;

  /** Whether the backend answers; used by /readyz. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/**
 * Conditional writes one at a time: what the release and delete steps need from a store. The bulk
 * engine's StoreBatcher implements it by coalescing them into transitionMany calls.
 */
export type TransitionPort = Pick<ItemStore, 'transition'>;
