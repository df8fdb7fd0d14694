import type { UserRecord } from '../../store/user-store.js';
import {
  accountFromDirectory,
  type DirectoryAccountDeps,
  directoryLinkOf,
  disableFromDirectory,
} from './directory-account.js';
import type { PasswordDirectory } from './ldap-directory.js';

/** What one sync did, for the CLI's line and serve's log. */
export interface DirectorySyncReport {
  /** Enabled accounts without a local password that were looked up. */
  checked: number;
  /** Accounts whose name, role, domains or addresses changed. */
  updated: number;
  /** Accounts disabled because the directory has disabled them (their sessions ended). */
  disabled: number;
  /** Accounts the directory has no (single) entry for: disabled with `disableMissing`, else left as they are. */
  notFound: string[];
}

const PAGE = 200;

/**
 * Brings every enabled account without a local password in line with the directory, as a sign-in
 * would: role, domains and addresses refreshed; an account the directory has disabled is disabled
 * here too, its sessions ended and its tokens stopped. Accounts the directory does not find (deleted
 * there, or whose email now belongs to another entry than the one the account is linked to) are
 * disabled alike only with `disableMissing` (auth.ldap.syncDisablesMissing); without it they are
 * reported, not changed: accounts from before directory links were kept say nothing of where they
 * came from, and people who sign in elsewhere must not be locked out.
 */
export async function syncDirectory(
  deps: DirectoryAccountDeps,
  directory: PasswordDirectory,
  options: { disableMissing: boolean },
): Promise<DirectorySyncReport> {
  const report: DirectorySyncReport = { checked: 0, updated: 0, disabled: 0, notFound: [] };
  const accounts: UserRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.users.listUsers({}, { limit: PAGE, cursor });
    accounts.push(...page.items.filter((user) => user.passwordHash === null && !user.disabled));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  for (const account of accounts) {
    report.checked++;
    const found = await directory.findPerson(account.email);
    // An account linked to another entry than the one that has its email now: its own entry is gone
    // (or lost the email), whoever has the email is someone else.
    const person =
      found && (!account.externalId?.startsWith('ldap:') || account.externalId === directoryLinkOf(found.dn))
        ? found
        : null;
    if (!person) {
      report.notFound.push(account.email);
      if (options.disableMissing) {
        await disableFromDirectory(deps, directory, account);
        report.disabled++;
      }
    } else if (person.disabled) {
      await disableFromDirectory(deps, directory, account);
      report.disabled++;
    } else if ((await accountFromDirectory(deps, directory, account.email, person, account)) !== account) {
      report.updated++;
    }
  }
  return report;
}
