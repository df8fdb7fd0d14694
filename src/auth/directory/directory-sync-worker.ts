import type { Logger } from 'pino';
import { type PeriodicTask, startPeriodicTask } from '../../core/periodic-task.js';
import type { DirectoryAccountDeps } from './directory-account.js';
import { syncDirectory } from './directory-sync.js';
import type { PasswordDirectory } from './ldap-directory.js';

export type DirectorySyncWorker = PeriodicTask;

/** The periodic directory sync inside `serve`: every `intervalSeconds` (0: never), one at a time. */
export function startDirectorySyncWorker(
  deps: DirectoryAccountDeps & { logger: Logger },
  directory: PasswordDirectory,
  options: { intervalSeconds: number; disableMissing: boolean },
): DirectorySyncWorker {
  return startPeriodicTask(() => syncDirectory(deps, directory, options), {
    intervalMs: options.intervalSeconds * 1000,
    failureEvent: 'DIRECTORY_SYNC_FAILED',
    logger: deps.logger,
    onReport: (report) =>
      deps.logger.info({
        event: 'DIRECTORY_SYNC_DONE',
        checked: report.checked,
        updated: report.updated,
        disabled: report.disabled,
        notFound: report.notFound.length,
      }),
  });
}
