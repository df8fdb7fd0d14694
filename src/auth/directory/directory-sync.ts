import type { UserRecord } from '../../store/user-store.js';
import {
  accountFromDirectory,
  accountOfPerson,
  type DirectoryAccountDeps,
  disableFromDirectory,
  linkedDnOf,
} from './directory-account.js';
import type { DirectoryPerson, PasswordDirectory } from './ldap-directory.js';

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
 * The directory's person of an account: a linked account's entry (its person's email may have changed
 * there); for one from before links were kept, the entry of its email unless that entry is linked to
 * another account already (then this one is not that person's). Null: not in the directory.
 */
async function personOf(
  deps: DirectoryAccountDeps,
  directory: PasswordDirectory,
  account: UserRecord,
): Promise<DirectoryPerson | null> {
  const dn = linkedDnOf(account);
  if (dn !== null) return directory.findEntry(dn);
  const person = await directory.findPerson(account.email);
  if (!person) return null;
  const { account: owner } = await accountOfPerson(deps, person, account);
  return owner?.id === account.id ? person : null;
}

/**
 * The email a sync refreshes an account as, as if the person signed in with it: the account's own
 * while the entry still has it, else the entry's primary address (the person's email changed there,
 * and their old one may belong to someone else now).
 */
function signInEmailOf(account: UserRecord, person: DirectoryPerson): string {
  return person.addresses.includes(account.email) ? account.email : (person.addresses[0] ?? account.email);
}

/**
 * Brings every enabled account without a local password in line with the directory, as a sign-in
 * would: role, domains and addresses refreshed; an account the directory has disabled is disabled
 * here too, its sessions ended and its tokens stopped. Accounts the directory does not find (deleted
 * there; see personOf) are disabled alike only with `disableMissing`
 * (auth.ldap.syncDisablesMissing); without it they are reported, not changed: accounts from before
 * directory links were kept say nothing of where they came from, and people who sign in elsewhere
 * must not be locked out.
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
    const person = await personOf(deps, directory, account);
    if (!person) {
      report.notFound.push(account.email);
      if (options.disableMissing) {
        await disableFromDirectory(deps, directory, account);
        report.disabled++;
      }
    } else if (person.disabled) {
      await disableFromDirectory(deps, directory, account);
      report.disabled++;
    } else if (
      (await accountFromDirectory(deps, directory, signInEmailOf(account, person), person, account)) !==
      account
    ) {
      report.updated++;
    }
  }
  return report;
}
