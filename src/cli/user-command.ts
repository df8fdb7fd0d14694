import type { Command } from 'commander';
import { accessBasisOf } from '../auth/access-policy.js';
import { removeTotp } from '../auth/totp.js';
import {
  createUser,
  findUser,
  setDisabled,
  setPassword,
  unlinkIdentity,
  updateUser,
} from '../auth/user-admin.js';
import { RELEASE_MODES, type ReleaseMode, ROLES, type Role, systemActor } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import type { UserRecord } from '../store/user-store.js';
import { addConfigOption, cliOrigin, collect, printTable, readFirstLine, withStores } from './cli-support.js';

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new LazaretError('validation_error', `Unknown role ${value}: use ${ROLES.join(', ')}.`);
  }
  return value as Role;
}

function releaseMode(value: string | undefined): ReleaseMode | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!(RELEASE_MODES as readonly string[]).includes(value)) {
    throw new LazaretError(
      'validation_error',
      `Unknown release mode ${value}: use release, request or default.`,
    );
  }
  return value as ReleaseMode;
}

function describe(user: UserRecord): string {
  const basis = accessBasisOf(user.role);
  const scope =
    basis === 'domains'
      ? ` for ${user.domains.join(', ')}`
      : basis === 'addresses'
        ? ` receiving ${user.addresses.join(', ')}`
        : '';
  return `${user.email} (${user.role}${scope})`;
}

function announcePassword(password: string | undefined): void {
  if (password === undefined) return;
  process.stderr.write('Generated password (shown only this once):\n');
  process.stdout.write(`${password}\n`);
}

interface UserOptions {
  config?: string;
  name?: string;
  role?: string;
  domain: string[];
  address: string[];
  passwordStdin?: boolean;
  releaseMode?: string;
  json?: boolean;
}

export function registerUserCommand(program: Command): void {
  const user = program
    .command('user')
    .description('Manage users: add, list, passwd, disable, enable, role, totp-reset, unlink.');

  addConfigOption(
    user
      .command('add <email>')
      .description('Create a user; prints a generated password once unless --password-stdin is given.')
      .option('--role <role>', `one of ${ROLES.join(', ')}`, 'user')
      .option('--name <name>', 'display name')
      .option('--domain <domain>', 'a domain a domain_admin manages (repeatable)', collect, [])
      .option(
        '--address <address>',
        "a user's address, primary first, then aliases (repeatable; default: the email)",
        collect,
        [],
      )
      .option('--release-mode <mode>', 'for users: release, request (only ask for release) or default')
      .option('--password-stdin', 'read the password from the first line of standard input'),
  ).action((email: string, options: UserOptions) =>
    withStores(options, async (stores) => {
      const password = options.passwordStdin ? await readFirstLine() : undefined;
      const { user: created, generatedPassword } = await createUser(stores, cliOrigin(), {
        email,
        displayName: options.name,
        role: role(options.role ?? 'user'),
        domains: options.domain,
        addresses: options.address,
        password,
        releaseMode: releaseMode(options.releaseMode),
      });
      process.stderr.write(`Created ${describe(created)}, id ${created.id}.\n`);
      announcePassword(generatedPassword);
    }),
  );

  addConfigOption(
    user
      .command('list')
      .description('List users by email.')
      .option('--role <role>', 'only this role')
      .option('--json', 'one JSON object per line'),
  ).action((options: UserOptions) =>
    withStores(options, async (stores) => {
      const rows = [['EMAIL', 'ROLE', 'SCOPE', 'STATE', 'ID']];
      let cursor: string | undefined;
      do {
        const page = await stores.users.listUsers(options.role ? { role: role(options.role) } : {}, {
          limit: 500,
          cursor,
        });
        for (const each of page.items) {
          if (options.json) {
            const { passwordHash: _hidden, ...shown } = each;
            process.stdout.write(`${JSON.stringify(shown)}\n`);
          } else {
            rows.push([
              each.email,
              each.role,
              [...each.domains, ...each.addresses].join(',') || '*',
              each.disabled ? 'disabled' : 'active',
              each.id,
            ]);
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (!options.json) printTable(rows);
    }),
  );

  addConfigOption(
    user
      .command('passwd <email>')
      .description(
        "Set a user's password (generated and printed once unless --password-stdin); ends their sessions.",
      )
      .option('--password-stdin', 'read the password from the first line of standard input'),
  ).action((email: string, options: UserOptions) =>
    withStores(options, async (stores) => {
      const password = options.passwordStdin ? await readFirstLine() : undefined;
      const { user: changed, generatedPassword } = await setPassword(stores, cliOrigin(), email, password);
      process.stderr.write(`Password of ${changed.email} changed; their sessions ended.\n`);
      announcePassword(generatedPassword);
    }),
  );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    addConfigOption(
      user
        .command(`${name} <email>`)
        .description(
          disabled
            ? 'Disable a user: sign-in, sessions and their tokens stop working.'
            : 'Enable a disabled user again.',
        ),
    ).action((email: string, options: UserOptions) =>
      withStores(options, async (stores) => {
        const changed = await setDisabled(stores, cliOrigin(), email, disabled);
        process.stderr.write(`${changed.email} is ${changed.disabled ? 'disabled' : 'enabled'}.\n`);
      }),
    );
  }

  addConfigOption(
    user
      .command('role <email> <role>')
      .description("Change a user's role, with its domains (domain_admin) or addresses (user).")
      .option('--domain <domain>', 'a managed domain (repeatable)', collect, [])
      .option('--address <address>', 'an address, primary first (repeatable)', collect, [])
      .option('--release-mode <mode>', 'for users: release, request or default'),
  ).action((email: string, newRole: string, options: UserOptions) =>
    withStores(options, async (stores) => {
      const changed = await updateUser(stores, cliOrigin(), email, {
        role: role(newRole),
        domains: options.domain.length > 0 ? options.domain : undefined,
        addresses: options.address.length > 0 ? options.address : undefined,
        releaseMode: releaseMode(options.releaseMode),
      });
      process.stderr.write(`${describe(changed)}.\n`);
    }),
  );
  addConfigOption(
    user
      .command('totp-reset <email>')
      .description(
        "Remove a user's second factor (a lost phone): they sign in with their password alone and may enrol again.",
      ),
  ).action((email: string, options: UserOptions) =>
    withStores(options, async (stores) => {
      const target = await findUser(stores, email);
      await removeTotp(stores, { actor: systemActor('cli') }, target, undefined);
      process.stderr.write(`The second factor of ${target.email} is removed.\n`);
    }),
  );
  addConfigOption(
    user
      .command('unlink <email>')
      .description(
        "End a user's link to their identity at a sign-in provider, and their sessions: the next sign-in with the email links the account again.",
      ),
  ).action((email: string, options: UserOptions) =>
    withStores(options, async (stores) => {
      const { user: changed, unlinked } = await unlinkIdentity(stores, cliOrigin(), email);
      process.stderr.write(
        unlinked
          ? `${changed.email} is no longer linked to an identity; their sessions ended.\n`
          : `${changed.email} is not linked to an identity; nothing changed.\n`,
      );
    }),
  );
}
