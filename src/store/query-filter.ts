import type { SearchQuery } from '../core/search-query.js';
import type { ItemStatus } from '../core/types.js';
import type { ItemFilter } from './item-store.js';

/**
 * The store filter for a parsed search query. Positive `status:` terms choose the statuses to list
 * (so `status:deleted` finds tombstones, which are otherwise left out); every other term is passed on.
 */
export function filterFromQuery(query: SearchQuery): ItemFilter {
  let statuses: ItemStatus[] | undefined;
  const terms = query.terms.filter((term) => {
    if (term.kind !== 'status' || term.negated) return true;
    statuses = statuses ? statuses.filter((status) => term.values.includes(status)) : [...term.values];
    return false;
  });
  return { ...(statuses ? { statuses } : {}), ...(terms.length > 0 ? { terms } : {}) };
}
