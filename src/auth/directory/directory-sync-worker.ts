import type { Logger } from 'pino';
import type { DirectoryAccountDeps } from './directory-account.js';
import { syncDirectory } from './directory-sync.js';
import type { PasswordDirectory } from './ldap-directory.js';

export interface DirectorySyncWorker {
  /** Runs one sync now (waits for a running one instead of starting a second). */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a sync in progress. */
  stop(): Promise<void>;
}

/** The periodic directory sync inside `serve`: every `intervalSeconds` (0: never), one at a time. */
export function startDirectorySyncWorker(
  deps: DirectoryAccountDeps & { logger: Logger },
  directory: PasswordDirectory,
  options: { intervalSeconds: number; disableMissing: boolean },
): DirectorySyncWorker {
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    running ??= syncDirectory(deps, directory, options)
      .then(
        (report) =>
          deps.logger.info({
            event: 'DIRECTORY_SYNC_DONE',
            checked: report.checked,
            updated: report.updated,
            disabled: report.disabled,
            notFound: report.notFound.length,
          }),
        (error: unknown) => deps.logger.error({ event: 'DIRECTORY_SYNC_FAILED', err: error }),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer =
    options.intervalSeconds > 0
      ? setInterval(() => void runOnce(), options.intervalSeconds * 1000)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
