import type { Command } from 'commander';
import { syncDirectory } from '../auth/directory/directory-sync.js';
import { directoryFromConfig } from '../auth/directory/ldap-directory.js';
import { LazaretError } from '../core/errors.js';
import { openStores } from '../store/open-stores.js';
import { loadCliConfig } from './load-cli-config.js';

export function registerDirectoryCommand(program: Command): void {
  const directory = program
    .command('directory')
    .description('The LDAP / Active Directory of auth.ldap (docs/authentication.md).');
  directory
    .command('sync')
    .description(
      'Bring accounts without a local password in line with the directory: roles and addresses refreshed, accounts disabled there disabled here (sessions end, tokens stop).',
    )
    .option(
      '-c, --config <file>',
      'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present)',
    )
    .action(async (options: { config?: string }) => {
      const config = loadCliConfig(options.config);
      const ldap = directoryFromConfig(config.auth.ldap);
      if (!ldap)
        throw new LazaretError(
          'config_invalid',
          'auth.ldap.url is not set: there is no directory to sync with.',
        );
      const stores = await openStores(config);
      try {
        const report = await syncDirectory(
          { users: stores.users, audit: stores.audit, now: () => new Date() },
          ldap,
          {
            disableMissing: config.auth.ldap.syncDisablesMissing,
          },
        );
        for (const email of report.notFound) {
          process.stdout.write(
            `${config.auth.ldap.syncDisablesMissing ? 'disabled' : 'not in the directory, left as is'}: ${email}\n`,
          );
        }
        process.stdout.write(
          `Checked ${report.checked} account(s): ${report.updated} updated, ${report.disabled} disabled, ${report.notFound.length} not found.\n`,
        );
      } finally {
        await stores.close();
      }
    });
}
