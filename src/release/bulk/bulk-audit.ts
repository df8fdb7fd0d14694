import type { Actor } from '../../auth/actor.js';
import { newId } from '../../core/ids.js';
import type { OutcomeCounters } from '../../core/outcomes.js';
import type { AuditEntry } from '../../store/audit-store.js';

/** Item ids kept in one audit entry; the job's item list (or the response) has them all. */
export const AUDIT_ITEM_IDS = 1000;

/** The one audit entry of a bulk action or job: who, what, how many of each outcome. */
export function bulkAuditEntry(input: {
  actor: Actor;
  action: string;
  at: string;
  itemIds: readonly string[];
  jobId?: string;
  tenants: Iterable<string>;
  params: Record<string, unknown>;
  counters: OutcomeCounters;
  ip?: string;
}): AuditEntry {
  const counts = Object.fromEntries(Object.entries(input.counters).filter(([, count]) => count > 0));
  const total = Object.values(input.counters).reduce((sum, count) => sum + count, 0);
  const ok = input.counters.ok;
  return {
    id: newId(),
    at: input.at,
    actor: { kind: input.actor.kind, id: input.actor.id, label: input.actor.label },
    action: input.action,
    target: {
      ...(input.itemIds.length > 0 ? { itemIds: input.itemIds.slice(0, AUDIT_ITEM_IDS) } : {}),
      ...(input.jobId ? { jobId: input.jobId } : {}),
    },
    tenants: [...new Set(input.tenants)].sort(),
    params: input.params,
    outcome: ok === total ? 'ok' : ok === 0 ? 'failed' : 'partial',
    counts,
    ...(input.ip ? { ip: input.ip } : {}),
  };
}
