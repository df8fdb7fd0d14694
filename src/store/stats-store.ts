import type { Reason } from '../core/types.js';
import type { ItemFilter } from './item-store.js';

/** Whose items the numbers cover: the access scope of the asking actor (see scopeFilter). */
export type StatsScope = Pick<ItemFilter, 'recipientIn' | 'tenantIn'>;

export interface StatsRequest {
  /** First and last day of the window, `YYYY-MM-DD` in UTC, both inclusive. */
  fromDay: string;
  toDay: string;
  /** How many top senders and recipients to return. */
  top: number;
}

export interface DayCounts {
  day: string;
  /** Items received that day, per reason. */
  held: Partial<Record<Reason, number>>;
  /** Items released, deleted or expired that day (the day of the change). */
  released: number;
  deleted: number;
  expired: number;
}

export interface PartyCount {
  address: string;
  count: number;
}

export interface QuarantineStats {
  /** Only days with any activity; the caller fills the gaps. */
  days: DayCounts[];
  /** Items in each status now. */
  statuses: Partial<Record<string, number>>;
  /** Senders and recipients with the most items waiting now (quarantined or being released). */
  topSenders: PartyCount[];
  topRecipients: PartyCount[];
  /** True when the backend stopped counting before the end (see ListingStatsStore); the numbers are then a lower bound. */
  partial?: boolean;
}

/**
 * Numbers for the dashboard. Backends keep them as counters updated with the item writes, so that
 * reading them does not grow with the number of items stored.
 */
export interface StatsStore {
  /** Counts for `scope` over the window; a scope with empty lists sees nothing. */
  stats(scope: StatsScope, request: StatsRequest): Promise<QuarantineStats>;
}
