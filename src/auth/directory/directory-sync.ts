import type { UserRecord } from '../../store/user-store.js';
import {
  accountFromDirectory,
  type DirectoryAccountDeps,
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
 * there) are disabled alike only with `disableMissing` (auth.ldap.syncDisablesMissing): nothing on a
 * user record says which directory or OpenID provider it came from, so without it they are reported,
 * not changed, lest people who sign in elsewhere be locked out.
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
    const person = await directory.findPerson(account.email);
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
