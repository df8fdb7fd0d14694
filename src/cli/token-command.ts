import type { Command } from 'commander';
import { parseDuration } from '../auth/duration.js';
import { createToken, findUser, revokeToken } from '../auth/user-admin.js';
import { TOKEN_SCOPES, type TokenScope } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import { addConfigOption, cliOrigin, printTable, withStores } from './cli-support.js';

function scope(value: string): TokenScope {
  if (!(TOKEN_SCOPES as readonly string[]).includes(value)) {
    throw new LazaretError('validation_error', `Unknown scope ${value}: use ${TOKEN_SCOPES.join(', ')}.`);
  }
  return value as TokenScope;
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('Manage API tokens: create, list, revoke.');

  addConfigOption(
    token
      .command('create')
      .description('Create an API token and print it once (on standard output, alone, for scripts).')
      .requiredOption('--user <email>', 'owner of the token')
      .requiredOption('--scope <scope>', 'read, release (also delete) or admin (also users, tokens, audit)')
      .option('--expires <duration>', 'lifetime such as 90m, 12h, 30d, 2w (default: no expiry)')
      .option('--name <name>', 'a name to recognise it by'),
  ).action((options: { config?: string; user: string; scope: string; expires?: string; name?: string }) =>
    withStores(options, async (stores) => {
      const {
        token: created,
        secret,
        owner,
      } = await createToken(stores, cliOrigin(), {
        user: options.user,
        scope: scope(options.scope),
        name: options.name,
        expiresInMs: options.expires === undefined ? undefined : parseDuration(options.expires),
      });
      process.stderr.write(
        `Token ${created.id} "${created.name}" for ${owner.email}, scope ${created.scope}, ${
          created.expiresAt ? `expires ${created.expiresAt}` : 'no expiry'
        }. It is shown only this once:\n`,
      );
      process.stdout.write(`${secret}\n`);
    }),
  );

  addConfigOption(
    token
      .command('list')
      .description('List tokens, newest first.')
      .option('--user <email>', "only this user's"),
  ).action((options: { config?: string; user?: string }) =>
    withStores(options, async (stores) => {
      const userId = options.user ? (await findUser(stores, options.user)).id : undefined;
      const rows = [['ID', 'NAME', 'USER', 'SCOPE', 'EXPIRES', 'LAST USED', 'STATE']];
      const emails = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const page = await stores.users.listTokens(userId ? { userId } : {}, { limit: 500, cursor });
        for (const each of page.items) {
          if (!emails.has(each.userId))
            emails.set(each.userId, (await stores.users.getUser(each.userId))?.email ?? '?');
          const expired = each.expiresAt !== null && each.expiresAt <= new Date().toISOString();
          rows.push([
            each.id,
            each.name,
            emails.get(each.userId)!,
            each.scope,
            each.expiresAt ?? 'never',
            each.lastUsedAt ?? 'never',
            each.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
          ]);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      printTable(rows);
    }),
  );

  addConfigOption(
    token.command('revoke <id>').description('Revoke a token by id; it is refused from now on.'),
  ).action((id: string, options: { config?: string }) =>
    withStores(options, async (stores) => {
      const revoked = await revokeToken(stores, cliOrigin(), id);
      process.stderr.write(`Token ${revoked.id} "${revoked.name}" revoked at ${revoked.revokedAt}.\n`);
    }),
  );
}
