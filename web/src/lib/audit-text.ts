import type { AuditEntry } from '../api/types';
import { formatCount, plural } from './format';

/** The actions the audit log filter offers, with what they mean. */
export const AUDIT_ACTIONS: { value: string; label: string }[] = [
  { value: 'job.release', label: 'Release job' },
  { value: 'job.delete', label: 'Delete job' },
  { value: 'items.bulk_release', label: 'Release of many' },
  { value: 'items.bulk_delete', label: 'Delete of many' },
  { value: 'item.release', label: 'Release' },
  { value: 'item.delete', label: 'Delete' },
  { value: 'item.release_request', label: 'Release request' },
  { value: 'item.release_approve', label: 'Release approved' },
  { value: 'item.release_deny', label: 'Release denied' },
  { value: 'item.report_spam', label: 'Reported as spam' },
  { value: 'auth.login', label: 'Sign-in' },
  { value: 'auth.logout', label: 'Sign-out' },
  { value: 'user.create', label: 'User created' },
  { value: 'user.update', label: 'User changed' },
  { value: 'user.password', label: 'Password set' },
  { value: 'user.disable', label: 'User disabled' },
  { value: 'user.enable', label: 'User enabled' },
  { value: 'auth.totp_remove', label: 'Second factor removed' },
  { value: 'token.create', label: 'Token created' },
  { value: 'token.revoke', label: 'Token revoked' },
  { value: 'digest.settings', label: 'Digest schedule' },
  { value: 'list.put', label: 'Sender listed' },
  { value: 'list.remove', label: 'Sender unlisted' },
];

const VERB: Record<string, string> = {
  release: 'Released',
  delete: 'Deleted',
};

/** The person an entry was about, by email: the API's lookup, else what the entry itself recorded. */
export function targetPerson(entry: AuditEntry): string | null {
  if (entry.target.userEmail) return entry.target.userEmail;
  for (const key of ['email', 'user']) {
    const value = entry.params[key];
    if (typeof value === 'string' && value.includes('@')) return value;
  }
  return null;
}

/**
 * An entry in words: "Released 599 items (596 ok, 3 failed)" for a job or bulk action, "Released
 * 1 item" for one, "Created user bob@example.test" for user changes; the action name otherwise.
 */
export function describeAuditEntry(entry: AuditEntry): string {
  const [kind, verb] = entry.action.split('.') as [string, string | undefined];
  const bulk = kind === 'job' || (kind === 'items' && verb?.startsWith('bulk_'));
  if (bulk) {
    const action = kind === 'job' ? verb! : verb!.slice('bulk_'.length);
    const counts = entry.counts ?? {};
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const ok = counts.ok ?? 0;
    const failed = total - ok;
    const state = typeof entry.params.state === 'string' && entry.params.state !== 'completed';
    return `${VERB[action] ?? action} ${plural(total, 'item')} (${formatCount(ok)} ok${failed ? `, ${formatCount(failed)} failed` : ''})${state ? ` · ${String(entry.params.state)}` : ''}`;
  }
  const person = targetPerson(entry);
  const items = entry.target.itemIds?.length ?? 0;
  switch (entry.action) {
    case 'item.release':
      return `Released ${plural(items, 'item')}`;
    case 'item.delete':
      return `Deleted ${plural(items, 'item')}`;
    case 'item.release_request':
      return 'Asked for a release';
    case 'item.release_approve':
      return 'Approved a release';
    case 'item.release_deny':
      return 'Denied a release';
    case 'item.report_spam':
      return 'Reported as spam';
    case 'auth.login':
      return entry.outcome === 'ok' ? 'Signed in' : 'Sign-in failed';
    case 'auth.logout':
      return 'Signed out';
    case 'user.create':
      return `Created user ${person ?? ''}`.trim();
    case 'user.update':
      return `Changed user ${person ?? ''}`.trim();
    case 'user.password':
      return `Set the password of ${person ?? 'a user'}`;
    case 'user.disable':
      return `Disabled ${person ?? 'a user'}`;
    case 'user.enable':
      return `Enabled ${person ?? 'a user'}`;
    case 'auth.totp_remove':
      return `Removed the second factor of ${person ?? 'a user'}`;
    case 'token.create':
      return `Created token “${String(entry.params.name ?? '')}” for ${person ?? 'a user'}`;
    case 'token.revoke':
      return `Revoked token “${String(entry.params.name ?? '')}” of ${person ?? 'a user'}`;
    case 'digest.settings':
      return person ? `Changed the digest schedule of ${person}` : 'Changed a digest schedule';
    default:
      return AUDIT_ACTIONS.find((action) => action.value === entry.action)?.label ?? entry.action;
  }
}
