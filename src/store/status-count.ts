import { type ItemStatus, LIVE_STATUSES } from '../core/types.js';
import type { ItemFilter } from './item-store.js';

/** A filter that narrows by status and tenant only, as the counters of items per tenant and status key them. */
export interface StatusCount {
  statuses: readonly ItemStatus[];
  /** Absent: every tenant. Empty: none. */
  tenants?: readonly string[];
}

/** The filter fields a count from the per-tenant, per-status counters can answer. */
const COUNTER_FIELDS: ReadonlySet<string> = new Set<keyof ItemFilter>(['statuses', 'tenantIn']);

/**
 * The statuses and tenants of a filter that narrows by nothing else (what a list with no search
 * shows, for an administrator or a domain administrator), so that its count can be read from the
 * counters instead of walking the items; undefined for any other filter, which the store counts by
 * scanning. Every other field given (terms too, unless empty) takes the scan, so a field added to
 * ItemFilter later is counted correctly before anyone thinks of this function. A `limit` that is not
 * a whole number from 0 also takes the scan, which answers it as it always has.
 */
export function statusCountOf(filter: ItemFilter, limit: number): StatusCount | undefined {
  if (!Number.isInteger(limit) || limit < 0) return undefined;
  for (const [field, value] of Object.entries(filter)) {
    if (value === undefined || COUNTER_FIELDS.has(field)) continue;
    if (field === 'terms' && Array.isArray(value) && value.length === 0) continue;
    return undefined;
  }
  const statuses = filter.statuses ?? LIVE_STATUSES;
  return filter.tenantIn === undefined ? { statuses } : { statuses, tenants: filter.tenantIn };
}
