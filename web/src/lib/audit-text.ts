import type { AuditEntry } from '../api/types';
import { i18n } from '../i18n';

/** The actions the audit log filter offers, with what they mean. */
const ACTIONS = [
  'job.release',
  'job.delete',
  'items.bulk_release',
  'items.bulk_delete',
  'item.release',
  'item.delete',
  'item.release_request',
  'item.release_approve',
  'item.release_deny',
  'item.report_spam',
  'auth.login',
  'auth.logout',
  'user.create',
  'user.update',
  'user.password',
  'user.disable',
  'user.enable',
  'auth.totp_remove',
  'token.create',
  'token.revoke',
  'digest.settings',
  'list.put',
  'list.remove',
];

/** The actions the audit log filter offers, with what they mean (in the UI's language). */
export const auditActions = (): { value: string; label: string }[] =>
  ACTIONS.map((value) => ({ value, label: i18n.t(`auditText.actions.${value.replace('.', '_')}`) }));

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
    const summary = i18n.t(
      action === 'release' || action === 'delete' ? `auditText.bulk.${action}` : 'auditText.bulk.other',
      {
        action,
        total,
        ok,
        failed,
      },
    );
    return state ? `${summary} · ${String(entry.params.state)}` : summary;
  }
  const person = targetPerson(entry);
  const who = person ?? i18n.t('auditText.aUser');
  const name = String(entry.params.name ?? '');
  const items = entry.target.itemIds?.length ?? 0;
  switch (entry.action) {
    case 'item.release':
      return i18n.t('auditText.released', { count: items });
    case 'item.delete':
      return i18n.t('auditText.deleted', { count: items });
    case 'item.release_request':
      return i18n.t('auditText.askedRelease');
    case 'item.release_approve':
      return i18n.t('auditText.approvedRelease');
    case 'item.release_deny':
      return i18n.t('auditText.deniedRelease');
    case 'item.report_spam':
      return i18n.t('auditText.reportedSpam');
    case 'auth.login':
      return i18n.t(entry.outcome === 'ok' ? 'auditText.signedIn' : 'auditText.signInFailed');
    case 'auth.logout':
      return i18n.t('auditText.signedOut');
    case 'user.create':
      return i18n.t('auditText.createdUser', { person: person ?? '' }).trim();
    case 'user.update':
      if (entry.params.link === 'linked' || entry.params.link === 'unlinked') {
        return i18n.t(`auditText.${entry.params.link}Identity`, {
          person: who,
          provider:
            entry.params.method === 'ldap'
              ? i18n.t('userPage.theDirectory')
              : String(entry.params.provider ?? ''),
        });
      }
      return i18n.t('auditText.changedUser', { person: person ?? '' }).trim();
    case 'user.password':
      return i18n.t('auditText.setPassword', { person: who });
    case 'user.disable':
      return i18n.t('auditText.disabled', { person: who });
    case 'user.enable':
      return i18n.t('auditText.enabled', { person: who });
    case 'auth.totp_remove':
      return i18n.t('auditText.removedTotp', { person: who });
    case 'token.create':
      return i18n.t('auditText.createdToken', { name, person: who });
    case 'token.revoke':
      return i18n.t('auditText.revokedToken', { name, person: who });
    case 'digest.settings':
      return person ? i18n.t('auditText.changedDigestOf', { person }) : i18n.t('auditText.changedDigest');
    default:
      return auditActions().find((action) => action.value === entry.action)?.label ?? entry.action;
  }
}
