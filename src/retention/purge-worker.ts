import { type PurgeDeps, purgeExpired } from './purge.js';

export interface PurgeWorker {
  /** Runs one purge now (waits for a running one instead of starting a second). */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a purge in progress. */
  stop(): Promise<void>;
}

export interface PurgeWorkerOptions {
  /** Seconds between runs; 0 starts no timer (runOnce still works). */
  intervalSeconds: number;
  batchSize: number;
}

/**
 * The retention purge inside `serve`: every `intervalSeconds`, one purge at a time. Several
 * processes may run it against one store: each expiry is a conditional write.
 */
export function startPurgeWorker(deps: PurgeDeps, options: PurgeWorkerOptions): PurgeWorker {
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    running ??= purgeExpired(deps, { batchSize: options.batchSize })
      .then(
        (report) => {
          if (report.expiredItems > 0 || report.removedBlobs > 0 || report.skipped > 0) {
            deps.logger.info({
              event: 'PURGE_DONE',
              expiredItems: report.expiredItems,
              removedBlobs: report.removedBlobs,
              skipped: report.skipped,
            });
          }
        },
        (error: unknown) => deps.logger.error({ event: 'PURGE_FAILED', err: error }),
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
