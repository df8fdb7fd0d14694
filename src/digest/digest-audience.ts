import { administersAll, canManageDomain, isAdministrator } from '../auth/access-policy.js';
import type { Config } from '../config/load-config.js';
import type { DigestSchedule, DigestSettings, DigestStore } from '../store/digest-store.js';
import type { ItemFilter } from '../store/item-store.js';
import { type OwnerScope, scopeKey } from '../store/owner-scope.js';
import type { UserRecord } from '../store/user-store.js';
import { type EffectiveSchedule, effectiveSchedule } from './schedule.js';

/** Who a digest goes to, when, and which held items it lists. */
export interface DigestAudience {
  user: UserRecord;
  schedule: EffectiveSchedule;
  /** Narrows the item list to what the digest covers: the user's addresses, or an admin's domains. */
  filter: Pick<ItemFilter, 'recipientIn' | 'tenantIn'>;
  /** For administrators' copies: the domains covered (shown in the digest); null for a user's own. */
  copyOf: string[] | null;
}

/** The domain whose default a user inherits: that of their primary address. */
export function homeDomain(user: Pick<UserRecord, 'email' | 'addresses'>): string {
  const address = user.addresses[0] ?? user.email;
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** The scopes whose settings decide a user's schedule, most specific first. */
export function scheduleScopes(user: UserRecord): OwnerScope[] {
  return [
    { kind: 'user', userId: user.id },
    { kind: 'domain', domain: homeDomain(user) },
    { kind: 'global' },
  ];
}

/**
 * The digest a user gets from their settings layers (own, domain default, global default), or null
 * when they get none. Users inherit every field. Administrators and domain administrators inherit the
 * hour, day and time zone but receive copies only when they chose a frequency themselves; their copy
 * lists the held mail of their chosen domains (a domain admin's default: all of theirs).
 */
export function audienceOf(
  user: UserRecord,
  settings: ReadonlyMap<string, DigestSettings>,
  config: Pick<Config, 'digest'>,
): DigestAudience | null {
  if (user.disabled) return null;
  const [own, domain, global] = scheduleScopes(user).map((scope) => settings.get(scopeKey(scope))?.schedule);
  const layers: (DigestSchedule | undefined)[] = [own, domain, global];
  if (!isAdministrator(user)) {
    const schedule = effectiveSchedule(layers, config.digest);
    if (schedule.frequency === 'never' || user.addresses.length === 0) return null;
    return { user, schedule, filter: { recipientIn: user.addresses }, copyOf: null };
  }
  if (own?.frequency === undefined || own.frequency === 'never') return null;
  const schedule = effectiveSchedule(layers, config.digest);
  const chosen = own.domains ?? (administersAll(user) ? [] : user.domains);
  const domains = chosen.filter((each) => canManageDomain(user, each));
  if (domains.length === 0) return null;
  return { user, schedule, filter: { tenantIn: domains }, copyOf: domains };
}

/** Reads the settings layers of one user and answers their digest audience (null: none). */
export async function loadAudience(
  digests: DigestStore,
  user: UserRecord,
  config: Pick<Config, 'digest'>,
): Promise<DigestAudience | null> {
  const found = await digests.getDigestSettings(scheduleScopes(user));
  return audienceOf(user, new Map(found.map((each) => [scopeKey(each.scope), each])), config);
}

/** The time zone a user reads times in: their schedule's, inherited like every other field. */
export async function userTimeZone(
  digests: DigestStore,
  user: UserRecord,
  config: Pick<Config, 'digest'>,
): Promise<string> {
  const found = await digests.getDigestSettings(scheduleScopes(user));
  const byScope = new Map(found.map((each) => [scopeKey(each.scope), each.schedule]));
  return effectiveSchedule(
    scheduleScopes(user).map((scope) => byScope.get(scopeKey(scope))),
    config.digest,
  ).timeZone;
}
