import type { Timestamp } from '../core/types.js';
import type { Page, PageRequest } from './item-store.js';
import type { OwnerScope, OwnerScopeKind } from './owner-scope.js';

export const LIST_ACTIONS = ['allow', 'block'] as const;
/** `allow`: spam and bulk verdicts do not hold the sender's mail. `block`: the sender's mail is always held. */
export type ListAction = (typeof LIST_ACTIONS)[number];

/** One allow or block decision about a sender, for one user, one recipient domain, or everyone. */
export interface SenderListEntry {
  id: string;
  scope: OwnerScope;
  action: ListAction;
  /**
   * Lower-cased sender pattern: a full address (`news@shop.example`) matches that address only; a
   * domain (`shop.example`, no `@`) matches every address of that domain and of its subdomains.
   */
  sender: string;
  /** When the entry was added or last changed. */
  updatedAt: Timestamp;
  /** Audit label of who added or last changed it (an email, `token:…`, `system:cli`). */
  updatedBy: string;
}

export interface SenderListFilter {
  /** Only entries of exactly these scopes. Empty matches nothing. */
  scopes?: readonly OwnerScope[];
  /** Only entries whose scope is of these kinds. */
  kinds?: readonly OwnerScopeKind[];
  action?: ListAction;
  /** Exact sender pattern. */
  sender?: string;
}

/** What `putListEntry` did. */
export interface PutListEntryResult {
  /** The entry as stored now. */
  entry: SenderListEntry;
  /** The entry that had the same scope and sender before (its id is kept), or null when it is new. */
  previous: SenderListEntry | null;
}

/** What putting a sender its scope already lists answers: that entry with the new action and stamp. */
export function relisted(previous: SenderListEntry, entry: SenderListEntry): PutListEntryResult {
  return {
    entry: { ...previous, action: entry.action, updatedAt: entry.updatedAt, updatedBy: entry.updatedBy },
    previous,
  };
}

/**
 * Sender allow and block lists. Within one scope there is at most one entry per sender pattern: putting
 * a pattern again changes that entry (a sender once blocked and now allowed is simply allowed).
 * The policy scanner reads them on every message (`findListEntries`), so that lookup must be one
 * indexed read per call. Every backend passes test/contract/sender-list-store.contract.ts unchanged.
 * Methods reject with a `LazaretError` (`store_error` for backend failures, `bad_cursor`).
 */
export interface SenderListStore {
  /**
   * Adds the entry, or, when its scope already has an entry for the same sender, changes that entry's
   * action, updatedAt and updatedBy (keeping its id). Atomic: two concurrent puts of one scope and
   * sender leave exactly one entry.
   */
  putListEntry(entry: SenderListEntry): Promise<PutListEntryResult>;

  getListEntry(id: string): Promise<SenderListEntry | null>;

  /** Removes the entry and answers it; null when there was none (removing twice is harmless). */
  removeListEntry(id: string): Promise<SenderListEntry | null>;

  /** Entries matching every given filter, newest id first, cursor paged. */
  listListEntries(filter: SenderListFilter, page: PageRequest): Promise<Page<SenderListEntry>>;

  /**
   * Every entry in one of `scopes` whose sender pattern is exactly one of `patterns`, in no
   * particular order. The caller expands a sender into its patterns (the address, its domain and the
   * parent domains); the store only matches exact strings. Empty `scopes` or `patterns` match nothing.
   */
  findListEntries(scopes: readonly OwnerScope[], patterns: readonly string[]): Promise<SenderListEntry[]>;
}
