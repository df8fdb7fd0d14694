import type { Logger } from 'pino';
import { systemActor } from '../core/actor.js';
import { isLazaretError } from '../core/errors.js';
import type { UserRecord } from '../store/user-store.js';
import { createUser, type UserAdminDeps } from './user-admin.js';

export interface BootstrapSettings {
  adminEmail: string;
  adminPassword?: string | undefined;
}

/**
 * On the first start (no users at all) creates the administrator. A generated password goes to
 * `announce` (the console) exactly once and never to the log; a configured one is not repeated.
 * When two processes start at once, one creates the admin and the other finds it taken.
 */
export async function ensureFirstAdmin(
  deps: UserAdminDeps,
  settings: BootstrapSettings,
  logger: Logger,
  announce: (text: string) => void,
): Promise<UserRecord | null> {
  if (await deps.users.hasUsers()) return null;
  try {
    const { user, generatedPassword } = await createUser(
      deps,
      { actor: systemActor('bootstrap') },
      {
        email: settings.adminEmail,
        displayName: 'Administrator',
        role: 'admin',
        password: settings.adminPassword,
      },
    );
    logger.info({
      event: 'BOOTSTRAP_ADMIN_CREATED',
      email: user.email,
      generated: generatedPassword !== undefined,
    });
    if (generatedPassword !== undefined) {
      announce(
        [
          '',
          '  Lazaret created the first administrator:',
          `    email:    ${user.email}`,
          `    password: ${generatedPassword}`,
          '  It is shown only this once. Sign in and change it with `lazaret user passwd`.',
          '',
        ].join('\n'),
      );
    }
    return user;
  } catch (error) {
    if (isLazaretError(error, 'user_exists')) return null;
    throw error;
  }
}
