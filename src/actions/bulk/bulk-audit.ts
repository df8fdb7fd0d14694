import { type AuditDeps, audit } from '../../auth/audit.js';
import type { Actor } from '../../core/actor.js';
import type { OutcomeCounters } from '../../core/outcomes.js';
import type { AuditEntry } from '../../store/audit-store.js';

/**
 * The one audit entry of a bulk action or job: who, what, how many of each outcome (not one entry
 * per item). The item ids are capped by the audit helper; the job's item list has them all.
 */
export function auditBulk(
  deps: AuditDeps,
  input: {
    actor: Actor;
    action: string;
    itemIds: readonly string[];
    jobId?: string;
    tenants: Iterable<string>;
    params: Record<string, unknown>;
    counters: OutcomeCounters;
    ip?: string;
  },
): Promise<AuditEntry> {
  const counts = Object.fromEntries(Object.entries(input.counters).filter(([, count]) => count > 0));
  const total = Object.values(input.counters).reduce((sum, count) => sum + count, 0);
  const ok = input.counters.ok;
  return audit(
    deps,
    { actor: input.actor, ...(input.ip ? { ip: input.ip } : {}) },
    {
      action: input.action,
      target: {
        ...(input.itemIds.length > 0 ? { itemIds: [...input.itemIds] } : {}),
        ...(input.jobId ? { jobId: input.jobId } : {}),
      },
      tenants: [...new Set(input.tenants)].sort(),
      params: input.params,
      outcome: ok === total ? 'ok' : ok === 0 ? 'failed' : 'partial',
      counts,
    },
  );
}
