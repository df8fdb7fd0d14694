import type { Actor } from '../core/actor.js';
import { newId } from '../core/ids.js';
import type { AuditActor, AuditEntry, AuditStore } from '../store/audit-store.js';

export interface AuditDeps {
  audit: AuditStore;
  now: () => Date;
}

/** Who acted and from where. A null actor is an anonymous caller (a failed sign-in): `label` says who they claimed to be. */
export interface AuditOrigin {
  actor: Actor | null;
  ip?: string | undefined;
  label?: string;
}

/** What happened; everything but `action` is optional. */
export interface AuditEvent {
  /** Dotted verb: `auth.login`, `item.release`, `item.release_request`, `user.create`, `token.revoke`, … */
  action: string;
  target?: AuditEntry['target'];
  /** Tenants (recipient domains) touched, so domain admins see their part of the log. */
  tenants?: readonly string[];
  params?: Record<string, unknown>;
  /** Defaults to `ok`. */
  outcome?: AuditEntry['outcome'];
  counts?: Record<string, number>;
}

/** Most item ids kept in one entry; a bulk action over more records the count in `params.itemIdsOmitted`. */
export const MAX_AUDIT_ITEM_IDS = 1000;

const SECRET_PARAMS = new Set(['password', 'newPassword', 'secret', 'token', 'csrfToken']);

function auditActor(origin: AuditOrigin): AuditActor {
  const actor = origin.actor;
  if (!actor) return { kind: 'anonymous', id: '', label: origin.label ?? 'anonymous' };
  return { kind: actor.kind, id: actor.id, label: actor.label };
}

/**
 * Appends one entry to the append-only audit log and answers it. The single way routes, use cases,
 * the CLI and jobs record what they did; secrets are dropped from `params` whatever the caller passes.
 */
export async function audit(deps: AuditDeps, origin: AuditOrigin, event: AuditEvent): Promise<AuditEntry> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.params ?? {})) {
    if (!SECRET_PARAMS.has(key)) params[key] = value;
  }
  const target = { ...(event.target ?? {}) };
  if (target.itemIds && target.itemIds.length > MAX_AUDIT_ITEM_IDS) {
    params.itemIdsOmitted = target.itemIds.length - MAX_AUDIT_ITEM_IDS;
    target.itemIds = target.itemIds.slice(0, MAX_AUDIT_ITEM_IDS);
  }
  const entry: AuditEntry = {
    id: newId(),
    at: deps.now().toISOString(),
    actor: auditActor(origin),
    action: event.action,
    target,
    tenants: [...new Set(event.tenants ?? [])],
    params,
    outcome: event.outcome ?? 'ok',
    ...(event.counts ? { counts: event.counts } : {}),
    ...(origin.ip ? { ip: origin.ip } : {}),
  };
  await deps.audit.append(entry);
  return entry;
}
