import { administersAll, canManageDomain, isAdministrator } from '../auth/access-policy.js';
import { type AuditOrigin, audit } from '../auth/audit.js';
import { isTimeZone } from '../config/load-config.js';
import type { Actor } from '../core/actor.js';
import { canonicalDomain } from '../core/address.js';
import { LazaretError } from '../core/errors.js';
import type { AuditStore } from '../store/audit-store.js';
import type { DigestSchedule, DigestSettings, DigestStore } from '../store/digest-store.js';
import type { OwnerScope } from '../store/owner-scope.js';
import { tenantsOfUser, type UserRecord } from '../store/user-store.js';

export interface DigestSettingsDeps {
  digests: DigestStore;
  audit: AuditStore;
  now: () => Date;
}

function invalid(message: string): LazaretError {
  return new LazaretError('validation_error', message);
}

/** Checks a schedule's values beyond their types; `domains` only for administrators' own settings. */
export function checkSchedule(
  schedule: DigestSchedule,
  owner: Pick<UserRecord, 'role' | 'domains'> | null,
): DigestSchedule {
  if (schedule.timeZone !== undefined && !isTimeZone(schedule.timeZone)) {
    throw invalid(
      `Unknown time zone ${JSON.stringify(schedule.timeZone)}: use an IANA name such as Europe/Berlin.`,
    );
  }
  if (
    schedule.hour !== undefined &&
    (!Number.isInteger(schedule.hour) || schedule.hour < 0 || schedule.hour > 23)
  ) {
    throw invalid('hour must be a whole number from 0 to 23.');
  }
  if (
    schedule.weekday !== undefined &&
    (!Number.isInteger(schedule.weekday) || schedule.weekday < 0 || schedule.weekday > 6)
  ) {
    throw invalid('weekday must be 0 (Sunday) to 6 (Saturday).');
  }
  if (schedule.domains !== undefined) {
    if (!owner || !isAdministrator(owner)) {
      throw invalid('Only administrators and domain administrators choose domains to receive copies for.');
    }
    const domains = [...new Set(schedule.domains.map((domain) => canonicalDomain(domain.trim())))];
    const foreign = domains.filter((domain) => !canManageDomain(owner, domain));
    if (foreign.length > 0) throw invalid(`You do not manage ${foreign.join(', ')}.`);
    return { ...schedule, domains };
  }
  return schedule;
}

/** The scope of a default that `actor` may change: global for admins, a domain for its admins. */
export function defaultScope(actor: Actor, domain: string | null): OwnerScope {
  if (domain === null) {
    if (!administersAll(actor))
      throw new LazaretError('forbidden', 'Only administrators set the global default.');
    return { kind: 'global' };
  }
  const name = canonicalDomain(domain.trim());
  if (!canManageDomain(actor, name)) {
    throw new LazaretError('forbidden', `You may not set the default of ${name}.`, { domain: name });
  }
  return { kind: 'domain', domain: name };
}

/**
 * Stores the schedule of `scope` (a user's own, a domain default, the global default), or with a
 * null schedule removes it so the scope inherits again; audited as `digest.settings`.
 */
export async function saveSchedule(
  deps: DigestSettingsDeps,
  origin: AuditOrigin & { actor: Actor },
  scope: OwnerScope,
  schedule: DigestSchedule | null,
  owner: UserRecord | null,
): Promise<DigestSettings | null> {
  const at = deps.now().toISOString();
  let saved: DigestSettings | null = null;
  if (schedule === null) {
    await deps.digests.removeDigestSettings(scope);
  } else {
    saved = { scope, schedule: checkSchedule(schedule, owner), updatedAt: at, updatedBy: origin.actor.label };
    await deps.digests.putDigestSettings(saved);
  }
  await audit(deps, origin, {
    action: 'digest.settings',
    ...(scope.kind === 'user' ? { target: { userId: scope.userId } } : {}),
    tenants: scope.kind === 'domain' ? [scope.domain] : owner ? tenantsOfUser(owner) : [],
    params: {
      scope: scope.kind,
      ...(scope.kind === 'domain' ? { domain: scope.domain } : {}),
      schedule: saved?.schedule ?? null,
    },
  });
  return saved;
}
