import type { Timestamp } from '../core/types.js';
import type { Page, PageRequest } from './item-store.js';

export interface AuditActor {
  kind: 'user' | 'token' | 'system' | 'anonymous';
  id: string;
  label: string;
}

/** One append-only record of something someone did. */
export interface AuditEntry {
  id: string;
  at: Timestamp;
  actor: AuditActor;
  /** Dotted verb, e.g. `item.release`, `items.bulk_release`, `job.create`, `auth.login`, `user.create`. */
  action: string;
  /** What it was done to: item ids (capped), a job id, a user id. */
  target: { itemIds?: string[]; jobId?: string; userId?: string; tokenId?: string };
  /** Tenants (recipient domains) the action touched, so domain admins can see their part. */
  tenants: string[];
  params: Record<string, unknown>;
  outcome: 'ok' | 'failed' | 'partial' | 'denied';
  /** Per-outcome counts for bulk actions. */
  counts?: Record<string, number>;
  ip?: string;
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  /** Entries by any of these actors: one person acting through their session and their tokens. Empty: none. */
  actorIdIn?: readonly string[];
  itemId?: string;
  jobId?: string;
  /** Entries touching at least one of these tenants (domain admins' view). */
  tenantIn?: readonly string[];
  after?: Timestamp;
  before?: Timestamp;
}

/** The append-only audit log. No method changes or removes an entry. */
export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first, cursor paged. */
  listAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}
