import type { Timestamp } from '../core/types.js';
import type { Page, PageRequest } from './item-store.js';
import type { OwnerScope, OwnerScopeKind } from './owner-scope.js';

export const DIGEST_FREQUENCIES = ['never', 'hourly', 'daily', 'weekly'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];

/**
 * A digest schedule as set by someone. Every field is optional: an absent field is inherited, field
 * by field, from the domain default, then the global default, then the `digest.*` configuration.
 */
export interface DigestSchedule {
  frequency?: DigestFrequency;
  /** Local hour 0–23 of daily and weekly digests. */
  hour?: number;
  /** Day of weekly digests: 0 Sunday, 1 Monday, … 6 Saturday. */
  weekday?: number;
  /** IANA time zone the hour and day are read in, e.g. `Europe/Berlin`. */
  timeZone?: string;
  /**
   * Only in a user's own settings, for administrators and domain administrators: the domains whose
   * held mail their digest copies (a domain administrator's default: all their domains).
   */
  domains?: string[];
}

/** The schedule one scope has set: a user's own, a domain's default, or the global default. */
export interface DigestSettings {
  scope: OwnerScope;
  schedule: DigestSchedule;
  updatedAt: Timestamp;
  /** Audit label of who set it. */
  updatedBy: string;
}

/** A node's hold on one user's digest of one period. */
export interface DigestClaim {
  /** The period being sent (see src/digest/schedule.ts for the key format). */
  period: string;
  /** Node name of the holder. */
  owner: string;
  /** When the hold lapses and another node may take the period over. */
  until: Timestamp;
  /**
   * `claimed`: the digest is being built and nothing has been sent, so a lapsed claim is simply
   * retried. `sending`: it was handed to the relay and may have been delivered, so a lapsed claim is
   * recorded as sent (marked interrupted) and never sent again.
   */
  phase: 'claimed' | 'sending';
  /** Items received before this time belong to this digest. */
  snapshot: Timestamp;
}

/** The durable per-user record that makes each period's digest go out once, across nodes and restarts. */
export interface DigestState {
  userId: string;
  /** Key of the last period whose digest was sent (or may have been: an interrupted send). */
  lastPeriod: string | null;
  lastSentAt: Timestamp | null;
  /** Items received at or after this time have not been listed in a digest yet. Null: none was ever sent. */
  watermark: Timestamp | null;
  claim: DigestClaim | null;
  /** After a failed send, the user is not tried again before this time. */
  retryAt: Timestamp | null;
  lastError: { code: string; detail: string; at: Timestamp } | null;
  /** Incremented by every write; writes are conditional on it. */
  version: number;
}

export interface DigestSettingsFilter {
  /** Only settings of these scope kinds. */
  kinds?: readonly OwnerScopeKind[];
}

/**
 * Digest schedules (per user, per domain, global) and the per-user send state. Every backend passes
 * test/contract/digest-store.contract.ts unchanged. Methods reject with a `LazaretError`
 * (`store_error` for backend failures, `bad_cursor`).
 */
export interface DigestStore {
  /** The settings stored for any of `scopes` (scopes without settings are absent), in no particular order. */
  getDigestSettings(scopes: readonly OwnerScope[]): Promise<DigestSettings[]>;

  /** Stores the settings of `settings.scope`, replacing what that scope had (last write wins). */
  putDigestSettings(settings: DigestSettings): Promise<void>;

  /** Removes a scope's settings so that it inherits again; answers whether there were any. */
  removeDigestSettings(scope: OwnerScope): Promise<boolean>;

  /** Settings ordered by scope key (`domain:…`, `global`, `user:…`), cursor paged. */
  listDigestSettings(filter: DigestSettingsFilter, page: PageRequest): Promise<Page<DigestSettings>>;

  /** The states of these users in as few round trips as the backend allows; users never sent to are absent. */
  getDigestStates(userIds: readonly string[]): Promise<Map<string, DigestState>>;

  /**
   * Conditional write of one user's state: succeeds only if the stored state's version equals
   * `expectedVersion` (null: only if the user has no state yet). The stored version becomes
   * `(expectedVersion ?? 0) + 1`, whatever `state.version` says. Answers the state as stored, or null
   * when the condition failed. Of two concurrent writes with the same expectation exactly one succeeds.
   */
  writeDigestState(state: DigestState, expectedVersion: number | null): Promise<DigestState | null>;
}
